"""Alert rules: severity, event ids, rates and silence; deduplication while an alert is
open; notifications by email (a local aiosmtpd server), HMAC-signed webhook (a loopback
HTTP server) and syslog (a loopback TCP receiver); acknowledgement."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from medsec.monitoring import services
from medsec.monitoring.alerts import AlertEngine
from medsec.monitoring.models import Alert
from medsec.monitoring.notify import SIGNATURE_HEADER, Notifier, NotifierConfig
from medsec.monitoring.schemas import AlertRuleIn
from medsec.monitoring.store import DatabaseStore
from medsec.monitoring.syslog.framing import Deframer
from medsec.monitoring.webhooks import WebhookPolicy

from ...conftest import Mailbox, free_port

AUTH_FAIL = ('<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 AUTH-FAIL [northwind@55555 '
             'serial="NW123"] service login failed for user tech')  # fmt: skip
LIB_SIG_FAIL = "<34>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 LIB-SIG-FAIL - library rejected"
FW_UPDATED = "<37>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 FW-UPDATED - firmware updated"
SECRET = "a-webhook-secret-of-some-length"
LOOPBACK_HOOKS = WebhookPolicy.of(allow_http_loopback=True)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[tuple[dict[str, str], bytes]], str]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def collector() -> Iterator[tuple[list[bytes], int]]:
    """A loopback TCP syslog receiver (octet counting)."""
    messages: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            deframer = Deframer(65536)
            with connection:
                while data := connection.recv(65536):
                    messages.extend(f.data for f in deframer.feed(data))

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield messages, listener.getsockname()[1]
    finally:
        listener.close()


def wait_for(condition: Any) -> None:
    """A guard against hanging, not a timed assertion."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


def rule(ward: Any, **values: Any) -> int:
    with ward.instance.db.session() as session:
        return services.create_rule(session, ward.admin, AlertRuleIn(**values), LOOPBACK_HOOKS).id


def alerts(ward: Any) -> list[Alert]:
    with ward.instance.db.session() as session:
        return list(session.execute(select(Alert).order_by(Alert.id)).scalars())


def test_a_severity_alert_notifies_every_channel_once_while_open(
    ward: Any, mailbox: Any, webhook: Any, collector: Any
) -> None:
    box, smtp_port = mailbox
    hooks, url = webhook
    forwarded, syslog_port = collector
    config = NotifierConfig(
        smtp_host="127.0.0.1", smtp_port=smtp_port, mail_from="m@h.example",
        syslog_host="127.0.0.1", syslog_port=syslog_port, syslog_tls=False,
        webhooks=LOOPBACK_HOOKS,
    )  # fmt: skip
    engine = AlertEngine(ward.instance.db, Notifier(config))
    store = DatabaseStore(ward.instance.db, [engine.after_insert])
    rule(ward, name="critical", kind="severity", max_severity=2, email_to=["soc@h.example"],
         webhook_url=url, webhook_secret=SECRET, syslog_forward=True)  # fmt: skip
    ward.store(AUTH_FAIL, store=store)  # severity 4: below the rule
    assert alerts(ward) == []
    ward.store(LIB_SIG_FAIL, LIB_SIG_FAIL, store=store)
    (alert,) = alerts(ward)
    assert (alert.event_id, alert.severity, alert.count, alert.asset_id) == (
        "LIB-SIG-FAIL", 2, 2, ward.asset_id)  # fmt: skip
    assert alert.recommended_action and "contact Northwind PSIRT" in alert.recommended_action
    (mail,) = box.messages
    text = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert mail.rcpt_tos == ["soc@h.example"]
    assert "contact Northwind PSIRT" in text.get_body().get_content()  # type: ignore[union-attr]
    ((headers, body),) = hooks
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    assert json.loads(body)["event_id"] == "LIB-SIG-FAIL"
    wait_for(lambda: len(forwarded) > 0)  # the receiver thread reads after the sender left
    (line,) = forwarded
    assert b" medsec-alert " in line and b"LIB-SIG-FAIL" in line

    with ward.instance.db.session() as session:
        services.acknowledge(session, ward.admin, alert.id)
    ward.store(LIB_SIG_FAIL, store=store)
    first, second = alerts(ward)
    assert (first.status, first.acknowledged_by, second.status) == (
        "acknowledged", ward.admin.username, "open")  # fmt: skip
    assert len(box.messages) == 2 and len(hooks) == 2


@pytest.mark.parametrize(
    ("values", "lines", "raised"),
    [
        ({"kind": "event", "event_ids": ["FW-UPDATED"]}, [AUTH_FAIL], 0),
        ({"kind": "event", "event_ids": ["FW-UPDATED"]}, [FW_UPDATED], 1),
        ({"kind": "rate", "event_ids": ["AUTH-FAIL"], "threshold": 3, "window_minutes": 10},
         [AUTH_FAIL, AUTH_FAIL], 0),
        ({"kind": "rate", "event_ids": ["AUTH-FAIL"], "threshold": 3, "window_minutes": 10},
         [AUTH_FAIL] * 3, 1),
        ({"kind": "rate", "max_severity": 4, "threshold": 2, "window_minutes": 10},
         [AUTH_FAIL, FW_UPDATED], 0),
    ],
)  # fmt: skip
def test_event_and_rate_rules(
    ward: Any, values: dict[str, Any], lines: list[str], raised: int
) -> None:
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))
    store = DatabaseStore(ward.instance.db, [engine.after_insert])
    rule(ward, name="r", **values)
    for line in lines:
        ward.store(line, store=store)
    found = alerts(ward)
    assert len(found) == raised
    if raised and values["kind"] == "rate":
        assert found[0].summary.startswith("3 events within 10 min")


def test_silence_raises_once_per_asset_after_the_window(ward: Any) -> None:
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))
    store = DatabaseStore(ward.instance.db, [engine.after_insert])
    rule(ward, name="quiet pump", kind="silence", window_minutes=30, asset_id=ward.asset_id)
    (record,) = ward.store(AUTH_FAIL, store=store)
    org = ward.admin.organization_id
    assert engine.check_silence(org, record.received_at + dt.timedelta(minutes=29)) == 0
    assert engine.check_silence(org, record.received_at + dt.timedelta(minutes=31)) == 1
    assert engine.check_silence(org, record.received_at + dt.timedelta(minutes=40)) == 0
    (alert,) = alerts(ward)
    assert alert.asset_id == ward.asset_id and alert.count == 2
    assert alert.summary.startswith(f"no message from asset {ward.asset_id} for 30 min")


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"kind": "severity"}, "needs max_severity"),
        ({"kind": "event"}, "needs event_ids"),
        ({"kind": "rate", "threshold": 3}, "needs threshold and window_minutes"),
        ({"kind": "silence"}, "needs window_minutes"),
        # a webhook without webhook_secret is refused by the service (a PUT may keep the
        # stored secret): tests/service/monitoring/test_api.py
    ],
)
def test_incomplete_rules_are_refused(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        AlertRuleIn(name="r", **values)
