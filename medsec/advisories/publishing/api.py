"""``/api/v1/advisories`` (a manufacturer's advisories) and ``/api/v1/received-advisories``
(what a hospital was sent).

The body of a draft is the advisory input of ``medsec csaf new`` as JSON, with each
product named by ``product`` (one of the organization's stored products) instead of a
profile file; see ``docs/advisories.md``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, instance, requires
from medsec.accounts.roles import Permission
from medsec.advisories.authoring.input import AdvisoryInput
from medsec.advisories.publishing import artifacts, publish, services
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.advisories.publishing.schemas import (
    AdvisoryOut,
    CheckOut,
    ReceivedOut,
    RecipientOut,
    RevisionOut,
)
from medsec.advisories.readability import DEFAULT_TARGET_GRADE
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.service import Instance

router = APIRouter(prefix="/api/v1", tags=["advisories"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.PRODUCTS_READ)]
Writer = Annotated[Actor, requires(Permission.PRODUCTS_WRITE)]


def target_of(found: Annotated[Instance, Depends(instance)]) -> ProviderTarget:
    return ProviderTarget.from_settings(found.settings)


Target = Annotated[ProviderTarget, Depends(target_of)]


@router.get("/advisories")
def list_advisories(actor: Reader, session: DbSession) -> list[AdvisoryOut]:
    """The organization's advisories, drafts included, most recently changed first."""
    return [AdvisoryOut.of(a) for a in services.list_advisories(session, actor)]


@router.post("/advisories", status_code=201)
def create_advisory(body: AdvisoryInput, actor: Writer, session: DbSession) -> AdvisoryOut:
    """Keep a new draft (it is checked on request and when published, not now)."""
    return AdvisoryOut.of(services.create(session, actor, body))


@router.get("/advisories/{advisory_id}")
def get_advisory(advisory_id: ObjectId, actor: Reader, session: DbSession) -> AdvisoryOut:
    return AdvisoryOut.of(services.own_advisory(session, actor, advisory_id))


@router.put("/advisories/{advisory_id}")
def update_advisory(
    advisory_id: ObjectId, body: AdvisoryInput, actor: Writer, session: DbSession
) -> AdvisoryOut:
    """Replace the draft. Published revisions stay as they were; add one new revision."""
    return AdvisoryOut.of(services.update(session, actor, advisory_id, body))


@router.post("/advisories/{advisory_id}/check")
def check_advisory(
    advisory_id: ObjectId,
    actor: Reader,
    session: DbSession,
    target: Target,
    target_grade: Annotated[float, Query(ge=1, le=20)] = DEFAULT_TARGET_GRADE,
) -> CheckOut:
    """Build the draft as publishing would: CSAF validation, what blocks publishing, and
    the readability of each note against ``target_grade``. Stores nothing."""
    advisory = services.own_advisory(session, actor, advisory_id)
    found = services.check(
        session, advisory, services.draft_of(advisory), target, target_grade=target_grade
    )
    return CheckOut.of(found)


@router.post("/advisories/{advisory_id}/publish")
def publish_advisory(
    advisory_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.PRODUCTS_PUBLISH)],
    session: DbSession,
    target: Target,
) -> RevisionOut:
    """Publish the draft as the next revision (needs a recent login): signed into the CSAF
    provider, and every hospital holding the products or their assets is notified."""
    return RevisionOut.of(publish.publish(session, actor, advisory_id, target))


@router.get("/advisories/{advisory_id}/artifacts/{name}")
def get_artifact(
    advisory_id: ObjectId,
    name: str,
    actor: Reader,
    session: DbSession,
    target: Target,
    version: Annotated[
        str | None,
        Query(max_length=40, description="A published version (default: the latest) or draft."),
    ] = None,
) -> Response:
    """``csaf.json``, ``advisory.html``, ``fsn.html`` or ``fsn.pdf`` of a published revision
    (for the manufacturer and the hospitals it was sent to), or of the draft (``version=draft``,
    the manufacturer only)."""
    found = artifacts.artifact(session, actor, advisory_id, name, target, version)
    headers = {"Content-Disposition": f'inline; filename="{found.filename}"'}
    if found.published:
        headers["Cache-Control"] = "private, max-age=300"
    return Response(found.body, media_type=found.media_type, headers=headers)


@router.get("/advisories/{advisory_id}/recipients")
def list_recipients(advisory_id: ObjectId, actor: Reader, session: DbSession) -> list[RecipientOut]:
    """Who was notified about each revision, and who acknowledged it."""
    return [RecipientOut.of(r) for r in publish.recipients(session, actor, advisory_id)]


@router.get("/received-advisories")
def list_received(actor: Reader, session: DbSession) -> list[ReceivedOut]:
    """The advisories this (hospital) organization was notified about, newest first."""
    return [ReceivedOut.of(r) for r in publish.received(session, actor)]


@router.post("/received-advisories/{advisory_id}/acknowledge")
def acknowledge(
    advisory_id: ObjectId,
    actor: Annotated[Actor, requires(Permission.HOLDINGS_MANAGE)],
    session: DbSession,
) -> ReceivedOut:
    """Confirm that the organization has read the latest revision it was sent."""
    return ReceivedOut.of(publish.acknowledge(session, actor, advisory_id))
