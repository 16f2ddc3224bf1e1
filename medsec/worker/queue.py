"""The huey instance for a deployment, built from its settings.

SQLite deployments queue in ``data_dir/queue.db`` (a separate file, so queue traffic does
not contend for the application database's write lock); PostgreSQL deployments queue in
the application database (huey's ``huey_*`` tables, LISTEN/NOTIFY for wake-ups), which
every worker host already reaches.

>>> from pathlib import Path
>>> huey = build_huey(Settings(data_dir=Path("/tmp/medsec-doc")))
>>> type(huey).__name__, huey.storage.filename
('SqliteHuey', '/tmp/medsec-doc/queue.db')
"""

from __future__ import annotations

from typing import Any

from huey import PostgresHuey, SqliteHuey
from sqlalchemy.engine import make_url

from medsec.errors import ConfigurationError
from medsec.settings import Settings

QUEUE_NAME = "medsec"


def libpq_dsn(url: str) -> str:
    """A libpq connection URI from a SQLAlchemy URL (``postgresql+psycopg://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def build_huey(settings: Settings, *, immediate: bool = False) -> Any:
    """The huey instance (``SqliteHuey`` or ``PostgresHuey``). Results are not stored:
    nothing reads them, and they would pile up in the queue's storage."""
    url = settings.resolved_database_url()
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(
            QUEUE_NAME, filename=str(settings.data_dir / "queue.db"), results=False,
            utc=True, immediate=immediate, immediate_use_memory=False,
        )  # fmt: skip
    if backend == "postgresql":
        return PostgresHuey(
            QUEUE_NAME, dsn=libpq_dsn(url), results=False, utc=True, immediate=immediate,
            immediate_use_memory=False,
        )  # fmt: skip
    raise ConfigurationError(
        f"no job queue for database backend {backend!r}",
        hint="use SQLite or PostgreSQL in MEDSEC_DATABASE_URL",
    )
