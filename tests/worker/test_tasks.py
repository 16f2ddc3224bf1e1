"""The worker's jobs: audit forwarding (with retries, a lock and a cursor) and pruning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from medsec.accounts.models import LoginSession, Organization, RateLimitHit, User
from medsec.audit import syslog
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.cli import worker as worker_cli
from medsec.db.base import utcnow
from medsec.errors import ConfigurationError, Error
from medsec.service import Instance
from medsec.worker import tasks
from medsec.worker.queue import build_huey

InstanceFactory = Callable[..., Instance]


def _record(instance: Instance, count: int) -> None:
    with instance.db.session() as session:
        for i in range(count):
            record(session, Tag.LOGIN_SUCCEEDED, Context(actor=f"user{i}"))


def _cursor(instance: Instance) -> int:
    with instance.db.session() as session:
        return syslog.forwarded_seq(session)


def test_forward_task_sends_pending_events(make_instance: InstanceFactory, receiver: Any) -> None:
    instance = make_instance(syslog_port=receiver.port)
    _record(instance, 4)
    huey = build_huey(instance.settings, immediate=True)
    registered = tasks.register(huey, instance)

    registered.forward_audit()  # immediate mode: runs now, through the SQLite-backed queue

    messages = receiver.wait_for(4)
    assert [syslog.msgid_for(str(Tag.LOGIN_SUCCEEDED)).encode() in m for m in messages] == [
        True
    ] * 4
    assert _cursor(instance) == 4
    registered.forward_audit_periodic()  # nothing new: nothing sent again
    assert len(receiver.messages) == 4


def test_failed_forward_is_retried_later(make_instance: InstanceFactory, helpers: Any) -> None:
    instance = make_instance(syslog_port=helpers.closed_port())
    _record(instance, 1)
    huey = build_huey(instance.settings, immediate=True)
    registered = tasks.register(huey, instance)

    registered.forward_audit()

    (retry,) = huey.scheduled()
    assert retry.name == "audit.forward"
    assert retry.retries == tasks.FORWARD_RETRIES - 1
    assert retry.eta > dt.datetime.now(dt.UTC).replace(tzinfo=None)  # later, not now
    assert _cursor(instance) == 0


def test_forwarding_waits_for_the_lock(make_instance: InstanceFactory, receiver: Any) -> None:
    instance = make_instance(syslog_port=receiver.port)
    _record(instance, 2)
    huey = build_huey(instance.settings, immediate=True)
    registered = tasks.register(huey, instance)
    with huey.lock_task(tasks.FORWARD_LOCK):
        with pytest.raises(tasks.ForwardingBusy):
            tasks.forward_audit_events(instance, huey)
        registered.forward_audit_periodic()  # skips quietly: another forwarder runs
        assert _cursor(instance) == 0
    registered.forward_audit_periodic()
    assert len(receiver.wait_for(2)) == 2


def test_without_a_syslog_server_forwarding_idles(make_instance: InstanceFactory) -> None:
    instance = make_instance()
    _record(instance, 1)
    huey = build_huey(instance.settings, immediate=True)
    tasks.register(huey, instance).forward_audit_periodic()
    assert huey.scheduled() == []
    assert _cursor(instance) == 0
    with pytest.raises(ConfigurationError, match="no syslog server"):
        tasks.syslog_connection(instance.settings)


@pytest.mark.parametrize(
    ("task", "minute", "runs"),
    [
        ("forward_audit_periodic", 0, True),
        ("forward_audit_periodic", 37, True),
        ("prune", 0, True),
        ("prune", 30, True),
        ("prune", 37, False),
    ],
)
def test_schedules(make_instance: InstanceFactory, task: str, minute: int, runs: bool) -> None:
    instance = make_instance()
    registered = tasks.register(build_huey(instance.settings), instance)
    at = dt.datetime(2026, 12, 3, 16, minute)
    assert getattr(registered, task).s().validate_datetime(at) is runs


def test_prune_removes_only_what_can_no_longer_be_used(make_instance: InstanceFactory) -> None:
    instance = make_instance()
    now = utcnow()
    idle = instance.auth.idle
    with instance.db.session() as session:
        org = Organization(name="Org", kind="both", mfa_required_roles=[])
        session.add(org)
        session.flush()
        user = User(organization_id=org.id, username="u", role="admin")
        session.add(user)
        session.flush()

        def login(name: str, **fields: Any) -> None:
            values: dict[str, Any] = {
                "last_seen_at": now,
                "expires_at": now + dt.timedelta(hours=1),
            }
            values.update(fields)
            session.add(LoginSession(token_hash=name.ljust(64, "0"), user_id=user.id,
                                     csrf_token="c", **values))  # fmt: skip

        login("live")
        login("revoked", revoked_at=now)
        login("expired", expires_at=now - dt.timedelta(seconds=1))
        login("idle", last_seen_at=now - idle - dt.timedelta(seconds=1))
        session.add(RateLimitHit(key="old", at=now - dt.timedelta(hours=2)))
        session.add(RateLimitHit(key="new", at=now))

    report = tasks.prune_expired(instance)

    assert report == tasks.PruneReport(sessions=3, rate_limit_hits=1)
    with instance.db.session() as session:
        assert session.execute(select(LoginSession.token_hash)).scalars().all() == [
            "live".ljust(64, "0")
        ]
        assert session.execute(select(RateLimitHit.key)).scalars().all() == ["new"]


def _cli(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> Any:
    import typer

    settings = instance.settings
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("MEDSEC_DATABASE_URL", raising=False)
    monkeypatch.setenv("MEDSEC_AUDIT_SYSLOG_HOST", settings.audit_syslog_host or "")
    monkeypatch.setenv("MEDSEC_AUDIT_SYSLOG_PORT", str(settings.audit_syslog_port))
    monkeypatch.setenv("MEDSEC_AUDIT_SYSLOG_TLS", "false")
    app = typer.Typer()
    audit = typer.Typer()
    audit.command("forward")(worker_cli.audit_forward_command)
    audit.command("other")(lambda: None)
    app.add_typer(audit, name="audit")
    app.command("worker")(worker_cli.worker_command)
    return app


def test_audit_forward_command_sends_and_records_the_export(
    make_instance: InstanceFactory, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = make_instance(syslog_port=receiver.port)
    _record(instance, 3)
    result = CliRunner().invoke(_cli(instance, monkeypatch), ["audit", "forward"])
    assert result.exit_code == 0, result.output
    assert f"forwarded 3 audit events to tcp://127.0.0.1:{receiver.port}" in result.stdout
    assert len(receiver.wait_for(3)) == 3
    with instance.db.session() as session:
        exported = session.execute(
            select(AuditEvent).where(AuditEvent.tag == Tag.AUDIT_EXPORTED)
        ).scalar_one()
        assert exported.details == {"events": 3, "through_seq": 3}
        assert exported.actor == "cli"


def test_audit_forward_command_can_queue_for_the_worker(
    make_instance: InstanceFactory, receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = make_instance(syslog_port=receiver.port)
    _record(instance, 1)
    result = CliRunner().invoke(_cli(instance, monkeypatch), ["audit", "forward", "--queue"])
    assert result.exit_code == 0, result.output
    assert build_huey(instance.settings).pending_count() == 1
    assert _cursor(instance) == 0


def test_worker_refuses_an_outdated_schema(
    make_instance: InstanceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = make_instance()
    with instance.db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    result = CliRunner().invoke(_cli(instance, monkeypatch), ["worker"])
    assert isinstance(result.exception, Error)
    assert result.exception.hint == "run `medsec db upgrade` first"


def test_prune_leaves_the_audit_log_alone(make_instance: InstanceFactory) -> None:
    instance = make_instance()
    _record(instance, 2)
    tasks.prune_expired(instance)
    with instance.db.session() as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 2
