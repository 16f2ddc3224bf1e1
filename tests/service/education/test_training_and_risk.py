"""Training objectives and attestations; risk worksheets with revisions and sign-off."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from medsec.accounts.roles import OrganizationKind, Role
from medsec.education import risk, training
from medsec.education.schemas import AttestationIn, ObjectiveIn, WorksheetIn
from medsec.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied
from medsec.notifications.models import Notification

TODAY = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clinic(make: Any) -> Any:
    return make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")


def test_every_organization_starts_with_the_four_objectives_and_may_edit_them(
    make: Any, clinic: Any
) -> None:
    admin = make.actor(make.user(clinic, Role.ADMIN))
    with make.session() as session:
        keys = [o.key for o in training.objectives(session, admin)]
        assert keys == [
            "recognise-and-report",
            "sensitive-information",
            "meeting-agendas",
            "train-all-year",
        ]
        first = training.objectives(session, admin)[0]
        changed = training.save_objective(
            session, admin,
            ObjectiveIn(key=first.key, title="Spot and report incidents", renew_days=180),
            first.id,
        )  # fmt: skip
        assert (changed.title, changed.renew_days) == ("Spot and report incidents", 180)
        with pytest.raises(Conflict, match="key"):
            training.save_objective(session, admin, ObjectiveIn(key="other", title="x"), first.id)


def test_attestations_expire_and_the_report_says_who_is_due(make: Any, clinic: Any) -> None:
    admin = make.actor(make.user(clinic, Role.ADMIN, username="ada"))
    engineer = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER, username="ben"))
    with time_machine.travel(TODAY, tick=False), make.session() as session:
        goals = training.objectives(session, engineer)
        done = training.attest(
            session, engineer,
            AttestationIn(objective_id=goals[0].id, completed_on=dt.date(2025, 12, 20)),
        )  # fmt: skip
        assert done.expires_on == dt.date(2026, 12, 20)
        rows = {(r.username, r.objective_key): r.status for r in training.report(session, admin)}
        assert rows["ben", "recognise-and-report"] == "due"  # expires within 30 days
        assert rows["ben", "train-all-year"] == "overdue"  # never attested
        with pytest.raises(PermissionDenied):
            training.report(session, engineer)
        with pytest.raises(PermissionDenied):  # another user's needs training:manage
            training.attest(
                session, engineer,
                AttestationIn(objective_id=goals[0].id, completed_on=dt.date(2026, 12, 1),
                              user_id=admin.user_id),
            )  # fmt: skip
        with pytest.raises(Conflict, match="future"):
            training.attest(
                session, engineer,
                AttestationIn(objective_id=goals[0].id, completed_on=dt.date(2026, 12, 4)),
            )  # fmt: skip
        text = training.report_csv(session, admin)
        assert text.splitlines()[0] == ",".join(training.CSV_COLUMNS)
        assert "ben,recognise-and-report,Recognise and report suspected incidents,due," in text


def test_reminders_go_once_per_attestation(make: Any, clinic: Any) -> None:
    engineer = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER))
    with time_machine.travel(TODAY, tick=False), make.session() as session:
        training.objectives(session, engineer)
        first = training.send_reminders(session, TODAY.date())
        assert first == 4  # four objectives, never attested
        assert training.send_reminders(session, TODAY.date()) == 0
        mine = session.query(Notification).filter_by(user_id=engineer.user_id).all()
        assert {n.topic for n in mine} == {"training-due"}


def test_objectives_of_another_organization_do_not_exist(make: Any, clinic: Any) -> None:
    other = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    mine = make.actor(make.user(clinic, Role.ADMIN))
    theirs = make.actor(make.user(other, Role.ADMIN))
    with make.session() as session:
        goal = training.objectives(session, theirs)[0]
        with pytest.raises(NotFound):
            training.attest(
                session, mine, AttestationIn(objective_id=goal.id, completed_on=dt.date(2026, 1, 1))
            )


def sheet(asset: int, **overrides: Any) -> WorksheetIn:
    values = {
        "title": "Pump ↔ pump server",
        "asset_id": asset,
        "counterpart": "pump server",
        "framework": "tara",
        "threats": ["tampered drug library", " "],
        "controls": [{"text": "Signed libraries only"}],
        "likelihood": 4,
        "impact": 5,
        "residual_likelihood": 2,
        "residual_impact": 5,
    }
    return WorksheetIn.model_validate(values | overrides)


def test_a_signed_off_worksheet_is_read_only_and_a_change_makes_a_revision(
    make: Any, clinic: Any
) -> None:
    analyst = make.actor(make.user(clinic, Role.SECURITY_ANALYST))
    asset = make.asset(analyst, make.site(analyst).id)
    recent = make.actor(make.user(clinic, Role.SECURITY_ANALYST), recent=True)
    with make.session() as session:
        first = risk.create(session, analyst, sheet(asset.id))
        assert first.threats == ["tampered drug library"]
        assert risk.present(first).inherent_risk == "critical"
        assert risk.present(first).residual_risk == "high"
        with pytest.raises(AuthenticationRequired):
            risk.sign_off(session, analyst, first.id)
        signed = risk.sign_off(session, recent, first.id)
        assert signed.signed_by == recent.username and signed.signed_at is not None
        second = risk.update(session, analyst, first.id, sheet(asset.id, residual_impact=3))
        assert (second.id != first.id, second.revision, second.status) == (True, 2, "draft")
        assert (first.residual_impact, first.status) == (5, "signed-off")
        with pytest.raises(Conflict, match="newest"):
            risk.update(session, analyst, first.id, sheet(asset.id))
        assert [w.id for w in risk.latest(session, analyst)] == [second.id]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"counterpart": None}, "system the device connects to"),
        ({"asset_id": None}, "needs a device"),
        ({"controls": [{"text": "x", "measure": "no-such-measure"}]}, "not a hardening measure"),
    ],
)
def test_worksheet_rules(make: Any, clinic: Any, overrides: dict[str, Any], message: str) -> None:
    analyst = make.actor(make.user(clinic, Role.SECURITY_ANALYST))
    asset = make.asset(analyst, make.site(analyst).id)
    with make.session() as session, pytest.raises(risk.InvalidWorksheet, match=message):
        risk.create(session, analyst, sheet(asset.id, **overrides))


def test_controls_link_to_the_profile_hardening_measures(make: Any, clinic: Any) -> None:
    north = make.organization(OrganizationKind.MANUFACTURER)
    psirt = make.actor(make.user(north, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    version = make.publish(psirt, make.upload(psirt, name="Pump", version="1"))
    analyst = make.actor(make.user(clinic, Role.SECURITY_ANALYST))
    make.hold(analyst, version.product_id)
    asset = make.asset(analyst, make.site(analyst).id, product_version_id=version.id)
    with make.session() as session:
        measures = risk.measure_ids(session, analyst, version.id)
        assert measures
        control = {"text": "as the guide says", "measure": measures[0]}
        row = risk.create(session, analyst, sheet(asset.id, controls=[control]))
        assert row.controls == [control]
