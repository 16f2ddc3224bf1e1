"""Training and risk-worksheet pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.db.base import utcnow
from medsec.education import risk, training
from medsec.education.models import RiskWorksheet
from medsec.education.schemas import AttestationIn, Framework, WorksheetIn
from medsec.errors import AuthenticationRequired, Error
from medsec.inventory.models import Asset
from medsec.web.access import Viewer, discard, page
from medsec.web.account_views import reauth_page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Attester = Annotated[Viewer, page(Permission.TRAINING_ATTEST)]
ReportReader = Annotated[Viewer, page(Permission.TRAINING_READ)]
RiskReader = Annotated[Viewer, page(Permission.RISK_READ)]
RiskWriter = Annotated[Viewer, page(Permission.RISK_WRITE)]


def _training(
    request: Request, session: Session, viewer: Viewer, errors: FormErrors | None = None,
    status: int = 200,
) -> Response:  # fmt: skip
    actor = viewer.actor
    goals = training.objectives(session, actor)
    return render(
        request, "education/training.html", viewer=viewer, status=status,
        objectives=goals, mine=training.attestations(session, actor),
        names={g.id: g.title for g in goals},
        errors=errors or FormErrors(), today=utcnow().date().isoformat(),
    )  # fmt: skip


@router.get("/training")
def training_page(request: Request, session: DbSession, viewer: Attester) -> Response:
    """The objectives and one's own attestations, with the form to attest."""
    return _training(request, session, viewer)


@router.get("/training/report")
def training_report(request: Request, session: DbSession, viewer: ReportReader) -> Response:
    """Who is due (expires within 30 days) or overdue; the full report as CSV."""
    return render(
        request, "education/training_report.html", viewer=viewer,
        report=training.report(session, viewer.actor, only_due=True),
    )  # fmt: skip


