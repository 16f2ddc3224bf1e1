"""Feed subscriptions of a healthcare provider: add (URL + pinned key), list, remove, and
what was received. Every query filters by the actor's organization.

Who: only healthcare-provider organizations have subscriptions; their ``holdings:manage``
holders (security analysts, clinical engineers, admins) subscribe, fetch and remove,
``products:read`` holders read.

Feed URLs are ``https://``; plain ``http://`` only to a loopback address (a test or a
feed served on the same host).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.advisories.signing.openpgp import key_info, load_certificate
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Conflict, Error, NotFound, PermissionDenied
from medsec.feeds.models import FeedEntry, FeedSubscription

MAX_KEY_BYTES = 64 * 1024


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """The URL if medsec may fetch it as a feed; :class:`Error` saying why not otherwise."""
    parts = urlsplit(url.strip())
    hint = "a feed URL looks like https://manufacturer.example/feeds/acme/index.json"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Error(f"{url!r} is not an http(s) URL", hint=hint)
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise Error(f"{url}: feeds are fetched over https:// (http only on loopback)", hint=hint)
    if parts.username or parts.password or parts.fragment:
        raise Error(f"{url}: no user, password or fragment in a feed URL", hint=hint)
    if len(url) > 2000:
        raise Error("the feed URL is longer than 2000 characters")
    return url.strip()


def _provider(actor: Actor, permission: Permission) -> None:
    actor.require(permission)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied("only healthcare-provider organizations subscribe to feeds")


def subscribe(session: Session, actor: Actor, url: str, key: bytes) -> FeedSubscription:
    """Subscribe the actor's organization to the feed at ``url``, pinning ``key``."""
    _provider(actor, Permission.HOLDINGS_MANAGE)
    url = check_url(url)
    if len(key) > MAX_KEY_BYTES:
        raise Error(f"the key is larger than {MAX_KEY_BYTES} bytes; expected one public key")
    if b"PRIVATE KEY" in key:
        raise Error("that is a secret key", hint="give the feed's public key (key.asc)")
    certificate = load_certificate(key, "the feed's key")
    info = key_info(certificate)
    exists = session.execute(
        select(FeedSubscription.id).where(
            FeedSubscription.organization_id == actor.organization_id, FeedSubscription.url == url
        )
    ).first()
    if exists:
        raise Conflict(f"already subscribed to {url}", hint="remove it first to pin another key")
    subscription = FeedSubscription(
        organization_id=actor.organization_id,
        url=url,
        fingerprint=info.fingerprint,
        certificate=str(certificate),
        created_by=actor.username,
    )
    session.add(subscription)
    session.flush()
    record(
        session,
        Tag.FEED_SUBSCRIBED,
        actor.context,
        target=f"feed-subscription:{subscription.id}",
        details={"url": url, "fingerprint": info.fingerprint},
    )
    return subscription


def list_subscriptions(session: Session, actor: Actor) -> Sequence[FeedSubscription]:
    _provider(actor, Permission.PRODUCTS_READ)
    return (
        session.execute(
            select(FeedSubscription)
            .where(FeedSubscription.organization_id == actor.organization_id)
            .order_by(FeedSubscription.id)
        )
        .scalars()
        .all()
    )


def get(session: Session, actor: Actor, subscription_id: int) -> FeedSubscription:
    _provider(actor, Permission.PRODUCTS_READ)
    found = session.get(FeedSubscription, subscription_id)
    if found is None or found.organization_id != actor.organization_id:
        raise NotFound(f"no feed subscription {subscription_id}")
    return found


def for_fetch(session: Session, actor: Actor, subscription_id: int) -> FeedSubscription:
    _provider(actor, Permission.HOLDINGS_MANAGE)
    return get(session, actor, subscription_id)


def unsubscribe(session: Session, actor: Actor, subscription_id: int) -> None:
    """Remove the subscription and its entry log; received versions stay."""
    _provider(actor, Permission.HOLDINGS_MANAGE)
    subscription = get(session, actor, subscription_id)
    url = subscription.url
    session.delete(subscription)
    session.flush()
    record(
        session,
        Tag.FEED_UNSUBSCRIBED,
        actor.context,
        target=f"feed-subscription:{subscription_id}",
        details={"url": url},
    )


def entries(
    session: Session, actor: Actor, subscription_id: int, *, state: str | None = None
) -> Sequence[FeedEntry]:
    """The subscription's entries, newest first."""
    subscription = get(session, actor, subscription_id)
    stmt = select(FeedEntry).where(FeedEntry.subscription_id == subscription.id)
    if state is not None:
        stmt = stmt.where(FeedEntry.state == state)
    return session.execute(stmt.order_by(FeedEntry.id.desc())).scalars().all()


def entry(session: Session, actor: Actor, entry_id: int) -> FeedEntry:
    _provider(actor, Permission.PRODUCTS_READ)
    found = session.get(FeedEntry, entry_id)
    if found is None or found.subscription.organization_id != actor.organization_id:
        raise NotFound(f"no feed entry {entry_id}")
    return found
