"""Engines and sessions. ``Database`` is built from settings by the app factory or the CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from medsec.errors import ConfigurationError, Error

#: Connections per process: at most POOL_SIZE + POOL_OVERFLOW, more than the requests the
#: app admits at once (medsec.app.MAX_CONCURRENT_REQUESTS). The pool keeps POOL_SIZE open,
#: as many as the admitted requests: an overflow connection is closed when it comes back,
#: so with fewer kept (10) a loaded process opened and closed PostgreSQL connections — a
#: new backend each — all the time (about 200 in 8 s of the benchmark's authenticated list).
POOL_SIZE = 32
POOL_OVERFLOW = 8

#: A pooled PostgreSQL connection that has been idle longer than this is tested (one
#: round trip) before it is handed out; one used more recently is not.
PING_AFTER_IDLE_SECONDS = 10.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use if it has sat idle (the server may have
    restarted or dropped it meanwhile); a dead one is replaced.

    SQLAlchemy's ``pool_pre_ping`` tests every checkout: under load that was one round
    trip in five of an API request's, for connections used milliseconds before
    (benchmark P6). This is SQLAlchemy's documented checkout-event form of the same
    check, limited to connections idle for :data:`PING_AFTER_IDLE_SECONDS`: raising
    ``DisconnectionError`` makes the pool discard the connection and try a new one."""

    def returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["returned_at"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return  # just opened, or in use moments ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as e:
            raise exc.DisconnectionError(f"pooled connection is dead: {e}") from e
        if not alive:
            raise exc.DisconnectionError("pooled connection is dead")

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checked_out)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///…`` or ``postgresql+psycopg://…``)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        path = make_url(url).database
        file_based = bool(path) and path != ":memory:" and "mode=memory" not in url
        if file_based and path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW} if file_based else {}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql+psycopg://"):
        engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        _ping_when_idle(engine)
        return engine
    raise ConfigurationError(
        f"unsupported database URL scheme in {url.split(':', 1)[0]!r}",
        hint="use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB in MEDSEC_DATABASE_URL",
    )


class UnstorableValue(Error):
    """The database refused a value it was given (a NUL character in text for
    PostgreSQL, an integer beyond its column): the input was bad."""

    kind = "invalid-value"
    status = 422
    title = "A value in the request cannot be stored"

    def __init__(self) -> None:
        super().__init__(
            "a value in the request cannot be stored (out of range, or it holds a NUL character)"
        )


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on any error —
        except an :class:`Error` marked ``keep_changes`` (a failed login's counter and
        audit event must be stored), whose transaction is committed before it propagates."""
        with self.sessions() as session:
            session.begin()
            try:
                yield session
            except Error as e:
                if e.keep_changes:
                    session.commit()
                else:
                    session.rollback()
                raise
            except BaseException:
                session.rollback()
                raise
            else:
                session.commit()

    def dispose(self) -> None:
        self.engine.dispose()
