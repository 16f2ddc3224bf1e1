"""Alert notifications: email (SMTP), a signed webhook, and a syslog message to a SIEM.

* Email: one plain-text message per alert through the SMTP server of the settings
  (``MEDSEC_SMTP_*``), by the SMTP adapter :mod:`medsec.notifications.smtp`.
* Webhook: ``POST`` of the alert as JSON; the header ``X-Medsec-Signature`` is
  ``sha256=<hex HMAC-SHA256 of the body with the rule's secret>`` and
  ``X-Medsec-Timestamp`` the send time, so the receiver can check origin and freshness.
  The URL is checked again before each delivery (:mod:`medsec.monitoring.webhooks`), the
  request goes to the address that was checked and no redirect is followed.
* Syslog: one RFC 5424 message (MSGID ``medsec-alert``, the alert as JSON in MSG) to the
  collector, over TCP or TLS (:class:`~medsec.monitoring.syslog.transport.TcpSender`, as
  :mod:`medsec.monitoring.forward` uses).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
from dataclasses import dataclass, field
from typing import Any

import httpx

from medsec.errors import ConfigurationError, Error
from medsec.monitoring.syslog import rfc5424
from medsec.monitoring.syslog.message import SyslogMessage
from medsec.monitoring.syslog.transport import TcpSender
from medsec.monitoring.webhooks import WebhookPolicy
from medsec.notifications.smtp import SmtpConfig, send_mail
from medsec.settings import Settings

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


class WebhookFailed(Error):
    kind = "webhook-failed"
    status = 502
    title = "The webhook did not accept the alert"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class NotifierConfig:
    smtp_host: str | None = None
    smtp_port: int = 25
    #: ``starttls``, ``tls`` (implicit, SMTPS) or ``none``.
    smtp_security: str = "none"
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    mail_from: str = "medsec@localhost"
    syslog_host: str | None = None
    syslog_port: int = 6514
    syslog_tls: bool = True
    timeout: float = 10.0
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> NotifierConfig:
        password = settings.smtp_password
        return cls(
            smtp_host=settings.smtp_host, smtp_port=settings.smtp_port,
            smtp_security=settings.smtp_security, smtp_username=settings.smtp_username,
            smtp_password=password.get_secret_value() if password is not None else None,
            mail_from=settings.smtp_from, syslog_host=settings.alert_syslog_host,
            syslog_port=settings.alert_syslog_port, syslog_tls=settings.alert_syslog_tls,
            timeout=settings.smtp_timeout_seconds, webhooks=webhook_policy(settings),
        )  # fmt: skip

    @property
    def smtp(self) -> SmtpConfig:
        return SmtpConfig(self.smtp_host, self.smtp_port, self.smtp_security,
                          self.smtp_username, self.smtp_password, self.mail_from,
                          self.timeout)  # fmt: skip

    def public(self) -> dict[str, str]:
        """The effective configuration without secrets, for admins to check."""
        login = f"as {self.smtp_username} (password set)" if self.smtp_username else "no login"
        smtp = (f"{self.smtp_host}:{self.smtp_port}, {self.smtp_security}, {login}"
                if self.smtp_host else "not configured (MEDSEC_SMTP_HOST)")  # fmt: skip
        over = "TLS" if self.syslog_tls else "TCP"
        syslog = (f"{self.syslog_host}:{self.syslog_port} over {over}"
                  if self.syslog_host else "not configured (MEDSEC_ALERT_SYSLOG_HOST)")  # fmt: skip
        allowed = [str(n) for n in self.webhooks.networks] + sorted(self.webhooks.hosts)
        return {
            "SMTP server": smtp,
            "Sender (From)": self.mail_from,
            "Alert syslog collector": syslog,
            "Webhooks may also reach": ", ".join(allowed) or "public addresses only",
            "http:// to loopback": "allowed" if self.webhooks.allow_http_loopback else "refused",
        }


def webhook_policy(settings: Settings) -> WebhookPolicy:
    return WebhookPolicy.of(
        settings.alert_webhook_allow,
        allow_http_loopback=settings.alert_webhook_allow_http_loopback,
    )


class Notifier:
    def __init__(self, config: NotifierConfig) -> None:
        self.config = config

    def email(self, to: list[str], notice: AlertNotice) -> None:
        lines = [notice.summary, "", f"Rule: {notice.rule}"]
        if notice.event_id:
            lines.append(f"Event: {notice.event_id} (severity {notice.severity})")
        if notice.recommended_action:
            lines += ["", "Recommended action:", notice.recommended_action]
        send_mail(self.config.smtp, to, f"[medsec alert] {notice.summary}", "\n".join(lines) + "\n")

    def webhook(self, url: str, secret: str, notice: AlertNotice) -> None:
        body = json.dumps(notice.as_json(), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, body),
            TIMESTAMP_HEADER: dt.datetime.now(dt.UTC).isoformat(),
        }
        target = self.config.webhooks.target(url)  # again: DNS may have changed
        headers["Host"] = target.host_header()
        with httpx.Client(timeout=self.config.timeout, follow_redirects=False) as client:
            response = client.post(
                target.connect_url(), content=body, headers=headers,
                extensions={"sni_hostname": target.host},
            )  # fmt: skip
        if response.is_redirect:
            raise WebhookFailed(
                f"the webhook answered {response.status_code} (a redirect, not followed)"
            )
        if not response.is_success:
            raise WebhookFailed(f"the webhook answered {response.status_code}")

    def syslog(self, notice: AlertNotice) -> None:
        c = self.config
        if c.syslog_host is None:
            raise ConfigurationError(
                "no collector is configured for alerts", hint="set MEDSEC_ALERT_SYSLOG_HOST"
            )
        body = json.dumps(notice.as_json(), ensure_ascii=True, separators=(",", ":"))
        message = rfc5424.format(SyslogMessage(
            raw=b"", format="rfc5424", facility=1,
            severity=notice.severity if notice.severity is not None else 4,
            timestamp=dt.datetime.now(dt.UTC), hostname=socket.gethostname(),
            app_name="medsec", msgid="medsec-alert", msg=body,
        ))  # fmt: skip
        with TcpSender(c.syslog_host, c.syslog_port, tls=c.syslog_tls) as sender:
            sender.send(message)
