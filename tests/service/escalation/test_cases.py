"""Incident cases: a hospital opens one about a held product, the manufacturer answers,
exactly those two organizations see it, timers follow the profile's SLA."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.errors import Conflict, NotFound, PermissionDenied
from medsec.escalation import services
from medsec.escalation.kinds import PatientSafety, Severity, State
from medsec.escalation.schemas import CaseIn, TransitionIn
from medsec.escalation.services import InvalidAttachment, InvalidTransition, QueueFilter
from medsec.notifications import services as notifications
from medsec.notifications.models import Notification

START = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


@dataclasses.dataclass
class Pair:
    make: Any
    hospital: Any
    psirt: Any
    version_id: int
    product_id: int
    asset_id: int
    stranger: Any


@pytest.fixture
def pair(make: Any) -> Pair:
    north = make.organization(OrganizationKind.MANUFACTURER, name="North")
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    other = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Elsewhere")
    psirt = make.actor(make.user(north, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    version = make.publish(psirt, make.upload(psirt, name="Pump", version="4.2"))
    hospital = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER))
    make.hold(hospital, version.product_id)
    stranger = make.actor(make.user(other, Role.ADMIN))
    make.hold(stranger, version.product_id)  # holds the same product: still no access
    site = make.site(hospital, "Main")
    asset = make.asset(hospital, site.id, "PUMP-1", product_version_id=version.id)
    return Pair(make, hospital, psirt, version.id, version.product_id, asset.id, stranger)


def new_case(**overrides: Any) -> CaseIn:
    values: dict[str, Any] = {
        "title": "Pumps reject the drug library",
        "symptoms": "LIB-SIG-FAIL on three pumps in ICU since 08:40",
        "severity": "high",
        "patient_safety": "unknown",
    }
    return CaseIn.model_validate(values | overrides)


def opened(p: Pair, **overrides: Any) -> int:
    with p.make.session() as session:
        return services.open_case(
            session, p.hospital, new_case(asset_id=p.asset_id, **overrides)
        ).id


def test_a_case_travels_from_hospital_to_manufacturer_and_back(pair: Pair) -> None:
    p = pair
    with time_machine.travel(START, tick=False):
        case_id = opened(p)
    with p.make.session() as session:  # the manufacturer sees it in its queue
        queue = services.cases(session, p.psirt)
        assert [c.id for c in queue] == [case_id]
        assert queue[0].hospital_id != p.psirt.organization_id
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False), p.make.session() as s:
        services.transition(s, p.psirt, case_id, TransitionIn(state=State.ACKNOWLEDGED))
        services.post_message(s, p.psirt, case_id, "Please send the pump server event log.")
    with p.make.session() as session:  # the hospital sees the reply
        case = services.get_case(session, p.hospital, case_id)
        replies = [m for m in case.messages if m.side == "manufacturer" and m.kind == "message"]
        assert [m.body for m in replies] == ["Please send the pump server event log."]
        assert case.state == "acknowledged"
        assert case.responded_at == START + dt.timedelta(hours=1)
        services.post_message(session, p.hospital, case_id, "Log attached.")
        services.add_attachment(
            session, p.hospital, case_id, "events.csv", "text/csv", b"a,b\n", item=1
        )
    with p.make.session() as session:
        services.transition(session, p.psirt, case_id, TransitionIn(state=State.RESOLVED))
        done = services.transition(
            session, p.hospital, case_id,
            TransitionIn(state=State.CLOSED, after_action="Expired signing certificate renewed."),
        )  # fmt: skip
        assert done.state == "closed" and done.after_action
        tags = session.execute(
            select(AuditEvent.tag).where(AuditEvent.target == f"case:{case_id}")
        ).scalars()
        assert set(tags) >= {
            "escalation:case:opened",
            "escalation:case:state-changed",
            "escalation:case:message-posted",
            "escalation:case:attachment-added",
        }


def test_a_third_organization_does_not_see_the_case(pair: Pair) -> None:
    case_id = opened(pair)
    with pair.make.session() as session:
        with pytest.raises(NotFound):
            services.get_case(session, pair.stranger, case_id)
        with pytest.raises(NotFound):
            services.post_message(session, pair.stranger, case_id, "hello")
        assert services.cases(session, pair.stranger) == []


def test_the_sla_of_the_profile_sets_the_response_timer(pair: Pair) -> None:
    """The example pump profile: 'Security incidents acknowledged within 4 hours, 24/7.'"""
    with time_machine.travel(START, tick=False):
        case_id = opened(pair)
    with pair.make.session() as session:
        case = services.get_case(session, pair.hospital, case_id)
        assert case.response_due_at == START + dt.timedelta(hours=4)
        assert case.resolution_due_at is None
        assert case.sla_calendar == "24×7"
        assert not services.is_overdue(case, START + dt.timedelta(hours=4))
        assert services.is_overdue(case, START + dt.timedelta(hours=4, seconds=1))


def test_overdue_is_reported_once_with_notifications_for_both_sides(pair: Pair) -> None:
    with time_machine.travel(START, tick=False):
        case_id = opened(pair)
    later = START + dt.timedelta(hours=5)
    with pair.make.session() as session:
        assert [(c.id, t) for c, t in services.report_overdue(session, later)] == [
            (case_id, "response")
        ]
        assert services.report_overdue(session, later + dt.timedelta(hours=1)) == []
        assert [c.id for c in services.cases(session, pair.psirt, QueueFilter(overdue=True))] == [
            case_id
        ]
        topics = session.execute(
            select(Notification.organization_id).where(Notification.topic == "case-overdue")
        ).scalars()
        assert set(topics) == {pair.psirt.organization_id, pair.hospital.organization_id}


def test_notifications_are_queued_for_the_other_side_and_delivered_by_the_worker(
    pair: Pair,
) -> None:
    case_id = opened(pair)
    with pair.make.session() as session:
        assert notifications.mine(session, pair.psirt) == []  # queued, not delivered yet
        delivered = notifications.deliver_pending(session)
        assert {n.topic for n in delivered} == {"case-opened"}
        assert {n.organization_id for n in delivered} == {pair.psirt.organization_id}
        mine = notifications.mine(session, pair.psirt)
        assert [n.target for n in mine] == [f"case:{case_id}"]
        assert notifications.deliver_pending(session) == []


@pytest.mark.parametrize(
    ("side", "to", "allowed"),
    [
        ("manufacturer", State.ACKNOWLEDGED, True),
        ("manufacturer", State.CLOSED, False),  # the manufacturer resolves; closing follows
        ("hospital", State.ACKNOWLEDGED, False),
        ("hospital", State.CLOSED, True),  # withdrawn (with after-action notes)
    ],
)
def test_who_moves_an_open_case(pair: Pair, side: str, to: State, allowed: bool) -> None:
    case_id = opened(pair)
    actor = pair.psirt if side == "manufacturer" else pair.hospital
    with pair.make.session() as session:
        change = TransitionIn(state=to, after_action="notes")
        if allowed:
            assert services.transition(session, actor, case_id, change).state == to
        else:
            with pytest.raises(InvalidTransition):
                services.transition(session, actor, case_id, change)


def test_closing_needs_after_action_notes_and_the_hospital_can_reopen(pair: Pair) -> None:
    case_id = opened(pair)
    with pair.make.session() as session:
        with pytest.raises(InvalidTransition, match="after-action"):
            services.transition(session, pair.hospital, case_id, TransitionIn(state=State.CLOSED))
    with pair.make.session() as session:
        services.save_after_action(session, pair.hospital, case_id, "Cable fault, not cyber.")
        services.transition(session, pair.hospital, case_id, TransitionIn(state=State.CLOSED))
        with pytest.raises(Conflict, match="closed"):
            services.post_message(session, pair.psirt, case_id, "late reply")
        reopened = services.transition(
            session, pair.hospital, case_id, TransitionIn(state=State.OPEN)
        )
        assert reopened.state == "open" and reopened.closed_at is None


@pytest.mark.parametrize(
    ("filename", "media", "content", "item", "message"),
    [
        ("run.exe", "application/x-msdownload", b"MZ", None, "not accepted"),
        ("empty.txt", "text/plain", b"", None, "empty"),
        ("log.txt", "text/plain", b"x", 99, "what-to-send"),
        ("big.bin", "application/octet-stream", b"x" * (10 * 1024 * 1024 + 1), None, "more than"),
    ],
)
def test_attachments_are_checked(
    pair: Pair, filename: str, media: str, content: bytes, item: int | None, message: str
) -> None:
    case_id = opened(pair)
    with pair.make.session() as session, pytest.raises(InvalidAttachment, match=message):
        services.add_attachment(session, pair.hospital, case_id, filename, media, content, item)


def test_attachment_names_are_made_safe(pair: Pair) -> None:
    case_id = opened(pair)
    with pair.make.session() as session:
        found = services.add_attachment(
            session, pair.hospital, case_id, '../x"\r\nSet: y.txt', "text/plain", b"hi"
        )
        assert found.filename == "x___Set__y.txt"


def test_a_case_needs_a_held_published_version(pair: Pair, make: Any) -> None:
    south = make.organization(OrganizationKind.MANUFACTURER)
    psirt = make.actor(make.user(south, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    not_held = make.publish(psirt, make.upload(psirt, name="Other", version="1"))
    draft = make.upload(pair.psirt, name="Pump", version="9.9")
    with make.session() as session:
        for version in (not_held.id, draft.id):
            with pytest.raises(NotFound):
                services.open_case(session, pair.hospital, new_case(profile_version_id=version))
        with pytest.raises(PermissionDenied, match="healthcare-provider"):
            services.open_case(session, pair.psirt, new_case(profile_version_id=pair.version_id))


def test_the_queue_filters_by_severity_and_product(pair: Pair) -> None:
    critical = opened(pair, severity="critical", patient_safety="yes")
    opened(pair, severity="low", patient_safety="no")
    with pair.make.session() as session:
        found = services.cases(session, pair.psirt, QueueFilter(severity=Severity.CRITICAL))
        assert [c.id for c in found] == [critical]
        assert found[0].patient_safety == PatientSafety.YES
        assert (
            len(services.cases(session, pair.psirt, QueueFilter(product_id=pair.product_id))) == 2
        )
        assert services.cases(session, pair.psirt, QueueFilter(product_id=999)) == []
