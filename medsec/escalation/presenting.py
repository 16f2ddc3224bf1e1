"""Cases as the API and the pages show them (timers computed at ``now``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.db.base import utcnow
from medsec.escalation import services
from medsec.escalation.kinds import PatientSafety, Severity, State, allowed
from medsec.escalation.models import Case
from medsec.escalation.schemas import (
    AttachmentOut,
    CaseOut,
    CaseSummary,
    MessageOut,
    TimerOut,
)


def _timers(case: Case, now: dt.datetime) -> list[TimerOut]:
    return [
        TimerOut(
            name=t.name,
            target_minutes=int(t.target.total_seconds() // 60) if t.target else None,
            due_at=t.due_at,
            met_at=t.met_at,
            overdue=t.overdue(now),
        )
        for t in services.timers(case)
    ]


def summary(case: Case, names: dict[int, str], now: dt.datetime | None = None) -> CaseSummary:
    at = now or utcnow()
    return CaseSummary(
        id=case.id,
        title=case.title,
        hospital=names.get(case.hospital_id, str(case.hospital_id)),
        manufacturer=names.get(case.manufacturer_id, str(case.manufacturer_id)),
        product=case.product.name,
        version=case.profile_version.version,
        asset_serial=case.asset.serial if case.asset else None,
        severity=Severity(case.severity),
        patient_safety=PatientSafety(case.patient_safety),
        state=State(case.state),
        created_at=case.created_at,
        updated_at=case.updated_at,
        overdue=services.is_overdue(case, at),
        timers=_timers(case, at),
    )


def summaries(session: Session, found: list[Case]) -> list[CaseSummary]:
    names = services.organization_names(session, found)
    now = utcnow()
    return [summary(c, names, now) for c in found]


def detail(session: Session, actor: Actor, case: Case) -> CaseOut:
    names = services.organization_names(session, [case])
    side = services.side_of(case, actor)
    base = summary(case, names)
    return CaseOut(
        **base.model_dump(),
        symptoms=case.symptoms,
        patient_safety_detail=case.patient_safety_detail,
        sla_text=case.sla_text,
        sla_calendar=case.sla_calendar,
        after_action=case.after_action,
        opened_by=case.opened_by,
        what_to_send=services.what_to_send(case),
        items_covered=sorted({a.item for a in case.attachments if a.item is not None}),
        allowed_states=list(allowed(State(case.state), side)),
        messages=[MessageOut.model_validate(m) for m in case.messages],
        attachments=[AttachmentOut.model_validate(a) for a in case.attachments],
    )
