"""The worker's ``monitoring.alert-deliveries`` job: every minute, the alert notifications
that are due, with the instance's SMTP settings (MEDSEC_SMTP_*) and retry settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from aiosmtpd.controller import Controller
from sqlalchemy import select

from medsec.accounts import services as accounts
from medsec.accounts.roles import OrganizationKind
from medsec.audit.services import Context
from medsec.monitoring import tasks
from medsec.monitoring.models import Alert, AlertDelivery, AlertRule
from medsec.service import Instance
from medsec.worker import tasks as worker_tasks
from medsec.worker.queue import build_huey

from ..conftest import Mailbox, free_port

InstanceFactory = Callable[..., Instance]


def test_the_job_runs_every_minute(make_instance: InstanceFactory) -> None:
    instance = make_instance()
    huey = build_huey(instance.settings)
    worker_tasks.register(huey, instance)
    periodic = {t.__name__: t for t in huey._registry._periodic_tasks}
    assert periodic["monitoring.alert-deliveries"]().validate_datetime(
        dt.datetime(2026, 12, 3, 1, 2)
    )


def test_due_deliveries_go_out_with_the_instance_settings(make_instance: InstanceFactory) -> None:
    base = make_instance()
    port = free_port()
    settings = base.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
        "smtp_from": "alerts@hospital.example", "alert_delivery_max_attempts": 2,
    })  # fmt: skip
    instance = dataclasses.replace(base, settings=settings)
    with instance.db.session() as session:
        org = accounts.create_organization(
            session, "Clinic", OrganizationKind.HEALTHCARE_PROVIDER, Context.cli("test")
        )
        rule = AlertRule(organization_id=org.id, name="r", kind="event", event_ids=["X"],
                         email_to=["soc@hospital.example"])  # fmt: skip
        session.add(rule)
        session.flush()
        alert = Alert(organization_id=org.id, rule_id=rule.id, dedup_key="k", summary="X")
        session.add(alert)
        session.flush()
        session.add(AlertDelivery(alert_id=alert.id, channel="email", target="soc@hospital.example",
                                  status="pending", attempts=0))  # fmt: skip
    assert tasks.deliver_alerts(instance).retrying == 1  # the SMTP server is down
    with instance.db.session() as session:
        row = session.execute(select(AlertDelivery)).scalar_one()
        row.next_attempt_at = dt.datetime.now(dt.UTC)  # due again now
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert tasks.deliver_alerts(instance).delivered == 1
    finally:
        controller.stop()
    (mail,) = box.messages
    assert mail.mail_from == "alerts@hospital.example" and mail.rcpt_tos == ["soc@hospital.example"]
