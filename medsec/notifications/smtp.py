"""The SMTP adapter: one plain-text message through the instance's mail server
(``MEDSEC_SMTP_*``: STARTTLS by default, implicit TLS or plain; a login when given).

Alert e-mails (:mod:`medsec.monitoring.notify`) and notification e-mails
(:mod:`medsec.notifications.mail`) both send through :func:`send_mail`.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from medsec.errors import ConfigurationError
from medsec.settings import Settings


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None = None
    port: int = 25
    #: ``starttls``, ``tls`` (implicit, SMTPS) or ``none``.
    security: str = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    mail_from: str = "medsec@localhost"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host, port=settings.smtp_port, security=settings.smtp_security,
            username=settings.smtp_username,
            password=password.get_secret_value() if password is not None else None,
            mail_from=settings.smtp_from, timeout=settings.smtp_timeout_seconds,
        )  # fmt: skip


def send_mail(config: SmtpConfig, to: list[str], subject: str, text: str) -> None:
    """Send ``text`` to ``to``; a refused or unreachable server raises (smtplib, OSError)."""
    if config.host is None:
        raise ConfigurationError(
            "no SMTP server is configured for e-mail", hint="set MEDSEC_SMTP_HOST"
        )
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject[:200]
    message.set_content(text)
    context = ssl.create_default_context()
    smtp = (
        smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        if config.security == "tls"
        else smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    )
    with smtp:
        if config.security == "starttls":
            smtp.starttls(context=context)
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(message, to_addrs=to)
