"""Disclosure services on a real database (SQLite and PostgreSQL): sealing at rest,
acknowledgement deadlines, the state machine, tenancy, flags, embargo, advisories."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import time_machine
from pysequoia import Tsk
from sqlalchemy import select, text

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context
from medsec.disclosure import services
from medsec.disclosure.encryption import ReportSealer
from medsec.disclosure.intake import AttachmentIn
from medsec.disclosure.states import Flag, State
from medsec.errors import Conflict, Error, NotFound, PermissionDenied

SECRET_WORDS = ["ZEBRA-OVERFLOW", "rita@example.org", "QUOKKA-STEPS", "PLATYPUS-REPLY", "WOMBAT"]


@dataclasses.dataclass
class Team:
    make: Any
    sealer: ReportSealer
    org_id: int
    actor: Any
    product_id: int


@pytest.fixture
def team(make: Any) -> Team:
    org = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(org, Role.PRODUCT_SECURITY_OFFICER))
    version = make.upload(psirt, name="Pump", version="1.0")  # acknowledge_within_days: 3
    with make.session() as session:
        services.save_program(session, org.id, "northwind", Context.cli("test"), acknowledge_days=7)
    sealer = ReportSealer(make.instance.settings.resolved_secret_key())
    return Team(make, sealer, org.id, psirt, version.product_id)


def submit(team: Team, **fields: Any) -> services.Receipt:
    values: dict[str, Any] = {"title": "Title", "description": "Description"} | fields
    with team.make.session() as session:
        return services.submit(
            session,
            team.sealer,
            "northwind",
            services.Submission(**values),
            limit_key="test",
            limit=100,
        )


def test_nothing_the_reporter_wrote_is_in_the_database_in_clear(team: Team) -> None:
    key = str(Tsk.generate("WOMBAT <wombat@example.org>").extract_certificate())
    receipt = submit(
        team,
        title="ZEBRA-OVERFLOW in the drug library",
        description="ZEBRA-OVERFLOW details",
        reproduction="QUOKKA-STEPS",
        contact="rita@example.org",
        reporter_key=key,
        attachments=(AttachmentIn("QUOKKA-STEPS.txt", b"ZEBRA-OVERFLOW log"),),
    )
    with team.make.session() as session:
        services.reporter_reply(
            session, team.sealer, receipt.token, "PLATYPUS-REPLY", limit_key="t", limit=100
        )
        services.team_reply(session, team.sealer, team.actor, receipt.case_id, "PLATYPUS-REPLY")
    with team.make.session() as session:
        dump = []
        for table in (
            "disclosure_cases",
            "disclosure_messages",
            "disclosure_attachments",
            "audit_events",
        ):
            rows = session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            dump += [repr(tuple(row)) for row in rows]
        detail = services.case_detail(session, team.sealer, team.actor, receipt.case_id)
    everything = "\n".join(dump)
    assert receipt.token not in everything
    for word in [*SECRET_WORDS, key.splitlines()[2]]:
        assert word not in everything, word
    # …and the team reads it all back.
    assert detail.summary.title == "ZEBRA-OVERFLOW in the drug library"
    assert detail.contact == "rita@example.org"
    assert detail.reporter_key_fingerprint is not None
    assert [m.body for m in detail.messages] == ["PLATYPUS-REPLY", "PLATYPUS-REPLY"]
    assert [a.filename for a in detail.attachments] == ["QUOKKA-STEPS.txt"]


@pytest.mark.parametrize(
    ("product", "days"), [(True, 3), (False, 7)], ids=["product-profile", "program-default"]
)
def test_the_acknowledgement_deadline_comes_from_the_profile_or_the_program(
    team: Team, product: bool, days: int
) -> None:
    before = dt.datetime.now(dt.UTC)
    receipt = submit(team, product_id=team.product_id if product else None)
    expected = before + dt.timedelta(days=days)
    assert expected <= receipt.acknowledge_by <= expected + dt.timedelta(minutes=1)


def test_unacknowledged_cases_become_overdue_until_someone_acts(team: Team) -> None:
    first = submit(team, product_id=team.product_id)
    second = submit(team, product_id=team.product_id)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        with team.make.session() as session:
            overdue = services.list_cases(session, team.sealer, team.actor, overdue_only=True)
            assert {c.id for c in overdue} == {first.case_id, second.case_id}
            services.transition(session, team.actor, first.case_id, "valid")
            services.team_reply(session, team.sealer, team.actor, second.case_id, "we look")
        with team.make.session() as session:
            assert services.list_cases(session, team.sealer, team.actor, overdue_only=True) == []
            assert services.overdue_cases(session, dt.datetime.now(dt.UTC)) == []


def test_a_case_walks_the_states_and_illegal_moves_are_refused(team: Team) -> None:
    case_id = submit(team).case_id
    with team.make.session() as session:
        with pytest.raises(services.IllegalTransition) as refused:
            services.transition(session, team.actor, case_id, "disclosed")
        assert "from received it can move to: invalid, valid" in refused.value.diagnostics()
        with pytest.raises(Error, match="not a case state"):
            services.transition(session, team.actor, case_id, "published")
    path = ["valid", "accepted", "remediation", "disclosed", "closed"]
    for state in path:
        with team.make.session() as session:
            assert services.transition(session, team.actor, case_id, state).state == state
    with team.make.session() as session, pytest.raises(services.IllegalTransition, match="closed"):
        services.transition(session, team.actor, case_id, "valid")
    with team.make.session() as session:
        events = session.execute(
            select(AuditEvent).where(
                AuditEvent.tag == "disclosure:case:state-changed",
                AuditEvent.target == f"disclosure-case:{case_id}",
            )
        ).scalars()
        assert [e.details["to"] for e in events] == path


def test_another_organization_sees_no_case_and_a_hospital_none_at_all(team: Team) -> None:
    case_id = submit(team).case_id
    make = team.make
    other = make.actor(make.user(make.organization(OrganizationKind.MANUFACTURER), Role.ADMIN))
    hospital = make.actor(
        make.user(make.organization(OrganizationKind.HEALTHCARE_PROVIDER), Role.ADMIN)
    )
    analyst = make.actor(make.user(make.organization_of(team.actor), Role.AUDITOR))
    with make.session() as session:
        with pytest.raises(NotFound):
            services.case_detail(session, team.sealer, other, case_id)
        assert services.list_cases(session, team.sealer, other) == []
        with pytest.raises(PermissionDenied, match="manufacturer"):
            services.list_cases(session, team.sealer, hospital)
        with pytest.raises(PermissionDenied, match="disclosure:triage"):
            services.case_detail(session, team.sealer, analyst, case_id)


def test_flags_embargo_and_advisories(team: Team) -> None:
    case_id = submit(team).case_id
    embargo = dt.date.today() + dt.timedelta(days=90)
    with team.make.session() as session:
        case = services.update_case(
            session,
            team.actor,
            case_id,
            embargo_until=embargo,
            flags={Flag.FIX_READY, Flag.VENDOR_AWARE},
        )
        assert case.flags == ["vendor-aware", "fix-ready"]
        services.link_advisory(session, team.actor, case_id, "NW-2026-001")
        with pytest.raises(Conflict):
            services.link_advisory(session, team.actor, case_id, "NW-2026-001")
        with pytest.raises(Error, match="not a CSAF tracking id"):
            services.link_advisory(session, team.actor, case_id, "two\nlines")
        with pytest.raises(Error, match="before the report was received"):
            services.update_case(
                session, team.actor, case_id, embargo_until=dt.date(2000, 1, 1), flags=set()
            )
    with team.make.session() as session:
        summary = services.case_detail(session, team.sealer, team.actor, case_id).summary
    assert summary.embargo_until == embargo
    assert summary.flags == [Flag.VENDOR_AWARE, Flag.FIX_READY]
    assert summary.advisories == ["NW-2026-001"]
    assert summary.state is State.RECEIVED


def test_a_new_report_marks_the_vendor_aware_and_is_audited_without_content(team: Team) -> None:
    receipt = submit(team, title="ZEBRA-OVERFLOW", contact="rita@example.org")
    with team.make.session() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.tag == "disclosure:report:received")
        ).scalar_one()
        detail = services.case_detail(session, team.sealer, team.actor, receipt.case_id)
    assert detail.summary.flags == [Flag.VENDOR_AWARE]
    assert event.organization_id == team.org_id
    assert event.ip is None and event.actor == "reporter"
    assert event.details["anonymous"] is False
    assert "ZEBRA" not in repr(event.details)


@pytest.mark.parametrize("slug", ["track", "cases", "A-Upper", "x", "-lead"])
def test_program_slugs_are_checked(team: Team, slug: str) -> None:
    with team.make.session() as session, pytest.raises(Error, match="not a valid program slug"):
        services.save_program(session, team.org_id, slug, Context.cli("test"))


def test_the_rate_limit_counts_refused_submissions_too(team: Team) -> None:
    for _ in range(2):
        with team.make.session() as session, pytest.raises(Error, match="empty"):
            services.submit(
                session,
                team.sealer,
                "northwind",
                services.Submission(title="", description="d"),
                limit_key="ip-1",
                limit=2,
            )
    with team.make.session() as session, pytest.raises(Error, match="too many"):
        services.submit(
            session,
            team.sealer,
            "northwind",
            services.Submission(title="t", description="d"),
            limit_key="ip-1",
            limit=2,
        )
