"""Notifications by e-mail through the worker: only to users who opted in and have an
address, through the instance's SMTP server (a local aiosmtpd server on loopback), retried
with backoff until the server answers or the attempts run out, skipped for a user who
opted out meanwhile, audited; the setting in the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts import services as accounts
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context
from medsec.notifications import services as notifications
from medsec.notifications import tasks
from medsec.notifications.models import Notification
from medsec.service import Instance

from ...conftest import Mailbox, free_port
from ..conftest import FAST_HASHER, GOOD_PASSWORD, build_instance


@dataclass
class Mail:
    instance: Instance
    port: int
    box: Mailbox


@pytest.fixture
def mail(database_url: str, tmp_path: Path) -> Iterator[Mail]:
    """An instance whose SMTP server is a port on loopback (started by the tests)."""
    port = free_port()
    with build_instance(
        tmp_path, database_url, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
        smtp_from="medsec@clinic.example", smtp_timeout_seconds=15,
        alert_delivery_max_attempts=3, alert_delivery_backoff_seconds=60,
    ) as instance:  # fmt: skip
        yield Mail(instance, port, Mailbox())


def server(mail: Mail) -> Controller:
    controller = Controller(mail.box, hostname="127.0.0.1", port=mail.port)
    controller.start()
    return controller


def add_user(instance: Instance, name: str, email: str | None, *, opted_in: bool) -> int:
    with instance.db.session() as session:
        org = session.execute(select(Organization)).scalars().first()
        if org is None:
            org = accounts.create_organization(
                session, "Clinic", OrganizationKind.HEALTHCARE_PROVIDER, Context.cli("test")
            )
        user = accounts.create_local_user(
            session, org, accounts.NewUser(name, Role.CLINICAL_ENGINEER, email=email),
            GOOD_PASSWORD, Context.cli("test"), temporary=False, hasher=FAST_HASHER,
        )  # fmt: skip
        user.notify_by_email = opted_in
        return user.id


def notify(instance: Instance, *user_ids: int) -> None:
    with instance.db.session() as session:
        users = [session.get(User, i) for i in user_ids]
        notifications.notify_users(
            session, [u for u in users if u is not None], "case-opened", "case:7",
            "New incident case 7", "LVP3-00004 stopped during an infusion.",
        )  # fmt: skip


def rows(instance: Instance) -> dict[int, Notification]:
    with instance.db.session() as session:
        found = session.execute(select(Notification)).scalars().all()
        session.expunge_all()
        return {n.user_id: n for n in found}


def tags(instance: Instance) -> list[str]:
    with instance.db.session() as session:
        stmt = select(AuditEvent.tag).where(AuditEvent.tag.like("notifications:%"))
        return list(session.execute(stmt.order_by(AuditEvent.seq)).scalars())


def test_only_users_who_opted_in_and_have_an_address_get_an_email(mail: Mail) -> None:
    wants = add_user(mail.instance, "wants", "wants@clinic.example", opted_in=True)
    declines = add_user(mail.instance, "declines", "declines@clinic.example", opted_in=False)
    nowhere = add_user(mail.instance, "nowhere", None, opted_in=True)
    notify(mail.instance, wants, declines, nowhere)
    assert tasks.deliver(mail.instance) == 3
    controller = server(mail)
    try:
        report = tasks.send_emails(mail.instance)
    finally:
        controller.stop()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    (envelope,) = mail.box.messages
    assert (envelope.mail_from, envelope.rcpt_tos) == (
        "medsec@clinic.example",
        ["wants@clinic.example"],
    )
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "[medsec] New incident case 7"
    text = message.get_payload()
    assert "LVP3-00004 stopped during an infusion." in text
    assert "http://testserver/account#notifications" in text
    found = rows(mail.instance)
    assert (found[wants].email_status, found[wants].email_attempts) == ("sent", 1)
    assert found[wants].emailed_at is not None
    assert found[declines].email_status is None and found[nowhere].email_status is None
    assert all(n.delivered_at is not None for n in found.values())  # in-app for all
    assert tags(mail.instance).count("notifications:notification:emailed") == 1
    assert tasks.send_emails(mail.instance).sent == 0  # sent once


def test_an_email_is_retried_with_backoff_until_the_server_is_up(mail: Mail) -> None:
    user = add_user(mail.instance, "ce", "ce@clinic.example", opted_in=True)
    notify(mail.instance, user)
    tasks.deliver(mail.instance)
    now = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)
    assert tasks.send_emails(mail.instance, now).retrying == 1  # nothing listens yet
    first = rows(mail.instance)[user]
    assert (first.email_status, first.email_attempts) == ("pending", 1)
    assert first.email_error and "Connection refused" in first.email_error
    assert first.email_next_at == now + dt.timedelta(seconds=60)

    early = now + dt.timedelta(seconds=59)
    assert tasks.send_emails(mail.instance, early).retrying == 0  # not due: untouched
    assert tasks.send_emails(mail.instance, now + dt.timedelta(seconds=60)).retrying == 1
    second = rows(mail.instance)[user]
    assert second.email_next_at == now + dt.timedelta(seconds=60 + 120)  # doubled

    controller = server(mail)
    try:
        report = tasks.send_emails(mail.instance, now + dt.timedelta(seconds=180))
    finally:
        controller.stop()
    assert report.sent == 1 and len(mail.box.messages) == 1
    done = rows(mail.instance)[user]
    assert (done.email_status, done.email_attempts, done.email_error, done.email_next_at) == (
        "sent", 3, None, None)  # fmt: skip


def test_the_email_gives_up_after_the_last_attempt_and_audits_it(mail: Mail) -> None:
    user = add_user(mail.instance, "ce", "ce@clinic.example", opted_in=True)
    notify(mail.instance, user)
    tasks.deliver(mail.instance)
    now = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)
    outcomes = []
    for _ in range(3):
        report = tasks.send_emails(mail.instance, now)
        outcomes.append((report.retrying, report.failed))
        now += dt.timedelta(hours=1)
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    row = rows(mail.instance)[user]
    assert (row.email_status, row.email_attempts, row.email_next_at) == ("failed", 3, None)
    assert tasks.send_emails(mail.instance, now + dt.timedelta(days=1)).failed == 0
    assert tags(mail.instance)[-1] == "notifications:notification:email-failed"


def test_a_user_who_opts_out_before_it_is_sent_gets_none(mail: Mail) -> None:
    user = add_user(mail.instance, "ce", "ce@clinic.example", opted_in=True)
    notify(mail.instance, user)
    tasks.deliver(mail.instance)
    with mail.instance.db.session() as session:
        row = session.get(User, user)
        assert row is not None
        row.notify_by_email = False
    controller = server(mail)
    try:
        report = tasks.send_emails(mail.instance)
    finally:
        controller.stop()
    assert (report.sent, report.skipped, mail.box.messages) == (0, 1, [])
    assert rows(mail.instance)[user].email_status == "skipped"


def test_without_an_smtp_server_nothing_is_queued_for_email(instance: Instance) -> None:
    user = add_user(instance, "ce", "ce@clinic.example", opted_in=True)
    notify(instance, user)
    assert tasks.deliver(instance) == 1
    assert rows(instance)[user].email_status is None
    assert tasks.send_emails(instance).sent == 0


def test_the_setting_in_the_api_needs_an_address_and_is_audited(
    client: TestClient, make: Any
) -> None:
    org = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    with_address = make.user(org, Role.AUDITOR)
    without = make.user(org, Role.AUDITOR)
    with make.session() as session:
        row = session.get(User, with_address.id)
        row.email = "auditor@clinic.example"
    _, value = make.token(with_address)
    headers = {"Authorization": f"Bearer {value}"}
    assert client.get("/api/v1/notifications/settings", headers=headers).json() == {
        "email": False, "address": "auditor@clinic.example", "mail_server": False}  # fmt: skip
    on = client.put("/api/v1/notifications/settings", json={"email": True}, headers=headers)
    assert on.status_code == 200 and on.json()["email"] is True
    again = client.put("/api/v1/notifications/settings", json={"email": True}, headers=headers)
    assert again.status_code == 200
    _, other = make.token(without)
    refused = client.put(
        "/api/v1/notifications/settings",
        json={"email": True},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert refused.status_code == 409
    assert "no e-mail address" in refused.json()["detail"]
    with make.session() as session:
        events = (
            session.execute(
                select(AuditEvent).where(AuditEvent.tag == "notifications:settings:changed")
            )
            .scalars()
            .all()
        )
        assert [(e.target, e.details) for e in events] == [
            (f"user:{with_address.id}", {"email": True})
        ]
