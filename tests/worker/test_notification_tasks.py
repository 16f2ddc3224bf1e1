"""The worker jobs of notifications, incident cases and training reminders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from medsec.accounts import services as accounts
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context
from medsec.notifications import services as notifications
from medsec.notifications import tasks
from medsec.notifications.models import Notification
from medsec.service import Instance
from medsec.updates.reminders import Reminders
from medsec.worker import tasks as worker_tasks
from medsec.worker.queue import build_huey

InstanceFactory = Callable[..., Instance]


@pytest.mark.parametrize(
    ("name", "at", "runs"),
    [
        ("notifications.deliver", dt.datetime(2026, 12, 3, 16, 37), True),
        ("escalation.overdue", dt.datetime(2026, 12, 3, 16, 35), True),
        ("escalation.overdue", dt.datetime(2026, 12, 3, 16, 36), False),
        ("education.reminders", dt.datetime(2026, 12, 3, 6, 15), True),
        ("education.reminders", dt.datetime(2026, 12, 3, 7, 15), False),
        ("updates.reminders", dt.datetime(2026, 12, 3, 16, 45), True),
        ("updates.reminders", dt.datetime(2026, 12, 3, 16, 50), False),
    ],
)
def test_schedules(make_instance: InstanceFactory, name: str, at: dt.datetime, runs: bool) -> None:
    instance = make_instance()
    huey = build_huey(instance.settings)
    worker_tasks.register(huey, instance)  # the worker registers these with its own
    periodic = {t.__name__: t for t in huey._registry._periodic_tasks}
    assert periodic[name]().validate_datetime(at) is runs


def test_deliver_marks_pending_notifications_and_audits_each(
    make_instance: InstanceFactory,
) -> None:
    instance = make_instance()
    with instance.db.session() as session:
        org = accounts.create_organization(
            session, "Clinic", OrganizationKind.HEALTHCARE_PROVIDER, Context.cli("test")
        )
        user = accounts.create_local_user(
            session, org, accounts.NewUser("ce", Role.CLINICAL_ENGINEER),
            "velvet orbit kettle marsh 47", Context.cli("test"), temporary=False,
            hasher=PasswordHasher(),
        )  # fmt: skip
        notifications.notify_users(session, [user], "case-opened", "case:1", "New case")
    assert tasks.deliver(instance) == 1
    assert tasks.deliver(instance) == 0
    with instance.db.session() as session:
        row = session.execute(select(Notification)).scalar_one()
        assert row.delivered_at is not None
        tags = session.execute(select(AuditEvent.tag).where(AuditEvent.target == "case:1"))
        assert list(tags.scalars()) == ["notifications:notification:delivered"]


def test_overdue_and_reminders_run_on_an_empty_instance(make_instance: InstanceFactory) -> None:
    instance = make_instance()
    assert tasks.flag_overdue(instance) == 0
    assert tasks.remind_training(instance) == 0
    assert worker_tasks.send_update_reminders(instance) == Reminders(0, 0)