@router.post("/training/attest")
def attest(
    request: Request, session: DbSession, viewer: Attester,
    objective_id: Annotated[str, Form(max_length=10)] = "",
    completed_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    errors = FormErrors()
    try:
        data = AttestationIn(
            objective_id=int(objective_id), completed_on=dt.date.fromisoformat(completed_on)
        )
        training.attest(session, viewer.actor, data)
    except (ValueError, ValidationError):
        errors.add("completed_on", "Choose an objective and give the date as YYYY-MM-DD.")
    except Error as e:
        discard(session, e)
        errors.add("completed_on", explain(e))
    if errors:
        return _training(request, session, viewer, errors, 422)
    return see_other("/training")


@router.get("/risk")
def worksheets(request: Request, session: DbSession, viewer: RiskReader) -> Response:
    rows = [risk.present(w) for w in risk.latest(session, viewer.actor)]
    return render(
        request, "education/risk_index.html", viewer=viewer, worksheets=rows,
        can_write=viewer.actor.can(Permission.RISK_WRITE),
    )  # fmt: skip


def _assets(session: Session, viewer: Viewer) -> list[tuple[str, str]]:
    found = session.execute(
        select(Asset).where(Asset.organization_id == viewer.actor.organization_id)
        .order_by(Asset.serial)
    ).scalars()  # fmt: skip
    return [("", "—")] + [(str(a.id), f"{a.serial} ({a.vendor} {a.model})") for a in found]


def _form(
    request: Request, session: Session, viewer: Viewer, values: dict[str, str],
    action: str, errors: FormErrors | None = None, status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, "education/risk_form.html", viewer=viewer, status=status, values=values,
        action=action, assets=_assets(session, viewer), errors=errors or FormErrors(),
        frameworks=[(f.value, f.value) for f in Framework],
        scores=[(str(i), str(i)) for i in range(1, 6)],
    )  # fmt: skip


def _values(row: RiskWorksheet) -> dict[str, str]:
    controls = "\n".join(
        (f"{c['measure']}: " if c.get("measure") else "") + str(c["text"]) for c in row.controls
    )
    return {
        "title": row.title, "asset_id": str(row.asset_id or ""),
        "counterpart_asset_id": str(row.counterpart_asset_id or ""),
        "counterpart": row.counterpart or "", "framework": row.framework,
        "threats": "\n".join(row.threats), "safety_impact": row.safety_impact or "",
        "controls": controls, "likelihood": str(row.likelihood), "impact": str(row.impact),
        "residual_likelihood": str(row.residual_likelihood),
        "residual_impact": str(row.residual_impact), "residual_note": row.residual_note or "",
    }  # fmt: skip


def _parse(values: dict[str, str]) -> WorksheetIn:
    controls = []
    for line in values["controls"].splitlines():
        if not line.strip():
            continue
        head, sep, rest = line.partition(":")
        is_measure = sep and head.strip() and " " not in head.strip()
        controls.append(
            {"measure": head.strip(), "text": rest.strip()}
            if is_measure
            else {"text": line.strip()}
        )
    return WorksheetIn.model_validate(
        {
            "title": values["title"], "framework": values["framework"],
            "asset_id": int(values["asset_id"]) if values["asset_id"].isdigit() else None,
            "counterpart_asset_id": int(values["counterpart_asset_id"])
            if values["counterpart_asset_id"].isdigit() else None,
            "counterpart": values["counterpart"] or None,
            "threats": values["threats"].splitlines(),
            "safety_impact": values["safety_impact"] or None, "controls": controls,
            "likelihood": values["likelihood"], "impact": values["impact"],
            "residual_likelihood": values["residual_likelihood"],
            "residual_impact": values["residual_impact"],
            "residual_note": values["residual_note"] or None,
        }
    )  # fmt: skip


EMPTY = {
    "title": "", "asset_id": "", "counterpart_asset_id": "", "counterpart": "",
    "framework": "tara", "threats": "", "safety_impact": "", "controls": "",
    "likelihood": "3", "impact": "3", "residual_likelihood": "2", "residual_impact": "3",
    "residual_note": "",
}  # fmt: skip

Field = Annotated[str, Form(max_length=20_000)]


@router.get("/risk/new")
def new_worksheet(request: Request, session: DbSession, viewer: RiskWriter) -> Response:
    return _form(request, session, viewer, dict(EMPTY), "/risk/new")


def _save(
    request: Request, session: Session, viewer: Viewer, values: dict[str, str],
    action: str, worksheet_id: int | None,
) -> Response:  # fmt: skip
    errors = FormErrors()
    try:
        data = _parse(values)
        row = (
            risk.create(session, viewer.actor, data)
            if worksheet_id is None
            else risk.update(session, viewer.actor, worksheet_id, data)
        )
    except ValidationError as e:
        for problem in e.errors():
            errors.add(str(problem["loc"][0]) if problem["loc"] else None, problem["msg"])
        return _form(request, session, viewer, values, action, errors, 422)
    except Error as e:
        discard(session, e)
        errors.add(None, explain(e))
        return _form(request, session, viewer, values, action, errors, 422)
    return see_other(f"/risk/{row.id}")


@router.post("/risk/new")
def create_worksheet(
    request: Request, session: DbSession, viewer: RiskWriter, title: Field = "",
    asset_id: Field = "", counterpart_asset_id: Field = "", counterpart: Field = "",
    framework: Field = "tara", threats: Field = "", safety_impact: Field = "",
    controls: Field = "", likelihood: Field = "3", impact: Field = "3",
    residual_likelihood: Field = "2", residual_impact: Field = "3", residual_note: Field = "",
) -> Response:  # fmt: skip
    values = {k: v for k, v in locals().items() if k in EMPTY}
    return _save(request, session, viewer, values, "/risk/new", None)


@router.get("/risk/{worksheet_id}")
def show_worksheet(
    request: Request, session: DbSession, viewer: RiskReader, worksheet_id: ObjectId
) -> Response:
    row = risk.get(session, viewer.actor, worksheet_id)
    history = risk.revisions(session, viewer.actor, worksheet_id)
    return render(
        request, "education/risk.html", viewer=viewer, sheet=risk.present(row),
        history=[risk.present(r) for r in history],
        newest=history[-1].id == row.id, can_write=viewer.actor.can(Permission.RISK_WRITE),
    )  # fmt: skip


@router.get("/risk/{worksheet_id}/edit")
def edit_worksheet(
    request: Request, session: DbSession, viewer: RiskWriter, worksheet_id: ObjectId
) -> Response:
    row = risk.get(session, viewer.actor, worksheet_id)
    return _form(request, session, viewer, _values(row), f"/risk/{worksheet_id}/edit")


@router.post("/risk/{worksheet_id}/edit")
def update_worksheet(
    request: Request, session: DbSession, viewer: RiskWriter, worksheet_id: ObjectId,
    title: Field = "", asset_id: Field = "", counterpart_asset_id: Field = "",
    counterpart: Field = "", framework: Field = "tara", threats: Field = "",
    safety_impact: Field = "", controls: Field = "", likelihood: Field = "3",
    impact: Field = "3", residual_likelihood: Field = "2", residual_impact: Field = "3",
    residual_note: Field = "",
) -> Response:  # fmt: skip
    values = {k: v for k, v in locals().items() if k in EMPTY}
    return _save(request, session, viewer, values, f"/risk/{worksheet_id}/edit", worksheet_id)


@router.post("/risk/{worksheet_id}/sign-off")
def sign_off(
    request: Request, session: DbSession, viewer: RiskWriter, worksheet_id: ObjectId
) -> Response:
    """Sign off as yourself; without a recent login, confirm the password first."""
    try:
        risk.sign_off(session, viewer.actor, worksheet_id)
    except AuthenticationRequired as e:
        discard(session, e)
        return reauth_page(request, viewer, reason=explain(e), next_url=f"/risk/{worksheet_id}")
    return see_other(f"/risk/{worksheet_id}")
