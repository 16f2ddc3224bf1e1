"""Feed pages: a manufacturer's own feed (URL, key), a hospital's subscriptions (add with
the pinned key, fetch now, remove), what each delivered or quarantined, and a received
version's changes against the previous one.

The feed documents themselves are the public routes (``/public/feeds/…``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession, instance
from medsec.accounts.models import Organization
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.feeds import publishing, receiving, subscriptions
from medsec.feeds.advisories import advisory_leg
from medsec.feeds.api import transport
from medsec.feeds.interfaces import Transport
from medsec.feeds.models import FeedEntry, FeedSubscription
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.PRODUCTS_READ)]
Manager = Annotated[Viewer, page(Permission.HOLDINGS_MANAGE)]
#: Entries listed per subscription on the overview (newest first).
RECENT_ENTRIES = 50


@dataclass(frozen=True)
class OwnFeed:
    url: str
    fingerprint: str | None
    problem: str | None


def _own_feed(request: Request, session: Session, viewer: Viewer) -> OwnFeed | None:
    if not viewer.actor.organization_kind.is_manufacturer:
        return None
    organization = session.get(Organization, viewer.actor.organization_id)
    if organization is None:  # pragma: no cover - the viewer's organization exists
        return None
    settings = instance(request).settings
    url = settings.base_url.rstrip("/") + publishing.feed_path(organization)
    try:
        return OwnFeed(url, publishing.signer(settings).key.fingerprint, None)
    except Error as e:
        return OwnFeed(url, None, explain(e))


def _feeds_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    errors: FormErrors | None = None,
    url: str = "",
    status: int = 200,
) -> Response:
    provider = viewer.actor.organization_kind.is_provider
    found = subscriptions.list_subscriptions(session, viewer.actor) if provider else []
    recent: dict[int, list[FeedEntry]] = {}
    for subscription in found:
        recent[subscription.id] = list(
            session.execute(
                select(FeedEntry)
                .where(FeedEntry.subscription_id == subscription.id)
                .order_by(FeedEntry.id.desc())
                .limit(RECENT_ENTRIES)
            ).scalars()
        )
    return render(
        request,
        "feeds/index.html",
        viewer=viewer,
        status=status,
        own_feed=_own_feed(request, session, viewer),
        provider=provider,
        subscriptions=found,
        recent=recent,
        can_manage=provider and viewer.actor.can(Permission.HOLDINGS_MANAGE),
        errors=errors or FormErrors(),
        url=url,
    )


@router.get("/feeds")
def feeds(request: Request, session: DbSession, viewer: Reader) -> Response:
    return _feeds_page(request, session, viewer)


@router.post("/feeds/subscriptions")
def subscribe(
    request: Request,
    session: DbSession,
    viewer: Manager,
    url: Annotated[str, Form(max_length=2000)] = "",
    key: Annotated[str, Form(max_length=64 * 1024)] = "",
) -> Response:
    errors = FormErrors()
    errors.require("url", url, "the feed's URL")
    errors.require("key", key, "the feed's public key")
    if not errors:
        try:
            subscriptions.subscribe(session, viewer.actor, url, key.encode())
        except Error as e:
            discard(session, e)
            errors.add("url" if "URL" in e.message or "url" in e.message else "key", explain(e))
    if errors:
        return _feeds_page(request, session, viewer, errors=errors, url=url, status=422)
    return see_other("/feeds", "feed-subscribed")


@router.post("/feeds/subscriptions/{subscription_id}/fetch")
def fetch(
    request: Request,
    session: DbSession,
    viewer: Manager,
    subscription_id: int,
    client: Annotated[Transport, Depends(transport)],
) -> Response:
    """Fetch now; the subscription's row then shows how it went."""
    found: FeedSubscription = subscriptions.for_fetch(session, viewer.actor, subscription_id)
    with advisory_leg(instance(request).http_transport) as leg:
        receiving.fetch(session, found, client, viewer.actor.context, leg)
    return see_other(f"/feeds#subscription-{subscription_id}", "feed-fetched")


@router.post("/feeds/subscriptions/{subscription_id}/delete")
def unsubscribe(session: DbSession, viewer: Manager, subscription_id: int) -> Response:
    subscriptions.unsubscribe(session, viewer.actor, subscription_id)
    return see_other("/feeds", "feed-removed")


@router.get("/feeds/entries/{entry_id}")
def entry(request: Request, session: DbSession, viewer: Reader, entry_id: int) -> Response:
    """One received entry: its checks, and for a profile the changes from the previous."""
    found = subscriptions.entry(session, viewer.actor, entry_id)
    return render(
        request,
        "feeds/entry.html",
        viewer=viewer,
        entry=found,
        subscription=found.subscription,
        changes=found.changes or [],
    )
