"""Alert notifications are retried: an SMTP server that is down and then up, a webhook
that fails (5xx, timeout, redirect) before it accepts; exponential backoff up to a
maximum of attempts, the state visible on the alert, and a URL re-checked at delivery."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from medsec.audit.models import AuditEvent
from medsec.monitoring import services
from medsec.monitoring.alerts import AlertEngine
from medsec.monitoring.delivery import Deliverer, RetryPolicy
from medsec.monitoring.models import AlertDelivery
from medsec.monitoring.notify import Notifier, NotifierConfig
from medsec.monitoring.schemas import AlertRuleIn
from medsec.monitoring.store import DatabaseStore
from medsec.monitoring.webhooks import WebhookPolicy

from ...conftest import Mailbox, free_port

LIB_SIG_FAIL = "<34>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 LIB-SIG-FAIL - library rejected"
SECRET = "a-webhook-secret-of-some-length"
LOOPBACK = WebhookPolicy.of(allow_http_loopback=True)
RETRY = RetryPolicy(max_attempts=3, backoff=dt.timedelta(minutes=1))


class Hook:
    """A loopback webhook receiver that answers ``answers`` in turn (then 204)."""

    def __init__(self, answers: list[int | str]) -> None:
        self.answers = answers
        self.received: list[bytes] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = hook.answers.pop(0) if hook.answers else 204
                hook.received.append(body)
                if answer == "slow":
                    time.sleep(1.5)  # past the client's timeout
                    answer = 204
                self.send_response(int(answer))
                if answer in (301, 302, 307):
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks() -> Iterator[list[Hook]]:
    made: list[Hook] = []
    yield made
    for hook in made:
        hook.close()


def deliveries(ward: Any) -> list[AlertDelivery]:
    with ward.instance.db.session() as session:
        return list(session.execute(select(AlertDelivery).order_by(AlertDelivery.id)).scalars())


def raise_alert(ward: Any, config: NotifierConfig, **channels: Any) -> AlertEngine:
    """A severity rule with these channels and one event that matches it (the listener
    tries the notifications right after the commit)."""
    with ward.instance.db.session() as session:
        services.create_rule(session, ward.admin,
                             AlertRuleIn(name="critical", kind="severity", max_severity=2,
                                         **channels), LOOPBACK)  # fmt: skip
    engine = AlertEngine(ward.instance.db, Notifier(config), RETRY)
    ward.store(LIB_SIG_FAIL, store=DatabaseStore(ward.instance.db, [engine.after_insert]))
    return engine


def test_an_email_is_retried_until_the_smtp_server_is_up(ward: Any) -> None:
    port = free_port()  # nothing listens there yet: the server is down
    config = NotifierConfig(smtp_host="127.0.0.1", smtp_port=port, timeout=15)
    engine = raise_alert(ward, config, email_to=["soc@h.example"])
    (first,) = deliveries(ward)
    assert (first.channel, first.target, first.status, first.attempts) == (
        "email", "soc@h.example", "pending", 1)  # fmt: skip
    assert first.last_error and "Connection refused" in first.last_error
    assert first.next_attempt_at is not None

    early = first.next_attempt_at - dt.timedelta(seconds=1)
    assert engine.deliverer.deliver(now=early).delivered == 0  # not due yet: untouched
    assert deliveries(ward)[0].attempts == 1

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = engine.deliverer.deliver(now=first.next_attempt_at)
    finally:
        controller.stop()
    assert report.delivered == 1 and len(box.messages) == 1
    (done,) = deliveries(ward)
    assert (done.status, done.attempts, done.last_error, done.next_attempt_at) == (
        "delivered", 2, None, None)  # fmt: skip
    assert done.delivered_at is not None
    assert engine.deliverer.deliver(now=first.next_attempt_at + dt.timedelta(days=1)).delivered == 0


@pytest.mark.parametrize(
    ("answers", "complaint"),
    [
        ([500], "answered 500"),
        ([503], "answered 503"),
        (["slow"], "Timeout"),
        ([302], "redirect, not followed"),
    ],
)
def test_a_webhook_that_fails_first_is_retried(
    ward: Any, hooks: list[Hook], answers: list[int | str], complaint: str
) -> None:
    hook = Hook(list(answers))
    hooks.append(hook)
    config = NotifierConfig(timeout=0.5, webhooks=LOOPBACK)
    engine = raise_alert(ward, config, webhook_url=hook.url, webhook_secret=SECRET)
    (failed,) = deliveries(ward)
    assert failed.status == "pending" and failed.attempts == 1
    assert failed.last_error and complaint in failed.last_error
    assert failed.next_attempt_at is not None
    engine.deliverer.deliver(now=failed.next_attempt_at)
    (done,) = deliveries(ward)
    assert (done.status, done.attempts) == ("delivered", 2)
    assert len(hook.received) == 2 and hook.received[0] == hook.received[1]  # the same alert


def test_backoff_doubles_and_the_delivery_gives_up_after_the_maximum(
    ward: Any, hooks: list[Hook]
) -> None:
    hook = Hook([500] * 10)
    hooks.append(hook)
    engine = raise_alert(ward, NotifierConfig(webhooks=LOOPBACK), webhook_url=hook.url,
                         webhook_secret=SECRET)  # fmt: skip
    waits = []
    for _ in range(RETRY.max_attempts - 1):
        (row,) = deliveries(ward)
        assert row.next_attempt_at is not None
        waits.append(row.next_attempt_at)
        engine.deliverer.deliver(now=row.next_attempt_at)
    (given_up,) = deliveries(ward)
    assert (given_up.status, given_up.attempts, given_up.next_attempt_at) == ("failed", 3, None)
    assert "answered 500" in (given_up.last_error or "")
    assert round((waits[1] - waits[0]).total_seconds() / 60) == 2  # 1 min, then 2 min
    with ward.instance.db.session() as session:
        audit = session.execute(
            select(AuditEvent).where(AuditEvent.tag == "monitoring:alert-delivery:failed")
        ).scalar_one()  # fmt: skip
        assert audit.details["attempts"] == 3 and audit.details["channel"] == "webhook"
    assert engine.deliverer.deliver(now=waits[-1] + dt.timedelta(days=1)).failed == 0


@pytest.mark.parametrize(
    ("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (6, 32), (9, 256), (12, 360)]
)
def test_the_wait_doubles_up_to_six_hours(attempts: int, minutes: int) -> None:
    assert RetryPolicy(backoff=dt.timedelta(minutes=1)).delay(attempts) == dt.timedelta(
        minutes=minutes
    )


def test_a_webhook_host_that_now_resolves_inside_is_refused_at_delivery(ward: Any) -> None:
    """Regression (DNS rebinding): the URL was checked when the rule was saved."""
    saved = WebhookPolicy.of(resolver=lambda host, port: ["93.184.216.34"])
    with ward.instance.db.session() as session:
        services.create_rule(session, ward.admin, AlertRuleIn(
            name="critical", kind="severity", max_severity=2,
            webhook_url="https://hooks.example/in", webhook_secret=SECRET), saved)  # fmt: skip
    rebound = WebhookPolicy.of(resolver=lambda host, port: ["169.254.169.254"])
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig(webhooks=rebound)), RETRY)
    ward.store(LIB_SIG_FAIL, store=DatabaseStore(ward.instance.db, [engine.after_insert]))
    (row,) = deliveries(ward)
    assert row.status == "pending" and "resolves to 169.254.169.254" in (row.last_error or "")


def test_a_delivery_claimed_by_another_process_is_left_alone(ward: Any, hooks: list[Hook]) -> None:
    hook = Hook([500])
    hooks.append(hook)
    engine = raise_alert(ward, NotifierConfig(webhooks=LOOPBACK), webhook_url=hook.url,
                         webhook_secret=SECRET)  # fmt: skip
    (row,) = deliveries(ward)
    assert row.next_attempt_at is not None
    other = Deliverer(ward.instance.db, engine.notifier, RETRY)
    assert other._claim(row.id, row.next_attempt_at) is not None  # the worker took it
    assert engine.deliverer.deliver([row.id], now=row.next_attempt_at).delivered == 0
    assert len(hook.received) == 1
