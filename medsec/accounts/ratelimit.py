"""Sliding-window rate limits and their counters, stored in the application database.

Written here rather than with pyrate-limiter's database buckets: those keep one table per
bucket and open their own connections (a sqlite3 file, a psycopg pool), whereas medsec
needs per-IP and per-account keys on SQLite and PostgreSQL inside the request's own
transaction. One indexed table and two queries do that.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from medsec.accounts.models import RateLimitHit
from medsec.db.base import utcnow
from medsec.errors import RateLimited


def hit(session: Session, key: str, *, limit: int, window: dt.timedelta) -> None:
    """Count one attempt for ``key``; raise :class:`RateLimited` past ``limit`` per ``window``."""
    now = utcnow()
    since = now - window
    count = session.execute(
        select(func.count()).where(RateLimitHit.key == key, RateLimitHit.at >= since)
    ).scalar_one()
    if count >= limit:
        raise RateLimited(
            "too many attempts; wait a minute and try again",
            hint=f"at most {limit} attempts per {int(window.total_seconds())} s",
        )
    session.add(RateLimitHit(key=key, at=now))


def prune(session: Session, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    result = session.execute(delete(RateLimitHit).where(RateLimitHit.at < utcnow() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
