"""``/api/v1/audit``: search and export the organization's audit events."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import AwareDatetime

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.pagination import Page, PageParams, page_params
from medsec.api.routing import OneThreadRoute
from medsec.audit import services
from medsec.audit.tags import Tag

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], route_class=OneThreadRoute)

Auditor = Annotated[Actor, requires(Permission.AUDIT_READ)]


def _query(
    actor: Actor,
    tag: str | None,
    actor_name: str | None,
    outcome: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> services.AuditQuery:
    return services.AuditQuery(
        organization_id=actor.organization_id,
        tag_prefix=tag,
        actor=actor_name,
        outcome=outcome,
        since=since,
        until=until,
    )


@router.get("")
def search(
    actor: Auditor,
    session: DbSession,
    page: Annotated[PageParams, Depends(page_params)],
    tag: Annotated[
        str | None, Query(max_length=80, description="Tag prefix, e.g. accounts:login:")
    ] = None,
    actor_name: Annotated[str | None, Query(alias="actor", max_length=200)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[AwareDatetime | None, Query(description="From (with a UTC offset)")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Until, exclusive")] = None,
) -> Page[dict[str, Any]]:
    query = _query(actor, tag, actor_name, outcome, since, until)
    rows, total = services.search(session, query, offset=page.offset, limit=page.limit)
    return Page(
        items=[services.as_dict(r) for r in rows], total=total, offset=page.offset, limit=page.limit
    )


@router.get("/export", response_class=PlainTextResponse)
def export(
    actor: Auditor,
    session: DbSession,
    tag: Annotated[str | None, Query(max_length=80)] = None,
) -> PlainTextResponse:
    """The organization's events as JSON lines (one event per line, oldest first)."""
    query = _query(actor, tag, None, None, None, None)
    lines = [
        json.dumps(services.as_dict(e), sort_keys=True)
        for e in services.iter_events(session, query)
    ]
    services.record(session, Tag.AUDIT_EXPORTED, actor.context, details={"events": len(lines)})
    return PlainTextResponse(
        "\n".join(lines) + ("\n" if lines else ""), media_type="application/x-ndjson"
    )
