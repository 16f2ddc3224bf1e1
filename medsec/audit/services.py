"""Record, search and verify audit events.

Each event's ``hash`` is SHA-256 over a canonical JSON of its fields and the previous
event's hash (genesis: 64 zeros). :func:`verify` recomputes the chain and names the first
row that was altered, removed or inserted; :class:`AuditHead` catches rows cut off the end.

>>> canonical({"b": 1, "a": [2, "é"]})
b'{"a":[2,"\\\\u00e9"],"b":1}'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from medsec.audit.models import AuditEvent, AuditHead
from medsec.audit.tags import Outcome, Tag
from medsec.db.base import utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class Context:
    """Who did it and from where; passed from the route or CLI into services."""

    actor_id: int | None = None
    actor: str | None = None
    organization_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def cli(cls, who: str = "cli") -> Context:
        return cls(actor=who, ip="local")


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(event: AuditEvent) -> str:
    body = {
        "seq": event.seq,
        "at": _timestamp(event.at),
        "tag": event.tag,
        "outcome": event.outcome,
        "actor_id": event.actor_id,
        "actor": event.actor,
        "organization_id": event.organization_id,
        "target": event.target,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def _head(session: Session) -> AuditHead:
    """The chain head, locked for this transaction (row lock on PostgreSQL; SQLite
    serialises writers anyway). Created on first use."""
    locked = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    head = session.execute(locked).scalar_one_or_none()
    if head is None:
        # Several first writers may race here: the insert that loses waits for the winner
        # and does nothing, then every writer locks the one head row.
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        session.execute(
            insert(AuditHead)
            .values(id=1, last_seq=0, last_hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = session.execute(locked.execution_options(populate_existing=True)).scalar_one()
    # Take SQLite's write lock now, so two writers cannot read the same head.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq))
    session.refresh(head)
    return head


def record(
    session: Session,
    tag: Tag,
    context: Context,
    *,
    outcome: Outcome = Outcome.SUCCESS,
    target: str | None = None,
    organization_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction."""
    head = _head(session)
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=utcnow(),
        tag=str(tag),
        outcome=str(outcome),
        actor_id=context.actor_id,
        actor=context.actor,
        organization_id=organization_id if organization_id is not None else context.organization_id,
        target=target,
        ip=context.ip,
        user_agent=context.user_agent[:400] if context.user_agent else None,
        details=json.loads(canonical(details or {})),
        prev_hash=head.last_hash,
    )
    event.hash = row_hash(event)
    session.add(event)
    head.last_seq = event.seq
    head.last_hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None and self.problem is None


def verify(session: Session, batch: int = 5000) -> VerifyReport:
    """Recompute the chain; report the first row that breaks it."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for event in rows:
            checked += 1
            if event.seq != expected_seq:
                return VerifyReport(
                    checked,
                    event.seq,
                    f"row {expected_seq} is missing (next row is {event.seq}): rows were removed",
                )
            if event.prev_hash != expected_prev:
                return VerifyReport(
                    checked,
                    event.seq,
                    f"row {event.seq} does not follow row {event.seq - 1}: "
                    "a row was inserted, removed or re-chained",
                )
            if row_hash(event) != event.hash:
                return VerifyReport(
                    checked, event.seq, f"row {event.seq} ({event.tag}) was altered"
                )
            expected_prev = event.hash
            expected_seq += 1
            last = event.seq
        session.expunge_all()
    return _check_head(session, checked, expected_seq - 1, expected_prev)


def _check_head(session: Session, checked: int, last_seq: int, last_hash: str) -> VerifyReport:
    """Compare the end of the chain with the head, which every append updates."""
    head = session.get(AuditHead, 1)
    if head is None:
        if last_seq == 0:
            return VerifyReport(checked)
        return VerifyReport(
            checked,
            last_seq + 1,
            "the chain head is missing: it was "
            "deleted, and rows may have been removed from the end",
        )
    if head.last_seq < last_seq:
        return VerifyReport(
            checked,
            head.last_seq + 1,
            f"row {head.last_seq + 1} was inserted: the head records row {head.last_seq} as "
            f"the last, but the chain goes on to row {last_seq}",
        )
    if head.last_seq > last_seq:
        return VerifyReport(
            checked,
            last_seq + 1,
            f"the chain ends at row {last_seq} but the head records row {head.last_seq}: "
            "rows were removed from the end",
        )
    if head.last_hash != last_hash:
        return VerifyReport(
            checked,
            last_seq,
            f"row {last_seq} was replaced: its hash is not the one the head records",
        )
    return VerifyReport(checked)


@dataclass(frozen=True)
class AuditQuery:
    organization_id: int | None
    """None only for instance-wide views (CLI, verify); services always pass one."""
    tag_prefix: str | None = None
    actor: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _filtered(query: AuditQuery) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if query.organization_id is not None:
        stmt = stmt.where(AuditEvent.organization_id == query.organization_id)
    if query.tag_prefix:
        stmt = stmt.where(AuditEvent.tag.startswith(query.tag_prefix, autoescape=True))
    if query.actor:
        stmt = stmt.where(AuditEvent.actor == query.actor)
    if query.outcome:
        stmt = stmt.where(AuditEvent.outcome == query.outcome)
    if query.since:
        stmt = stmt.where(AuditEvent.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEvent.at < query.until)
    return stmt


def search(
    session: Session, query: AuditQuery, *, offset: int = 0, limit: int = 50
) -> tuple[Sequence[AuditEvent], int]:
    stmt = _filtered(query)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = (
        session.execute(stmt.order_by(AuditEvent.seq.desc()).offset(offset).limit(limit))
        .scalars()
        .all()
    )
    return rows, total


def iter_events(session: Session, query: AuditQuery, batch: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            session.execute(
                _filtered(query).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def as_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": _timestamp(event.at),
        "tag": event.tag,
        "outcome": event.outcome,
        "actor_id": event.actor_id,
        "actor": event.actor,
        "organization_id": event.organization_id,
        "target": event.target,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.details,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
