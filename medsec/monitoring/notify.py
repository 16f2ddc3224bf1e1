"""Alert notifications: email (SMTP), a signed webhook, and a syslog message to a SIEM.

* Email: one plain-text message per alert through the configured SMTP server
  (``smtplib``, STARTTLS when asked).
* Webhook: ``POST`` of the alert as JSON; the header ``X-Medsec-Signature`` is
  ``sha256=<hex HMAC-SHA256 of the body with the rule's secret>`` and
  ``X-Medsec-Timestamp`` the send time, so the receiver can check origin and freshness.
* Syslog: one RFC 5424 message (MSGID ``medsec-alert``, the alert as JSON in MSG) to the
  collector, over TCP or TLS (:class:`~medsec.monitoring.syslog.transport.TcpSender`, as
  :mod:`medsec.monitoring.forward` uses).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import smtplib
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from medsec.monitoring.syslog import rfc5424
from medsec.monitoring.syslog.message import SyslogMessage
from medsec.monitoring.syslog.transport import TcpSender

SIGNATURE_HEADER = "X-Medsec-Signature"
TIMESTAMP_HEADER = "X-Medsec-Timestamp"


@dataclass(frozen=True)
class AlertNotice:
    """What a notification says about one alert."""

    alert_id: int
    rule: str
    summary: str
    severity: int | None
    event_id: str | None
    asset_id: int | None
    recommended_action: str | None
    first_at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "alert": self.alert_id, "rule": self.rule, "summary": self.summary,
            "severity": self.severity, "event_id": self.event_id, "asset": self.asset_id,
            "recommended_action": self.recommended_action,
            "first_at": self.first_at.isoformat(),
        }  # fmt: skip


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class NotifierConfig:
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    mail_from: str = "medsec@localhost"
    syslog_host: str | None = None
    syslog_port: int = 6514
    syslog_tls: bool = True
    timeout: float = 10.0


class Notifier:
    def __init__(self, config: NotifierConfig) -> None:
        self.config = config

    def email(self, to: list[str], notice: AlertNotice) -> None:
        c = self.config
        if c.smtp_host is None or not to:
            return
        message = EmailMessage()
        message["From"] = c.mail_from
        message["To"] = ", ".join(to)
        message["Subject"] = f"[medsec alert] {notice.summary}"[:200]
        lines = [notice.summary, "", f"Rule: {notice.rule}"]
        if notice.event_id:
            lines.append(f"Event: {notice.event_id} (severity {notice.severity})")
        if notice.recommended_action:
            lines += ["", "Recommended action:", notice.recommended_action]
        message.set_content("\n".join(lines) + "\n")
        with smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.timeout) as smtp:
            if c.smtp_starttls:
                smtp.starttls()
            smtp.send_message(message)

    def webhook(self, url: str, secret: str, notice: AlertNotice) -> None:
        body = json.dumps(notice.as_json(), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, body),
            TIMESTAMP_HEADER: dt.datetime.now(dt.UTC).isoformat(),
        }
        httpx.post(
            url, content=body, headers=headers, timeout=self.config.timeout
        ).raise_for_status()

    def syslog(self, notice: AlertNotice) -> None:
        c = self.config
        if c.syslog_host is None:
            return
        body = json.dumps(notice.as_json(), ensure_ascii=True, separators=(",", ":"))
        message = rfc5424.format(SyslogMessage(
            raw=b"", format="rfc5424", facility=1,
            severity=notice.severity if notice.severity is not None else 4,
            timestamp=dt.datetime.now(dt.UTC), hostname=socket.gethostname(),
            app_name="medsec", msgid="medsec-alert", msg=body,
        ))  # fmt: skip
        with TcpSender(c.syslog_host, c.syslog_port, tls=c.syslog_tls) as sender:
            sender.send(message)
