"""Routes of the feeds domain.

Public (no login; ``ETag`` and ``If-None-Match`` → ``304``):

- ``GET /public/feeds/{slug}/index.json`` — the manufacturer's signed index;
- ``GET /public/feeds/{slug}/index.json.asc`` — its detached OpenPGP signature;
- ``GET /public/feeds/{slug}/key.asc`` — the public key that verifies it;
- ``GET /public/feeds/{slug}/versions/{version_id}/{kind}`` — a listed document.

``/api/v1``: a version's VEX (attach, read), and a hospital's subscriptions (subscribe,
list, fetch now, entries with the diff, remove).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, instance, public, requires
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.feeds import publishing, receiving, subscriptions
from medsec.feeds.advisories import advisory_leg
from medsec.feeds.index import Kind, index_bytes
from medsec.feeds.interfaces import Transport
from medsec.feeds.schemas import EntryDetailOut, EntryOut, SubscribeIn, SubscriptionOut
from medsec.feeds.transport import HttpTransport

router = APIRouter(prefix="/api/v1", tags=["feeds"], route_class=OneThreadRoute)
public_router = APIRouter(
    prefix="/public/feeds", tags=["public documents"], route_class=OneThreadRoute
)

Reader = Annotated[Actor, requires(Permission.PRODUCTS_READ)]
Manager = Annotated[Actor, requires(Permission.HOLDINGS_MANAGE)]
CACHE = "public, max-age=60"


def transport() -> Transport:
    """The HTTP client fetching feeds (a dependency, so tests can serve feeds in-process)."""
    return HttpTransport()


def _answer(request: Request, body: bytes, media_type: str) -> Response:
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _index(request: Request, session: DbSession, slug: str) -> bytes:
    settings = instance(request).settings
    organization = publishing.publisher(session, slug)
    index = publishing.build_index(
        session,
        organization,
        fingerprint=publishing.signer(settings).key.fingerprint,
        csaf_provider=publishing.csaf_provider_url(settings),
    )
    return index_bytes(index)


@public_router.get("/{slug}/index.json", dependencies=[public()])
def feed_index(slug: str, request: Request, session: DbSession) -> Response:
    """The signed index of the manufacturer's published profiles, SBOMs and VEX."""
    return _answer(request, _index(request, session, slug), "application/json")


@public_router.get("/{slug}/index.json.asc", dependencies=[public()])
def feed_signature(slug: str, request: Request, session: DbSession) -> Response:
    """A detached OpenPGP signature of ``index.json`` as served now."""
    body = _index(request, session, slug)
    signature = publishing.signer(instance(request).settings).sign_detached(body)
    return Response(
        signature, media_type="text/plain; charset=utf-8", headers={"Cache-Control": CACHE}
    )


@public_router.get("/{slug}/key.asc", dependencies=[public()])
def feed_key(slug: str, request: Request, session: DbSession) -> Response:
    """The ASCII-armoured public key that signs the index (pin its fingerprint)."""
    publishing.publisher(session, slug)
    armored = publishing.signer(instance(request).settings).public_key_armored()
    return _answer(request, armored.encode("ascii"), "application/pgp-keys")


@public_router.get("/{slug}/versions/{version_id}/{kind}", dependencies=[public()])
def feed_document(
    slug: str, version_id: ObjectId, kind: Kind, request: Request, session: DbSession
) -> Response:
    """A document the index lists; its ETag is its SHA-256, as the index gives it."""
    found = publishing.document(session, publishing.publisher(session, slug), version_id, kind)
    etag = f'"{found.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return StreamingResponse(found.chunks, media_type=found.media_type, headers=headers)


# --------------------------------------------------------------------------- subscriptions


@router.get("/feed-subscriptions")
def list_subscriptions(actor: Reader, session: DbSession) -> list[SubscriptionOut]:
    return [
        SubscriptionOut.model_validate(s) for s in subscriptions.list_subscriptions(session, actor)
    ]


@router.post("/feed-subscriptions", status_code=201)
def subscribe(body: SubscribeIn, actor: Manager, session: DbSession) -> SubscriptionOut:
    """Subscribe to a manufacturer's feed, pinning its public key."""
    found = subscriptions.subscribe(session, actor, body.url, body.key.encode())
    return SubscriptionOut.model_validate(found)


@router.get("/feed-subscriptions/{subscription_id}")
def get_subscription(
    subscription_id: ObjectId, actor: Reader, session: DbSession
) -> SubscriptionOut:
    return SubscriptionOut.model_validate(subscriptions.get(session, actor, subscription_id))


@router.delete("/feed-subscriptions/{subscription_id}", status_code=204)
def unsubscribe(subscription_id: ObjectId, actor: Manager, session: DbSession) -> Response:
    """Remove the subscription and its entry log (received versions stay)."""
    subscriptions.unsubscribe(session, actor, subscription_id)
    return Response(status_code=204)


@router.post("/feed-subscriptions/{subscription_id}/fetch")
def fetch(
    subscription_id: ObjectId,
    actor: Manager,
    session: DbSession,
    client: Annotated[Transport, Depends(transport)],
    request: Request,
) -> dict[str, object]:
    """Fetch now: verify the index, store what is new, quarantine what fails a check;
    then follow the feed's CSAF provider (``advisories`` in the report)."""
    found = subscriptions.for_fetch(session, actor, subscription_id)
    with advisory_leg(instance(request).http_transport) as leg:
        return receiving.fetch(session, found, client, actor.context, leg).to_json()


@router.get("/feed-subscriptions/{subscription_id}/entries")
def list_entries(
    subscription_id: ObjectId,
    actor: Reader,
    session: DbSession,
    state: Annotated[Literal["stored", "quarantined"] | None, Query()] = None,
) -> list[EntryOut]:
    """What was received, newest first (``state=quarantined`` for the refused ones)."""
    rows = subscriptions.entries(session, actor, subscription_id, state=state)
    return [EntryOut.model_validate(r) for r in rows]


@router.get("/feed-entries/{entry_id}")
def get_entry(entry_id: ObjectId, actor: Reader, session: DbSession) -> EntryDetailOut:
    """One entry, with the profile diff against the previous received version."""
    return EntryDetailOut.model_validate(subscriptions.entry(session, actor, entry_id))
