"""Deduplication of alerts, guaranteed by the database.

At most one alert per ``(organization_id, dedup_key)`` is open: a partial unique index
(``uq_alerts_open_dedup_key``, ``WHERE status = 'open'``) on PostgreSQL and SQLite. Several
listener processes evaluate the rules at once (``--reuse-port``), so two may find no open
alert for a key and both try to open one; the index lets exactly one insert succeed. The
other's insert (``ON CONFLICT … DO NOTHING``) returns nothing, and its matches are counted
into the alert that won, with an atomic ``UPDATE … SET count = count + n`` (never a
read-modify-write of ``count``, which two writers would lose). If that alert was
acknowledged in the meantime the ``UPDATE`` finds nothing and the insert is tried again:
the matches open a new alert, as after any acknowledgement.

A :class:`Raiser` does this for one batch: one query for the open alerts of all the
batch's keys, the matches gathered per key, one ``UPDATE … RETURNING`` counting into all
the alerts that were open, and an insert per key that had none.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from medsec.db.base import UtcDateTime, utcnow
from medsec.monitoring import delivery
from medsec.monitoring.models import OPEN, Alert, AlertRule
from medsec.monitoring.records import DeviceEventRecord

log = logging.getLogger(__name__)
#: Insert, find it taken, count into it, find that acknowledged, insert again …: a key
#: that keeps changing hands this often between two statements is given up (logged).
ATTEMPTS = 5


def _open_keys(session: Session, organization_id: int, keys: set[str]) -> set[str]:
    """The keys among ``keys`` with an open alert (one query)."""
    if not keys:
        return set()
    found = session.execute(
        select(Alert.dedup_key).where(Alert.organization_id == organization_id,
                                      Alert.status == "open",
                                      Alert.dedup_key.in_(sorted(keys)))
    ).scalars()  # fmt: skip
    return set(found)


def _insert_open(session: Session) -> Any:
    """``INSERT INTO alerts … ON CONFLICT (organization_id, dedup_key) WHERE status =
    'open' DO NOTHING RETURNING alerts``, as an ORM statement."""
    name = session.get_bind().dialect.name
    dialect: Any = postgresql if name == "postgresql" else sqlite if name == "sqlite" else None
    if dialect is None:  # pragma: no cover — only the two supported databases
        return insert(Alert).returning(Alert)
    return (
        dialect.insert(Alert)
        .on_conflict_do_nothing(index_elements=["organization_id", "dedup_key"],
                                index_where=OPEN)
        .returning(Alert)
    )  # fmt: skip


@dataclass
class _Matches:
    """The matches of one key in a batch: the first one's alert, and how many more."""

    rule: AlertRule | None
    values: dict[str, Any]
    count: int
    last_at: dt.datetime
    #: An alert with the key was open when the batch began.
    was_open: bool


class Raiser:
    """Open alerts, or count into the open one with the same key, for one batch."""

    def __init__(self, session: Session, organization_id: int, keys: set[str]) -> None:
        self.session = session
        self.organization_id = organization_id
        self.open = _open_keys(session, organization_id, keys)
        self.matches: dict[str, _Matches] = {}
        #: The alerts this batch opened (after :meth:`finish`).
        self.opened: list[tuple[AlertRule | None, Alert]] = []

    def raise_(
        self, rule: AlertRule | None, key: str, summary: str, *, asset_id: int | None = None,
        event_row: int | None = None, record: DeviceEventRecord | None = None,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        now = now or utcnow()
        found = self.matches.get(key)
        if found is not None:
            found.count += 1
            found.last_at = max(found.last_at, now)
            return
        values = {
            "organization_id": self.organization_id, "rule_id": rule.id if rule else None,
            "dedup_key": key, "status": "open", "asset_id": asset_id,
            "device_event_id": event_row, "event_id": record.event_id if record else None,
            "severity": record.severity if record else None, "summary": summary[:2000],
            "recommended_action": record.recommended_action if record else None,
            "first_at": now,
        }  # fmt: skip
        self.matches[key] = _Matches(rule, values, 1, now, key in self.open)

    def _count_into_open(self, matches: dict[str, _Matches]) -> set[str]:
        """Add the matches of each key to its open alert (one statement); the keys that
        had one."""
        if not matches:
            return set()
        counts = {key: m.count for key, m in matches.items()}
        # Typed as the column, so the times are bound as it binds them (UTC).
        lasts = {key: literal(m.last_at, UtcDateTime()) for key, m in matches.items()}
        later = case(lasts, value=Alert.dedup_key)
        stmt = (
            update(Alert)
            .where(Alert.organization_id == self.organization_id, Alert.status == "open",
                   Alert.dedup_key.in_(sorted(matches)))
            .values(count=Alert.count + case(counts, value=Alert.dedup_key),
                    last_at=case((Alert.last_at < later, later), else_=Alert.last_at))
            .returning(Alert.dedup_key)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        return set(self.session.execute(stmt).scalars())

    def _open(self, matches: _Matches) -> Alert | None:
        """Open the alert; ``None`` when another writer holds an open one with the key."""
        values = {**matches.values, "count": matches.count, "last_at": matches.last_at}
        return self.session.scalars(_insert_open(self.session).values(**values)).first()

    def _store(self, key: str, matches: _Matches) -> None:
        for _ in range(ATTEMPTS):
            alert = self._open(matches)
            if alert is not None:
                self.opened.append((matches.rule, alert))
                return
            if self._count_into_open({key: matches}):
                return
        log.warning("alert %s changed hands %d times; %d matches not counted",
                    key, ATTEMPTS, matches.count)  # fmt: skip

    def finish(self) -> list[int]:
        """Write the batch's alerts and plan the new ones' deliveries; the deliveries' ids."""
        # In key order: two writers taking the same keys' index entries in one order
        # wait for each other instead of deadlocking.
        was_open = {k: m for k, m in sorted(self.matches.items()) if m.was_open}
        counted = self._count_into_open(was_open)
        for key in sorted(self.matches):
            if key not in counted:
                self._store(key, self.matches[key])
        planned = [d for rule, alert in self.opened if rule is not None
                   for d in delivery.plan(self.session, rule, alert)]  # fmt: skip
        if planned:
            self.session.flush()
        return [d.id for d in planned]
