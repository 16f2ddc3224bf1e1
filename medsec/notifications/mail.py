"""E-mail delivery of notifications, with retries.

When the worker delivers a notification (:func:`medsec.notifications.services.deliver_pending`)
and the instance has an SMTP server (``MEDSEC_SMTP_HOST``) and the recipient opted in
(account settings) and has an address, the notification is also **queued for e-mail**
(``email_status = pending``). :class:`MailDeliverer` sends what is due through the SMTP
adapter (:mod:`medsec.notifications.smtp`, the one alert e-mails use): after failed
attempt *n* the next is due ``backoff × 2^(n-1)`` later (at most six hours; the policy of
alert deliveries, ``MEDSEC_ALERT_DELIVERY_MAX_ATTEMPTS`` / ``…_BACKOFF_SECONDS``), until
the last attempt, when it is ``failed`` with the audit event
``notifications:notification:email-failed``. A sent message is the audit event
``notifications:notification:emailed``. A user who opted out (or was disabled, or lost the
address) before the message went out gets none: ``skipped``.

An attempt first claims the row with a conditional ``UPDATE`` that moves
``email_next_at`` ahead by a lease, so two workers do not send the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update

from medsec.accounts.models import User
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.db.engine import Database
from medsec.monitoring.delivery import RetryPolicy, explain
from medsec.notifications.models import Notification
from medsec.notifications.smtp import SmtpConfig, send_mail

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"


@dataclass
class MailReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str


def compose(row: Notification, base_url: str) -> Message:
    """The e-mail of one notification: its subject and body, and how to stop them."""
    lines = [row.subject, ""]
    if row.body:
        lines += [row.body, ""]
    lines += [
        f"About: {row.target}",
        "",
        "You receive this because e-mail notifications are on in your account settings:",
        f"{base_url.rstrip('/')}/account#notifications",
    ]
    return Message(row.email_to or "", f"[medsec] {row.subject}", "\n".join(lines) + "\n")


class MailDeliverer:
    def __init__(
        self,
        db: Database,
        config: SmtpConfig,
        retry: RetryPolicy | None = None,
        *,
        base_url: str = "http://127.0.0.1:8000",
    ) -> None:
        self.db, self.config, self.retry = db, config, retry or RetryPolicy()
        self.base_url = base_url

    def due(self, now: dt.datetime) -> list[int]:
        with self.db.session() as session:
            return list(
                session.execute(
                    select(Notification.id)
                    .where(
                        Notification.email_status == PENDING,
                        or_(
                            Notification.email_next_at.is_(None), Notification.email_next_at <= now
                        ),
                    )
                    .order_by(Notification.id)
                    .limit(500)
                ).scalars()
            )

    def deliver(self, now: dt.datetime | None = None) -> MailReport:
        """Attempt every due e-mail once."""
        now = now or utcnow()
        report = MailReport()
        for notification_id in self.due(now):
            outcome = self._attempt(notification_id, now)
            if outcome is not None:
                setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def _claim(self, notification_id: int, now: dt.datetime) -> Message | str | None:
        """The message to send; ``skipped`` when the user no longer wants it; None when
        another process holds the row."""
        with self.db.session() as session:
            claimed: Any = session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.email_status == PENDING,
                    or_(Notification.email_next_at.is_(None), Notification.email_next_at <= now),
                )
                .values(email_next_at=now + LEASE)
            )
            row = session.get(Notification, notification_id) if claimed.rowcount else None
            if row is None:
                return None
            user = session.get(User, row.user_id)
            if user is None or not (user.notify_by_email and user.email and user.active):
                row.email_status, row.email_next_at = SKIPPED, None
                return SKIPPED
            row.email_to = user.email
            return compose(row, self.base_url)

    def _attempt(self, notification_id: int, now: dt.datetime) -> str | None:
        message = self._claim(notification_id, now)
        if not isinstance(message, Message):
            return message
        error: str | None = None
        try:
            send_mail(self.config, [message.to], message.subject, message.text)
        except Exception as e:  # every failure is recorded and retried
            error = explain(e)
            log.warning("notification %d: e-mail failed: %s", notification_id, error)
        with self.db.session() as session:
            row = session.get(Notification, notification_id)
            if row is None:  # pragma: no cover - the user was deleted meanwhile
                return None
            row.email_attempts += 1
            details = {"topic": row.topic, "user_id": row.user_id, "attempts": row.email_attempts}
            context = Context(actor="worker", ip="local")
            if error is None:
                row.email_status, row.emailed_at = SENT, utcnow()
                row.email_next_at, row.email_error = None, None
                record(session, Tag.NOTIFICATION_EMAILED, context, target=row.target,
                       organization_id=row.organization_id, details=details)  # fmt: skip
                return SENT
            row.email_error = error
            if row.email_attempts >= self.retry.max_attempts:
                row.email_status, row.email_next_at = FAILED, None
                record(session, Tag.NOTIFICATION_EMAIL_FAILED, context, target=row.target,
                       organization_id=row.organization_id,
                       details=details | {"error": error})  # fmt: skip
                return FAILED
            row.email_next_at = now + self.retry.delay(row.email_attempts)
            return "retrying"
