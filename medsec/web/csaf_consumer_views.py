"""The hospital's CSAF subscriptions in the browser: the subscriptions with the form to add
one (provider URL or domain, the key fingerprint to pin, optionally the key itself) and a
"fetch now" button each; the documents a subscription received; the quarantine with the
findings and, for a document that failed mandatory tests only, the release form (a note is
required, the release is audited); the devices the advisories concern. Every form works
without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from medsec.accounts.dependencies import DbSession, instance
from medsec.accounts.roles import Permission
from medsec.advisories.consumer import services
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.consumer.integrity import Reason
from medsec.advisories.validation import default_validator
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.service import Instance
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
Writer = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]
Found = Annotated[Instance, Depends(instance)]


def _subscriptions_page(
    request: Request, session: DbSession, viewer: Viewer, *, error: str | None = None,
    form: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request,
        "advisories/subscriptions.html",
        viewer=viewer,
        status=status,
        subscriptions=services.list_subscriptions(session, viewer.actor),
        error=error,
        form=form or {},
    )


@router.get("/advisories/subscriptions")
def subscriptions(request: Request, session: DbSession, viewer: Reader) -> Response:
    return _subscriptions_page(request, session, viewer)


@router.post("/advisories/subscriptions")
def subscribe(
    request: Request,
    session: DbSession,
    viewer: Writer,
    found: Found,
    url: Annotated[str, Form()] = "",
    fingerprint: Annotated[str, Form()] = "",
    public_key: Annotated[str, Form()] = "",
) -> Response:
    try:
        with http_client(found.http_transport) as client:
            row = services.subscribe(
                session, viewer.actor, Downloader(client), url[:500], fingerprint[:80],
                public_key[:100_000] or None,
            )  # fmt: skip
    except Error as e:
        discard(session, e)
        form = {"url": url[:500], "fingerprint": fingerprint[:80]}
        return _subscriptions_page(
            request, session, viewer, error=f"Not subscribed: {explain(e)}", form=form, status=422
        )
    return see_other(f"/advisories/subscriptions/{row.id}", "csaf-subscribed")


@router.post("/advisories/subscriptions/{subscription_id}/fetch")
def fetch(session: DbSession, viewer: Writer, found: Found, subscription_id: int) -> Response:
    with http_client(found.http_transport) as client:
        services.fetch(
            session, viewer.actor, Downloader(client), default_validator(), subscription_id
        )
    return see_other(f"/advisories/subscriptions/{subscription_id}", "csaf-fetched")


@router.get("/advisories/subscriptions/{subscription_id}")
def subscription(
    request: Request, session: DbSession, viewer: Reader, subscription_id: int
) -> Response:
    row = services.get_subscription(session, viewer.actor, subscription_id)
    return render(
        request,
        "advisories/subscription.html",
        viewer=viewer,
        subscription=row,
        documents=services.received(session, viewer.actor, subscription_id),
    )


def _quarantine_page(
    request: Request, session: DbSession, viewer: Viewer, *, error: str | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    rows = services.quarantined(session, viewer.actor, include_released=True)
    return render(
        request,
        "advisories/quarantine.html",
        viewer=viewer,
        status=status,
        held=[
            (r, Reason(r.reason)) for r in rows if r.released_at is None and r.superseded_at is None
        ],
        released=[r for r in rows if r.released_at is not None],
        error=error,
    )


@router.get("/advisories/quarantine")
def quarantine(request: Request, session: DbSession, viewer: Reader) -> Response:
    return _quarantine_page(request, session, viewer)


@router.post("/advisories/quarantine/{quarantine_id}/release")
def release(
    request: Request,
    session: DbSession,
    viewer: Writer,
    quarantine_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    try:
        services.release(session, viewer.actor, quarantine_id, note[:2000])
    except Error as e:
        discard(session, e)
        return _quarantine_page(
            request, session, viewer, error=f"Not released: {explain(e)}", status=422
        )
    return see_other("/advisories/matches", "csaf-released")


@router.get("/advisories/matches")
def matches(request: Request, session: DbSession, viewer: Reader) -> Response:
    return render(
        request,
        "advisories/matches.html",
        viewer=viewer,
        matches=services.matches(session, viewer.actor),
    )
