"""Alert rules, evaluated as device events are stored and, for silence, periodically.

A rule has a ``kind``:

* ``severity`` — an event whose catalog severity is ``max_severity`` or worse (RFC 5424:
  lower numbers are worse), optionally only for ``event_ids``;
* ``event`` — an event whose catalog id is one of ``event_ids``;
* ``rate`` — at least ``threshold`` matching events (``event_ids`` and/or
  ``max_severity``; any event without either) from one asset within ``window_minutes``;
* ``silence`` — no message from the asset (``asset_id``, or every asset that has sent
  one) for ``window_minutes``.

Deduplication: an alert has a key (rule, asset, event id; for rates and silence rule and
asset). While an alert with that key is open, a new match counts into it (``count``,
``last_at``) and notifies nobody; after acknowledgement the next match opens a new alert.
Each alert carries the catalog's recommended action of the event that raised it.

Notifications run after the batch's transaction commits (:class:`Notifier`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.db.base import utcnow
from medsec.db.engine import Database
from medsec.monitoring.models import Alert, AlertRule, DeviceEvent
from medsec.monitoring.notify import AlertNotice, Notifier, NotifierConfig
from medsec.monitoring.records import DeviceEventRecord

if TYPE_CHECKING:
    from medsec.monitoring.listener import DatabaseListener

log = logging.getLogger(__name__)
KINDS = ("severity", "event", "rate", "silence")
DROPS_KEY = "listener:udp-dropped"


def _matches(rule: AlertRule, record: DeviceEventRecord) -> bool:
    if rule.event_ids and record.event_id not in rule.event_ids:
        return False
    if rule.max_severity is not None:
        return record.severity is not None and record.severity <= rule.max_severity
    return rule.kind == "rate" or bool(rule.event_ids)


def _raise(
    session: Session, organization_id: int, rule: AlertRule | None, key: str, summary: str, *,
    asset_id: int | None = None, event_row: int | None = None,
    record: DeviceEventRecord | None = None, now: dt.datetime | None = None,
) -> Alert | None:  # fmt: skip
    """Open an alert, or count into the open one with this key; the new alert, if any."""
    now = now or utcnow()
    open_alert = session.execute(
        select(Alert).where(Alert.organization_id == organization_id, Alert.status == "open",
                            Alert.dedup_key == key)
    ).scalars().first()  # fmt: skip
    if open_alert is not None:
        open_alert.count += 1
        open_alert.last_at = now
        return None
    alert = Alert(
        organization_id=organization_id, rule_id=rule.id if rule else None, dedup_key=key,
        asset_id=asset_id, device_event_id=event_row,
        event_id=record.event_id if record else None,
        severity=record.severity if record else None, summary=summary[:2000],
        recommended_action=record.recommended_action if record else None,
        first_at=now, last_at=now,
    )  # fmt: skip
    session.add(alert)
    session.flush()
    return alert


class AlertEngine:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self.db = db
        self.notifier = notifier

    @classmethod
    def from_settings(cls, db: Database, config: NotifierConfig | None = None) -> AlertEngine:
        return cls(db, Notifier(config or NotifierConfig()))

    def _notify(self, rule: AlertRule, alert: Alert) -> Callable[[], None]:
        notice = AlertNotice(alert.id, rule.name, alert.summary, alert.severity, alert.event_id,
                             alert.asset_id, alert.recommended_action, alert.first_at)  # fmt: skip
        emails, url, secret = list(rule.email_to), rule.webhook_url, rule.webhook_secret
        forward = rule.syslog_forward

        def send() -> None:
            channels: list[tuple[str, Callable[[], None]]] = []
            if emails:
                channels.append(("email", lambda: self.notifier.email(emails, notice)))
            if url:
                channels.append(
                    ("webhook", lambda: self.notifier.webhook(url, secret or "", notice))
                )
            if forward:
                channels.append(("syslog", lambda: self.notifier.syslog(notice)))
            for channel, action in channels:
                try:
                    action()
                except Exception:
                    log.exception("alert %d: %s notification failed", notice.alert_id, channel)

        return send

    def after_insert(
        self, session: Session, inserted: list[tuple[int, DeviceEventRecord]]
    ) -> list[Callable[[], None]]:
        if not inserted:
            return []
        org = inserted[0][1].organization_id
        rules = session.execute(
            select(AlertRule).where(AlertRule.organization_id == org, AlertRule.enabled,
                                    AlertRule.kind != "silence")
        ).scalars().all()  # fmt: skip
        actions: list[Callable[[], None]] = []
        for row_id, record in inserted:
            for rule in rules:
                if not _matches(rule, record):
                    continue
                where = f"asset {record.asset_id}" if record.asset_id else record.source_address
                if rule.kind == "rate":
                    since = record.received_at - dt.timedelta(minutes=rule.window_minutes or 1)
                    stmt = select(func.count(DeviceEvent.id)).where(
                        DeviceEvent.organization_id == org, DeviceEvent.received_at >= since,
                        DeviceEvent.received_at <= record.received_at,
                        DeviceEvent.asset_id == record.asset_id if record.asset_id
                        else DeviceEvent.source_address == record.source_address,
                    )  # fmt: skip
                    if rule.event_ids:
                        stmt = stmt.where(DeviceEvent.event_id.in_(rule.event_ids))
                    if rule.max_severity is not None:
                        stmt = stmt.where(DeviceEvent.severity <= rule.max_severity)
                    count = session.execute(stmt).scalar_one()
                    if count < (rule.threshold or 1):
                        continue
                    key = f"{rule.id}:{record.asset_id or record.source_address}"
                    summary = (f"{count} events within {rule.window_minutes} min from {where} "
                               f"({rule.name})")  # fmt: skip
                else:
                    key = f"{rule.id}:{record.asset_id or record.source_address}:{record.event_id}"
                    summary = f"{record.event_id} from {where}: {record.description or record.msg}"
                alert = _raise(session, org, rule, key, summary, asset_id=record.asset_id,
                               event_row=row_id, record=record)  # fmt: skip
                if alert is not None:
                    actions.append(self._notify(rule, alert))
        return actions

    def check_silence(self, organization_id: int, now: dt.datetime | None = None) -> int:
        """Raise silence alerts; how many were opened."""
        now = now or utcnow()
        opened: list[Callable[[], None]] = []
        with self.db.session() as session:
            rules = session.execute(
                select(AlertRule).where(AlertRule.organization_id == organization_id,
                                        AlertRule.enabled, AlertRule.kind == "silence")
            ).scalars().all()  # fmt: skip
            for rule in rules:
                stmt = select(DeviceEvent.asset_id, func.max(DeviceEvent.received_at)).where(
                    DeviceEvent.organization_id == organization_id,
                    DeviceEvent.asset_id.is_not(None),
                ).group_by(DeviceEvent.asset_id)  # fmt: skip
                if rule.asset_id is not None:
                    stmt = stmt.where(DeviceEvent.asset_id == rule.asset_id)
                last = dict(session.execute(stmt).tuples().all())
                if rule.asset_id is not None and rule.asset_id not in last:
                    last[rule.asset_id] = rule.created_at
                limit = dt.timedelta(minutes=rule.window_minutes or 1)
                for asset_id, at in sorted(last.items(), key=lambda kv: kv[0] or 0):
                    if at is None or now - at < limit:
                        continue
                    summary = (f"no message from asset {asset_id} for {rule.window_minutes} min "
                               f"(last: {at:%Y-%m-%d %H:%M} UTC; {rule.name})")  # fmt: skip
                    alert = _raise(session, organization_id, rule, f"{rule.id}:{asset_id}",
                                   summary, asset_id=asset_id, now=now)  # fmt: skip
                    if alert is not None:
                        opened.append(self._notify(rule, alert))
        for send in opened:
            send()
        return len(opened)

    def record_drops(self, organization_id: int, dropped: int) -> None:
        with self.db.session() as session:
            _raise(session, organization_id, None, DROPS_KEY,
                   f"the syslog listener dropped {dropped} UDP datagrams (queue full)")  # fmt: skip

    def periodic(self, listener: DatabaseListener) -> None:
        self.check_silence(listener.organization_id)
        dropped = listener.intake.stats.dropped
        if dropped > listener.reported_drops:
            self.record_drops(listener.organization_id, dropped)
            listener.reported_drops = dropped


def acknowledge(session: Session, alert: Alert, username: str) -> None:
    if alert.status == "open":
        alert.status = "acknowledged"
        alert.acknowledged_by = username
        alert.acknowledged_at = utcnow()


def open_alerts(session: Session, organization_id: int) -> Sequence[Alert]:
    stmt = select(Alert).where(Alert.organization_id == organization_id)
    return session.execute(stmt.order_by(Alert.status.desc(), Alert.last_at.desc())).scalars().all()
