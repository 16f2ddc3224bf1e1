"""``/api/v1/training…`` and ``/api/v1/risk-worksheets…``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.education import risk, training
from medsec.education.schemas import (
    AttestationIn,
    AttestationOut,
    ObjectiveIn,
    ObjectiveOut,
    StatusRow,
    WorksheetIn,
    WorksheetOut,
)

router = APIRouter(prefix="/api/v1", tags=["education"], route_class=OneThreadRoute)

Attester = Annotated[Actor, requires(Permission.TRAINING_ATTEST)]
ReportReader = Annotated[Actor, requires(Permission.TRAINING_READ)]
Manager = Annotated[Actor, requires(Permission.TRAINING_MANAGE)]
RiskReader = Annotated[Actor, requires(Permission.RISK_READ)]
RiskWriter = Annotated[Actor, requires(Permission.RISK_WRITE)]


@router.get("/training/objectives")
def list_objectives(actor: Attester, session: DbSession) -> list[ObjectiveOut]:
    """The organization's objectives (the four of the seed on first use)."""
    return [ObjectiveOut.model_validate(o) for o in training.objectives(session, actor)]


@router.post("/training/objectives", status_code=201)
def add_objective(body: ObjectiveIn, actor: Manager, session: DbSession) -> ObjectiveOut:
    return ObjectiveOut.model_validate(training.save_objective(session, actor, body))


@router.put("/training/objectives/{objective_id}")
def change_objective(
    objective_id: ObjectId, body: ObjectiveIn, actor: Manager, session: DbSession
) -> ObjectiveOut:
    return ObjectiveOut.model_validate(training.save_objective(session, actor, body, objective_id))


@router.get("/training/attestations")
def my_attestations(actor: Attester, session: DbSession) -> list[AttestationOut]:
    """The caller's own attestations, newest first."""
    return [AttestationOut.model_validate(a) for a in training.attestations(session, actor)]


@router.post("/training/attestations", status_code=201)
def attest(body: AttestationIn, actor: Attester, session: DbSession) -> AttestationOut:
    """Attest a completed training (another user's needs training:manage)."""
    return AttestationOut.model_validate(training.attest(session, actor, body))


@router.get("/training/report")
def report(
    actor: ReportReader, session: DbSession, only_due: bool = False, on: dt.date | None = None
) -> list[StatusRow]:
    """Every user × objective: current, due (within 30 days) or overdue."""
    return training.report(session, actor, on, only_due=only_due)


@router.get("/training/report.csv")
def report_csv(actor: ReportReader, session: DbSession) -> Response:
    return Response(
        training.report_csv(session, actor),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="training-report.csv"'},
    )


@router.get("/risk-worksheets")
def list_worksheets(actor: RiskReader, session: DbSession) -> list[WorksheetOut]:
    """The newest revision of each worksheet."""
    return [risk.present(w) for w in risk.latest(session, actor)]


@router.post("/risk-worksheets", status_code=201)
def create_worksheet(body: WorksheetIn, actor: RiskWriter, session: DbSession) -> WorksheetOut:
    return risk.present(risk.create(session, actor, body))


@router.get("/risk-worksheets/{worksheet_id}")
def get_worksheet(worksheet_id: ObjectId, actor: RiskReader, session: DbSession) -> WorksheetOut:
    return risk.present(risk.get(session, actor, worksheet_id))


@router.get("/risk-worksheets/{worksheet_id}/revisions")
def worksheet_revisions(
    worksheet_id: ObjectId, actor: RiskReader, session: DbSession
) -> list[WorksheetOut]:
    return [risk.present(w) for w in risk.revisions(session, actor, worksheet_id)]


@router.put("/risk-worksheets/{worksheet_id}")
def update_worksheet(
    worksheet_id: ObjectId, body: WorksheetIn, actor: RiskWriter, session: DbSession
) -> WorksheetOut:
    """Change a draft; a signed-off worksheet gets a new revision (answered here)."""
    return risk.present(risk.update(session, actor, worksheet_id, body))


@router.post("/risk-worksheets/{worksheet_id}/sign-off")
def sign_off(worksheet_id: ObjectId, actor: RiskWriter, session: DbSession) -> WorksheetOut:
    """Sign the residual risk off as yourself (needs a recent login)."""
    return risk.present(risk.sign_off(session, actor, worksheet_id))
