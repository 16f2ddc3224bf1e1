"""Demo data of incident cases, training and risk assessment (called by ``medsec.demo``):
an open case from the demo hospital about an ICU pump with a message from each side, the
four training objectives with some attestations, and a risk worksheet pump ↔ pump server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.db.base import utcnow
from medsec.education import risk, training
from medsec.education.schemas import AttestationIn, WorksheetIn
from medsec.escalation import services
from medsec.escalation.schemas import CaseIn, TransitionIn
from medsec.inventory.models import Asset

PUMP_SERIAL = "LVP3-00002"


def seed(session: Session, actor: Callable[[str], Actor]) -> None:
    """``actor(username)`` gives the demo user's actor (``biomed``, ``psirt``, …)."""
    biomed, psirt, analyst = actor("biomed"), actor("psirt"), actor("analyst")
    pump = session.execute(
        select(Asset).where(
            Asset.organization_id == biomed.organization_id, Asset.serial == PUMP_SERIAL
        )
    ).scalar_one()
    case = services.open_case(
        session, biomed,
        CaseIn.model_validate({
            "asset_id": pump.id,
            "title": "ICU pump rejects the drug library after the nightly update",
            "symptoms": "Since 02:10 the pump at ICU bed 2 shows LIB-SIG-FAIL and runs on its "
            "previous library. The pump server logged a library push at 02:05.",
            "severity": "high",
            "patient_safety": "unknown",
            "patient_safety_detail": "Infusions continue with yesterday's library; new drug "
            "entries are not available at the bedside.",
        }),
    )  # fmt: skip
    services.transition(
        session, psirt, case.id, TransitionIn(state="acknowledged", note="PSIRT on call")
    )
    services.post_message(
        session, psirt, case.id,
        "Thank you. Please send the pump server event log for 01:30–03:00 and the pump's "
        "syslog records (LIB-SIG-FAIL, CONFIG-CHANGED).",
    )  # fmt: skip
    services.post_message(
        session, biomed, case.id,
        "Event log attached. The pump is isolated in the ICU VLAN; it keeps infusing.",
    )  # fmt: skip
    services.add_attachment(
        session, biomed, case.id, "pump-server-events.csv", "text/csv",
        b"time,event\n2026-12-03T02:05:11Z,library push v118\n"
        b"2026-12-03T02:10:40Z,LIB-SIG-FAIL LVP3-00002\n",
        item=1,
    )  # fmt: skip
    _training(session, actor)
    risk.create(
        session, analyst,
        WorksheetIn.model_validate({
            "title": "ICU infusion pump ↔ pump server",
            "asset_id": pump.id,
            "counterpart": "Northwind pump server (drug libraries, infusion history)",
            "framework": "tara",
            "threats": [
                "A tampered drug library pushed from a compromised pump server",
                "Credential theft on the pump server's service account",
            ],
            "safety_impact": "A wrong dose limit could reach the bedside; the pump refuses "
            "unsigned libraries, which keeps the previous limits in force.",
            "controls": [
                {"text": "Only signed drug libraries are accepted by the pump"},
                {"text": "Pump VLAN reaches the pump server only (ICU zone conduit)"},
            ],
            "likelihood": 3, "impact": 5, "residual_likelihood": 1, "residual_impact": 5,
            "residual_note": "Accepted pending the manufacturer's answer on the open case.",
        }),
    )  # fmt: skip


def _training(session: Session, actor: Callable[[str], Actor]) -> None:
    admin = actor("hospital-admin")
    goals = training.objectives(session, admin)
    today = utcnow().date()
    for username, days_ago in (("biomed", 40), ("analyst", 350), ("hospital-admin", 10)):
        for goal in goals[:2] if username != "hospital-admin" else goals:
            training.attest(
                session, actor(username),
                AttestationIn(objective_id=goal.id, completed_on=today - dt.timedelta(days_ago)),
            )  # fmt: skip
