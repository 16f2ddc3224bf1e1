"""``/api/v1/csaf/...`` — the hospital's CSAF subscriptions, what they received, the
quarantine (with the audited release) and the devices the advisories concern.

Reading needs ``inventory:read``; subscribing, fetching, removing and releasing need
``inventory:write``. A fetch runs in the request and answers with its report; when the
provider cannot be read, the report says why (``error``) and the subscription shows it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, instance, requires
from medsec.accounts.roles import Permission
from medsec.advisories.consumer import services
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.consumer.models import CsafQuarantine
from medsec.advisories.consumer.schemas import (
    MatchOut,
    QuarantineOut,
    ReceivedOut,
    ReleaseIn,
    SubscriptionIn,
    SubscriptionOut,
)
from medsec.advisories.validation import default_validator
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.service import Instance

router = APIRouter(prefix="/api/v1/csaf", tags=["csaf subscriptions"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
Writer = Annotated[Actor, requires(Permission.INVENTORY_WRITE)]
Found = Annotated[Instance, Depends(instance)]


def quarantine_out(row: CsafQuarantine) -> QuarantineOut:
    return QuarantineOut.model_validate(
        {**{c: getattr(row, c) for c in QuarantineOut.model_fields if c != "releasable"},
         "releasable": services.releasable(row)}
    )  # fmt: skip


@router.get("/subscriptions")
def list_subscriptions(actor: Reader, session: DbSession) -> list[SubscriptionOut]:
    return [SubscriptionOut.model_validate(s) for s in services.list_subscriptions(session, actor)]


@router.post("/subscriptions", status_code=201)
def subscribe(
    body: SubscriptionIn, actor: Writer, session: DbSession, found: Found
) -> SubscriptionOut:
    """Find the provider and pin its key (the fingerprint must match the key)."""
    with http_client(found.http_transport) as client:
        row = services.subscribe(
            session, actor, Downloader(client), body.url, body.fingerprint, body.public_key
        )
    return SubscriptionOut.model_validate(row)


@router.get("/subscriptions/{subscription_id}")
def get_subscription(
    subscription_id: ObjectId, actor: Reader, session: DbSession
) -> SubscriptionOut:
    return SubscriptionOut.model_validate(
        services.get_subscription(session, actor, subscription_id)
    )


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def remove_subscription(subscription_id: ObjectId, actor: Writer, session: DbSession) -> Response:
    services.remove_subscription(session, actor, subscription_id)
    return Response(status_code=204)


@router.post("/subscriptions/{subscription_id}/fetch")
def fetch(
    subscription_id: ObjectId, actor: Writer, session: DbSession, found: Found
) -> dict[str, Any]:
    """Fetch now: download what changed, verify, validate, import, match, notify."""
    with http_client(found.http_transport) as client:
        report = services.fetch(
            session, actor, Downloader(client), default_validator(), subscription_id
        )
    return report.to_json()


@router.get("/subscriptions/{subscription_id}/documents")
def received(subscription_id: ObjectId, actor: Reader, session: DbSession) -> list[ReceivedOut]:
    return [
        ReceivedOut.model_validate(r) for r in services.received(session, actor, subscription_id)
    ]


@router.get("/quarantine")
def quarantine(
    actor: Reader, session: DbSession, released: Annotated[bool, Query()] = False
) -> list[QuarantineOut]:
    """Quarantined documents (``released=true``: the released ones too)."""
    rows = services.quarantined(session, actor, include_released=released)
    return [quarantine_out(r) for r in rows]


@router.post("/quarantine/{quarantine_id}/release")
def release(
    quarantine_id: ObjectId, body: ReleaseIn, actor: Writer, session: DbSession
) -> dict[str, Any]:
    """Import a document that failed mandatory tests, with the reason why (audited)."""
    return services.release(session, actor, quarantine_id, body.note).to_json()


@router.get("/matches")
def matches(actor: Reader, session: DbSession) -> list[MatchOut]:
    """The devices of the inventory that advisories concern, newest first."""
    return [
        MatchOut(
            id=m.id,
            asset_id=a.id,
            serial=a.serial,
            vendor=a.vendor,
            model=a.model,
            firmware_version=a.firmware_version,
            tracking_id=m.tracking_id,
            vulnerability=m.vulnerability,
            product_name=m.product_name,
            status=m.status,
            confidence=m.confidence,
            matched_on=m.matched_on,
            base_score=m.base_score,
            remediation=m.remediation,
            first_seen=m.first_seen,
        )
        for m, a in services.matches(session, actor)
    ]
