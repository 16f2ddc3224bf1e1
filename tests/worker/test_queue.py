"""The job queue follows the database: SQLite file in the data directory, or PostgreSQL."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from huey import PostgresHuey, SqliteHuey
from huey import signals as huey_signals

from medsec.errors import ConfigurationError
from medsec.service import Instance
from medsec.settings import Settings
from medsec.worker import tasks
from medsec.worker.queue import build_huey, libpq_dsn

InstanceFactory = Callable[..., Instance]


def test_sqlite_deployments_queue_in_the_data_directory(tmp_path: Path) -> None:
    huey = build_huey(Settings(data_dir=tmp_path, _env_file=None))
    assert isinstance(huey, SqliteHuey)
    assert huey.storage.filename == str(tmp_path / "queue.db")
    assert huey.results is False


@pytest.mark.parametrize(
    ("url", "dsn"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:5432/medsec",
         "postgresql://postgres@127.0.0.1:5432/medsec"),
        ("postgresql://u:p%40ss@db.example:5433/m?sslmode=require",
         "postgresql://u:p%40ss@db.example:5433/m?sslmode=require"),
    ],
)  # fmt: skip
def test_libpq_dsn(url: str, dsn: str) -> None:
    assert libpq_dsn(url) == dsn


def test_other_databases_have_no_queue(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="mysql://x@y/z", _env_file=None)
    with pytest.raises(ConfigurationError, match="no job queue for database backend 'mysql'"):
        build_huey(settings)


@contextmanager
def running_consumer(huey: Any) -> Iterator[threading.Event]:
    """A real huey consumer (one worker thread) for the duration of the block; the event is
    set whenever a task completes. The consumer installs signal handlers on start: they are
    put back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    completed = threading.Event()
    huey.signal(huey_signals.SIGNAL_COMPLETE)(lambda signal, task: completed.set())
    consumer = huey.create_consumer(workers=1, periodic=False, worker_type="thread")
    consumer.start()
    try:
        yield completed
    finally:
        consumer.stop(graceful=True)
        for number, handler in saved.items():
            signal.signal(number, handler)


def test_a_real_consumer_on_sqlite_forwards_the_audit_log(
    make_instance: InstanceFactory, receiver: Any
) -> None:
    instance = make_instance(syslog_port=receiver.port)
    _record_events(instance, 3)
    huey = build_huey(instance.settings)
    registered = tasks.register(huey, instance)
    with running_consumer(huey) as completed:
        registered.forward_audit()
        assert completed.wait(30), "the forward task did not complete within 30 s"
    assert len(receiver.wait_for(3)) == 3


def test_a_real_consumer_on_postgresql_runs_jobs(
    make_instance: InstanceFactory, postgres_url: str, receiver: Any
) -> None:
    instance = make_instance(syslog_port=receiver.port, url=postgres_url)
    _record_events(instance, 2)
    huey = build_huey(instance.settings)
    assert isinstance(huey, PostgresHuey)
    registered = tasks.register(huey, instance)
    registered.forward_audit()
    assert huey.pending_count() == 1  # queued in PostgreSQL, not run yet
    with running_consumer(huey) as completed:
        assert completed.wait(30), "the forward task did not complete within 30 s"
    assert len(receiver.wait_for(2)) == 2
    assert huey.pending_count() == 0


def _record_events(instance: Instance, count: int) -> None:
    from medsec.audit.services import Context, record
    from medsec.audit.tags import Tag

    with instance.db.session() as session:
        for _ in range(count):
            record(session, Tag.LOGIN_SUCCEEDED, Context(actor="alice"))
