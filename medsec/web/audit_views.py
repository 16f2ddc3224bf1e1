"""``/audit``: search the organization's audit events (auditors and admins).

A GET form, so a search is a link one can bookmark or send. With htmx, submitting the form
replaces only the search region (``hx-select``) and pushes the URL; without it, the same
URL loads as a page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.audit import services
from medsec.audit.models import AuditEvent
from medsec.audit.tags import Outcome
from medsec.web.access import Viewer, page
from medsec.web.forms import FormErrors
from medsec.web.rendering import render

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

PAGE_SIZE = 50
Auditor = Annotated[Viewer, page(Permission.AUDIT_READ)]
Filter = Annotated[str, Query(max_length=200)]


def _day(value: str, name: str, errors: FormErrors) -> dt.datetime | None:
    """``YYYY-MM-DD`` (what ``<input type=date>`` sends) as midnight UTC."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors.add(name, "Enter a date as YYYY-MM-DD, for example 2025-03-31.")
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@router.get("/audit")
def audit(
    request: Request,
    session: DbSession,
    viewer: Auditor,
    tag: Filter = "",
    actor: Filter = "",
    outcome: Filter = "",
    since: Filter = "",
    until: Filter = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    errors = FormErrors()
    if outcome and outcome not in {o.value for o in Outcome}:
        errors.add("outcome", "Choose an outcome from the list.")
    start = _day(since, "since", errors)
    end = _day(until, "until", errors)
    if start and end and end < start:
        errors.add("until", "The end date is before the start date.")
    filters = {"tag": tag, "actor": actor, "outcome": outcome, "since": since, "until": until}
    events: list[AuditEvent] = []
    total = 0
    if not errors:
        query = services.AuditQuery(
            organization_id=viewer.actor.organization_id,
            tag_prefix=tag.strip() or None,
            actor=actor.strip() or None,
            outcome=outcome or None,
            since=start,
            # The end date is inclusive: events before the next midnight.
            until=end + dt.timedelta(days=1) if end else None,
        )
        rows, total = services.search(session, query, offset=offset, limit=PAGE_SIZE)
        events = list(rows)

    def link(to_offset: int) -> str:
        kept = {k: v for k, v in filters.items() if v}
        return "/audit?" + urlencode({**kept, "offset": to_offset})

    return render(
        request,
        "audit/index.html",
        viewer=viewer,
        status=422 if errors else 200,
        errors=errors,
        filters=filters,
        events=events,
        outcome_options=[("", "any"), *((o.value, o.value) for o in Outcome)],
        total=total,
        offset=offset,
        page_size=PAGE_SIZE,
        previous_url=link(max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        next_url=link(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    )
