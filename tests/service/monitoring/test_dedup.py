"""Regression: two listener processes (``--reuse-port``) evaluating the same rule at once
opened two alerts for one key, and each notified. The partial unique index on open
alerts' (organization, dedup_key) lets one insert win; the other writer counts into it.

The writers are real threads with their own connections and transactions. A barrier
holds each one's first ``INSERT INTO alerts`` until both have looked for an open alert
and found none — the interleaving that raced, made certain instead of likely.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from medsec.monitoring import services
from medsec.monitoring.alerts import AlertEngine
from medsec.monitoring.models import Alert, AlertDelivery
from medsec.monitoring.notify import Notifier, NotifierConfig
from medsec.monitoring.schemas import AlertRuleIn
from medsec.monitoring.store import DatabaseStore

AUTH_FAIL = ('<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 AUTH-FAIL [northwind@55555 '
             'serial="NW123"] service login failed for user tech')  # fmt: skip


@contextmanager
def alert_inserts_held_until_both_arrive(engine: Engine) -> Iterator[None]:
    """Each thread's first ``INSERT INTO alerts`` waits until the other's arrives too."""
    barrier = threading.Barrier(2, timeout=30)
    waited = threading.local()

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().startswith("INSERT INTO alerts") and not getattr(
            waited, "done", False
        ):
            waited.done = True
            barrier.wait()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def concurrently(*work: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = work[i]()
        except BaseException as e:  # re-raised in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return results


def rule(ward: Any, **values: Any) -> int:
    with ward.instance.db.session() as session:
        data = AlertRuleIn(name="r", email_to=["soc@h.example"], **values)
        return services.create_rule(session, ward.admin, data).id


def open_alerts_and_deliveries(ward: Any) -> tuple[list[Alert], int]:
    with ward.instance.db.session() as session:
        found = session.execute(select(Alert).where(Alert.status == "open")).scalars().all()
        deliveries = session.execute(select(AlertDelivery)).scalars().all()
        return list(found), len(deliveries)


def test_two_silence_checks_at_once_open_one_alert_and_count_both(ward: Any) -> None:
    """Every listener runs the silence check every few seconds (SQLite and PostgreSQL)."""
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))
    rule(ward, kind="silence", window_minutes=30, asset_id=ward.asset_id)
    (record,) = ward.store(AUTH_FAIL)
    later = record.received_at + dt.timedelta(minutes=31)
    org = ward.admin.organization_id
    with alert_inserts_held_until_both_arrive(ward.instance.db.engine):
        opened = concurrently(lambda: engine.check_silence(org, later),
                              lambda: engine.check_silence(org, later))  # fmt: skip
    assert sorted(opened) == [0, 1]
    (alert,), deliveries = open_alerts_and_deliveries(ward)
    assert (alert.count, alert.asset_id, alert.last_at) == (2, ward.asset_id, later)
    assert deliveries == 1  # one email planned, not one per listener
    assert engine.check_silence(org, later + dt.timedelta(minutes=10)) == 0
    (alert,), deliveries = open_alerts_and_deliveries(ward)
    assert (alert.count, alert.first_at, alert.last_at) == (
        3, later, later + dt.timedelta(minutes=10))  # fmt: skip


@pytest.mark.parametrize("database_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_listeners_storing_matches_of_one_key_at_once_keep_one_alert(ward: Any) -> None:
    """Each listener evaluates the rules per batch in its insert's transaction; on
    PostgreSQL they really run at once (SQLite serialises the batches on its write lock)."""
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))
    rule(ward, kind="event", event_ids=["AUTH-FAIL"])
    first, second = (ward.records(AUTH_FAIL, AUTH_FAIL, AUTH_FAIL) for _ in range(2))
    stores = [DatabaseStore(ward.instance.db, [engine.after_insert]) for _ in range(2)]
    with alert_inserts_held_until_both_arrive(ward.instance.db.engine):
        concurrently(lambda: stores[0].insert(first), lambda: stores[1].insert(second))
    (alert,), deliveries = open_alerts_and_deliveries(ward)
    assert (alert.event_id, alert.count) == ("AUTH-FAIL", 6)
    assert deliveries == 1


def test_a_match_after_acknowledgement_opens_a_new_alert_beside_the_closed_one(
    ward: Any,
) -> None:
    """The unique index covers open alerts only: acknowledged ones keep their key."""
    engine = AlertEngine(ward.instance.db, Notifier(NotifierConfig()))
    store = DatabaseStore(ward.instance.db, [engine.after_insert])
    rule(ward, kind="event", event_ids=["AUTH-FAIL"])
    for _ in range(3):
        ward.store(AUTH_FAIL, AUTH_FAIL, store=store)
        (alert,), _ = open_alerts_and_deliveries(ward)
        assert alert.count == 2
        with ward.instance.db.session() as session:
            services.acknowledge(session, ward.admin, alert.id)
    with ward.instance.db.session() as session:
        keys = session.execute(select(Alert.dedup_key, Alert.status)).all()
    assert len(keys) == 3 and len({k for k, _ in keys}) == 1
    assert {s for _, s in keys} == {"acknowledged"}
