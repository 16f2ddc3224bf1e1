"""A pooled PostgreSQL connection is tested before use only when it has sat idle.

The server may drop a connection while it waits in the pool (a restart, an idle timeout):
one idle for longer than ``PING_AFTER_IDLE_SECONDS`` is tested and, if dead, replaced
before a request sees it. One used moments ago is handed out untested (the round trip
cost a fifth of an API request's); should it be dead, that one statement fails and the
pool starts over with new connections.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, exc, text

from medsec.db import engine as engine_module
from medsec.db.engine import make_engine

from ..conftest import admin_connection

pytestmark = pytest.mark.parametrize(
    "database_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)]
)


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    built = make_engine(empty_database_url)
    yield built
    built.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(engine: Engine, pid: int) -> None:
    """Drop the server side of a pooled connection, as a server restart would."""
    with admin_connection(engine.url.render_as_string(hide_password=False)) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_an_idle_connection_that_died_is_replaced_before_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(engine)
    _terminate(engine, first)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle

    assert _backend_pid(engine) != first  # no error: a new connection took its place


def test_a_connection_used_moments_ago_is_not_tested(engine: Engine) -> None:
    first = _backend_pid(engine)
    _terminate(engine, first)

    with pytest.raises(exc.OperationalError):
        _backend_pid(engine)  # handed out untested: the statement meets the dead connection
    assert _backend_pid(engine) != first  # the pool recovers at once
