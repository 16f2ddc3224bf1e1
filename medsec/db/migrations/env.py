"""Alembic environment: batch mode (ALTER TABLE on SQLite), the URL from the config."""

from __future__ import annotations

from alembic import context

from medsec.db.engine import make_engine
from medsec.db.metadata import metadata
from medsec.errors import ConfigurationError

config = context.config


def include_name(name: str | None, type_: str, parents: object) -> bool:
    """huey keeps its queue tables (``huey_*``) in the same PostgreSQL database."""
    del parents
    return not (type_ == "table" and (name or "").startswith("huey_"))


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise ConfigurationError("alembic: sqlalchemy.url is not set")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
