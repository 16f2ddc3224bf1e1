"""Delivering alert notifications, with retries.

An alert's notifications are :class:`~medsec.monitoring.models.AlertDelivery` rows written
in the alert's transaction, one per channel of its rule (email, webhook, syslog). The
listener tries them right after the commit; whatever fails waits and is retried by the
worker (``monitoring.alert-deliveries``, every minute): after attempt *n* the next one is
due ``backoff × 2^(n-1)`` later (at most six hours), until ``max_attempts``, when the
delivery is ``failed`` (an audit event ``monitoring:alert-delivery:failed``). Attempts,
the last error and the next attempt show on the alert (API and alerts page).

Claiming: an attempt first moves ``next_attempt_at`` ahead by a lease, with a conditional
``UPDATE``; a second process (another listener, the worker) that finds the row claimed
leaves it, so a notification is not sent twice at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.db.engine import Database
from medsec.errors import Error
from medsec.monitoring.models import Alert, AlertDelivery, AlertRule
from medsec.monitoring.notify import AlertNotice, Notifier
from medsec.settings import Settings

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)
MAX_DELAY = dt.timedelta(hours=6)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    backoff: dt.timedelta = dt.timedelta(minutes=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.alert_delivery_max_attempts,
                   dt.timedelta(seconds=settings.alert_delivery_backoff_seconds))  # fmt: skip

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        delay: dt.timedelta = self.backoff * 2 ** max(attempts - 1, 0)
        return min(delay, MAX_DELAY)


def plan(session: Session, rule: AlertRule, alert: Alert) -> list[AlertDelivery]:
    """The deliveries of a new alert, one per channel of its rule (in its transaction)."""
    rows = []
    if rule.email_to:
        rows.append(AlertDelivery(alert_id=alert.id, channel="email",
                                  target=", ".join(rule.email_to)[:1000]))  # fmt: skip
    if rule.webhook_url:
        rows.append(AlertDelivery(alert_id=alert.id, channel="webhook", target=rule.webhook_url))
    if rule.syslog_forward:
        rows.append(AlertDelivery(alert_id=alert.id, channel="syslog", target="collector"))
    for row in rows:
        row.status, row.attempts = "pending", 0
    session.add_all(rows)
    return rows


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    retrying: int = 0


class Deliverer:
    def __init__(self, db: Database, notifier: Notifier, retry: RetryPolicy | None = None) -> None:
        self.db = db
        self.notifier = notifier
        self.retry = retry or RetryPolicy()

    def due(self, now: dt.datetime) -> list[int]:
        with self.db.session() as session:
            return list(session.execute(
                select(AlertDelivery.id).where(
                    AlertDelivery.status == "pending",
                    or_(AlertDelivery.next_attempt_at.is_(None),
                        AlertDelivery.next_attempt_at <= now),
                ).order_by(AlertDelivery.id).limit(500)
            ).scalars())  # fmt: skip

    def deliver(
        self, ids: Sequence[int] | None = None, now: dt.datetime | None = None
    ) -> DeliveryReport:
        """Attempt the given deliveries (default: every due one) that are due."""
        now = now or utcnow()
        report = DeliveryReport()
        for delivery_id in self.due(now) if ids is None else ids:
            outcome = self._attempt(delivery_id, now)
            if outcome is not None:
                setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def _claim(
        self, delivery_id: int, now: dt.datetime
    ) -> tuple[AlertDelivery, AlertNotice, str] | None:
        with self.db.session() as session:
            claimed: Any = session.execute(
                update(AlertDelivery).where(
                    AlertDelivery.id == delivery_id, AlertDelivery.status == "pending",
                    or_(AlertDelivery.next_attempt_at.is_(None),
                        AlertDelivery.next_attempt_at <= now),
                ).values(next_attempt_at=now + LEASE)
            )  # fmt: skip
            if not claimed.rowcount:
                return None
            delivery = session.get(AlertDelivery, delivery_id)
            alert = session.get(Alert, delivery.alert_id) if delivery is not None else None
            rule = session.get(AlertRule, alert.rule_id) if alert and alert.rule_id else None
            if delivery is None or alert is None:
                return None
            notice = AlertNotice(alert.id, rule.name if rule else "listener", alert.summary,
                                 alert.severity, alert.event_id, alert.asset_id,
                                 alert.recommended_action, alert.first_at)  # fmt: skip
            secret = (rule.webhook_secret or "") if rule is not None else ""
            return delivery, notice, secret

    def _send(self, delivery: AlertDelivery, notice: AlertNotice, secret: str) -> None:
        if delivery.channel == "email":
            self.notifier.email([t.strip() for t in delivery.target.split(",")], notice)
        elif delivery.channel == "webhook":
            self.notifier.webhook(delivery.target, secret, notice)
        else:
            self.notifier.syslog(notice)

    def _attempt(self, delivery_id: int, now: dt.datetime) -> str | None:
        claimed = self._claim(delivery_id, now)
        if claimed is None:
            return None
        delivery, notice, secret = claimed
        error: str | None = None
        try:
            self._send(delivery, notice, secret)
        except Exception as e:  # every failure is recorded and retried
            error = explain(e)
            log.warning(
                "alert %d: %s delivery failed: %s", notice.alert_id, delivery.channel, error
            )
        with self.db.session() as session:
            row = session.get(AlertDelivery, delivery_id)
            if row is None:
                return None
            row.attempts += 1
            if error is None:
                row.status, row.delivered_at, row.next_attempt_at = "delivered", utcnow(), None
                row.last_error = None
                return "delivered"
            row.last_error = error
            if row.attempts >= self.retry.max_attempts:
                row.status, row.next_attempt_at = "failed", None
                alert = session.get(Alert, row.alert_id)
                record(session, Tag.ALERT_DELIVERY_FAILED, Context.cli("monitoring"),
                       target=f"alert:{row.alert_id}",
                       organization_id=alert.organization_id if alert else None,
                       details={"channel": row.channel, "attempts": row.attempts,
                                "error": error})  # fmt: skip
                return "failed"
            row.next_attempt_at = now + self.retry.delay(row.attempts)
            return "retrying"


def explain(error: Exception) -> str:
    """A failed attempt's error, for the row and the log (at most 2000 characters)."""
    if isinstance(error, Error):
        text = f"{error.message} ({error.hint})" if error.hint else error.message
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:2000]


def of_alerts(session: Session, alert_ids: Sequence[int]) -> dict[int, list[AlertDelivery]]:
    """The deliveries of these alerts, by alert id."""
    found: dict[int, list[AlertDelivery]] = {i: [] for i in alert_ids}
    if alert_ids:
        rows = session.execute(
            select(AlertDelivery).where(AlertDelivery.alert_id.in_(alert_ids))
            .order_by(AlertDelivery.id)
        ).scalars()  # fmt: skip
        for row in rows:
            found[row.alert_id].append(row)
    return found
