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
The database guarantees one open alert per key, also with several listener processes
evaluating rules at once (:mod:`medsec.monitoring.dedup`).
Each alert carries the catalog's recommended action of the event that raised it.

A new alert's notifications are delivery rows written in the same transaction
(:mod:`medsec.monitoring.delivery`); they are attempted after the batch's transaction
commits, and retried by the worker when they fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.db.base import utcnow
from medsec.db.engine import Database
from medsec.monitoring.dedup import Raiser
from medsec.monitoring.delivery import Deliverer, RetryPolicy
from medsec.monitoring.models import Alert, AlertRule, DeviceEvent
from medsec.monitoring.notify import Notifier, NotifierConfig
from medsec.monitoring.records import DeviceEventRecord

if TYPE_CHECKING:
    from medsec.monitoring.listener import DatabaseListener

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
    asset_id: int | None = None, now: dt.datetime | None = None,
) -> list[int]:  # fmt: skip
    raiser = Raiser(session, organization_id, {key})
    raiser.raise_(rule, key, summary, asset_id=asset_id, now=now)
    return raiser.finish()


def _where(record: DeviceEventRecord) -> str:
    return f"asset {record.asset_id}" if record.asset_id else str(record.source_address)


class AlertEngine:
    def __init__(self, db: Database, notifier: Notifier, retry: RetryPolicy | None = None) -> None:
        self.db = db
        self.notifier = notifier
        self.deliverer = Deliverer(db, notifier, retry)

    @classmethod
    def from_settings(
        cls, db: Database, config: NotifierConfig | None = None, retry: RetryPolicy | None = None
    ) -> AlertEngine:
        return cls(db, Notifier(config or NotifierConfig()), retry)

    def _send(self, delivery_ids: list[int]) -> list[Callable[[], None]]:
        if not delivery_ids:
            return []
        return [lambda: self._deliver_now(delivery_ids)]

    def _deliver_now(self, delivery_ids: list[int]) -> None:
        self.deliverer.deliver(delivery_ids)

    def _rate(self, session: Session, rule: AlertRule, record: DeviceEventRecord) -> int:
        since = record.received_at - dt.timedelta(minutes=rule.window_minutes or 1)
        stmt = select(func.count(DeviceEvent.id)).where(
            DeviceEvent.organization_id == record.organization_id,
            DeviceEvent.received_at >= since, DeviceEvent.received_at <= record.received_at,
            DeviceEvent.asset_id == record.asset_id if record.asset_id
            else DeviceEvent.source_address == record.source_address,
        )  # fmt: skip
        if rule.event_ids:
            stmt = stmt.where(DeviceEvent.event_id.in_(rule.event_ids))
        if rule.max_severity is not None:
            stmt = stmt.where(DeviceEvent.severity <= rule.max_severity)
        return int(session.execute(stmt).scalar_one())

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
        if not rules:
            return []
        # (rule, key, row, record): event and severity matches in order; for a rate rule
        # the last event per source, whose window is then counted once.
        matches: list[tuple[AlertRule, str, int, DeviceEventRecord]] = []
        rate_last: dict[tuple[int, str], tuple[AlertRule, int, DeviceEventRecord]] = {}
        for row_id, record in inserted:
            source = str(record.asset_id or record.source_address)
            for rule in rules:
                if not _matches(rule, record):
                    continue
                if rule.kind == "rate":
                    rate_last[(rule.id, source)] = (rule, row_id, record)
                else:
                    matches.append((rule, f"{rule.id}:{source}:{record.event_id}", row_id, record))
        rates: list[tuple[AlertRule, str, int, DeviceEventRecord, int]] = []
        for (rule_id, source), (rule, row_id, record) in rate_last.items():
            count = self._rate(session, rule, record)
            if count >= (rule.threshold or 1):
                rates.append((rule, f"{rule_id}:{source}", row_id, record, count))
        keys = {m[1] for m in matches} | {r[1] for r in rates}
        raiser = Raiser(session, org, keys)
        for rule, key, row_id, record in matches:
            summary = f"{record.event_id} from {_where(record)}: {record.description or record.msg}"
            raiser.raise_(rule, key, summary, asset_id=record.asset_id, event_row=row_id,
                          record=record, now=record.received_at)  # fmt: skip
        for rule, key, row_id, record, count in rates:
            summary = (f"{count} events within {rule.window_minutes} min from {_where(record)} "
                       f"({rule.name})")  # fmt: skip
            raiser.raise_(rule, key, summary, asset_id=record.asset_id, event_row=row_id,
                          record=record, now=record.received_at)  # fmt: skip
        return self._send(raiser.finish())

    def check_silence(self, organization_id: int, now: dt.datetime | None = None) -> int:
        """Raise silence alerts; how many were opened."""
        now = now or utcnow()
        with self.db.session() as session:
            rules = session.execute(
                select(AlertRule).where(AlertRule.organization_id == organization_id,
                                        AlertRule.enabled, AlertRule.kind == "silence")
            ).scalars().all()  # fmt: skip
            found: list[tuple[AlertRule, int, dt.datetime]] = []
            for rule in rules:
                stmt = select(DeviceEvent.asset_id, func.max(DeviceEvent.received_at)).where(
                    DeviceEvent.organization_id == organization_id,
                    DeviceEvent.asset_id.is_not(None),
                ).group_by(DeviceEvent.asset_id)  # fmt: skip
                if rule.asset_id is not None:
                    stmt = stmt.where(DeviceEvent.asset_id == rule.asset_id)
                last = dict(session.execute(stmt).all())
                if rule.asset_id is not None and rule.asset_id not in last:
                    last[rule.asset_id] = rule.created_at
                limit = dt.timedelta(minutes=rule.window_minutes or 1)
                for asset_id, at in sorted(last.items(), key=lambda kv: kv[0] or 0):
                    if at is not None and asset_id is not None and now - at >= limit:
                        found.append((rule, asset_id, at))
            raiser = Raiser(session, organization_id, {f"{r.id}:{a}" for r, a, _ in found})
            for rule, asset_id, at in found:
                summary = (f"no message from asset {asset_id} for {rule.window_minutes} min "
                           f"(last: {at:%Y-%m-%d %H:%M} UTC; {rule.name})")  # fmt: skip
                raiser.raise_(rule, f"{rule.id}:{asset_id}", summary, asset_id=asset_id, now=now)
            deliveries = raiser.finish()
            opened = len(raiser.opened)
        if deliveries:
            self._deliver_now(deliveries)
        return opened

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
