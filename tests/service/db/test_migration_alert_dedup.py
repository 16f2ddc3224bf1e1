"""Migration 0022 (one open alert per key): open duplicates that concurrent listeners left
behind are folded into the oldest before the unique index is built, so the upgrade
succeeds on a database that has them and keeps every match counted."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from medsec.db import migrate
from medsec.db.engine import make_engine
from medsec.monitoring.models import Alert

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_open_duplicates_are_folded_into_the_oldest(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, "0015")
    engine = make_engine(empty_database_url)
    try:
        tables = sa.MetaData()
        tables.reflect(engine, only=["organizations", "alerts"])
        organizations, alerts = tables.tables["organizations"], tables.tables["alerts"]

        def alert(key: str, status: str, count: int, minutes: int) -> dict[str, object]:
            at = AT + dt.timedelta(minutes=minutes)
            return {"organization_id": 1, "dedup_key": key, "status": status, "count": count,
                    "summary": key, "first_at": at, "last_at": at, "notified": []}  # fmt: skip

        with engine.begin() as connection:
            connection.execute(organizations.insert(), {
                "id": 1, "name": "Clinic", "kind": "healthcare-provider",
                "mfa_required_roles": [], "created_at": AT,
            })  # fmt: skip
            connection.execute(alerts.insert(), [
                alert("1:7", "open", 2, 0), alert("1:7", "open", 3, 5),
                alert("1:7", "open", 1, 2), alert("1:7", "acknowledged", 9, -10),
                alert("1:8", "open", 4, 1),
            ])  # fmt: skip
        migrate.upgrade(empty_database_url)
        with Session(engine) as session:
            found = session.execute(sa.select(Alert).order_by(Alert.id)).scalars().all()
            rows = [(a.dedup_key, a.status, a.count, a.last_at, a.acknowledged_by) for a in found]
    finally:
        engine.dispose()
    five = AT + dt.timedelta(minutes=5)
    assert rows == [
        ("1:7", "open", 6, five, None),
        ("1:7", "acknowledged", 3, five, "migration 0022"),
        ("1:7", "acknowledged", 1, AT + dt.timedelta(minutes=2), "migration 0022"),
        ("1:7", "acknowledged", 9, AT - dt.timedelta(minutes=10), None),
        ("1:8", "open", 4, AT + dt.timedelta(minutes=1), None),
    ]
