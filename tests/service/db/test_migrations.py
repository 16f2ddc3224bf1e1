"""Migrations: they build the schema from nothing, and they match the models.

If a model changes without a migration, ``test_models_match_migrations`` fails and
names the difference; write the migration with
``alembic -c … revision --autogenerate`` (see ``medsec/db/migrate.py``).
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from medsec.db import migrate
from medsec.db.engine import make_engine
from medsec.db.metadata import metadata


def test_upgrade_builds_every_table_on_an_empty_database(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        assert not migrate.is_current(engine)
        assert migrate.current_revision(engine) is None
        migrate.upgrade(empty_database_url)
        assert migrate.is_current(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables


def test_upgrade_twice_changes_nothing(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    migrate.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        assert migrate.is_current(engine)
    finally:
        engine.dispose()


def test_models_match_migrations(database_url: str) -> None:
    """Autogenerate against the migrated schema finds nothing: no forgotten migration."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == [], f"models and migrations differ: {differences}"


def test_head_is_a_single_revision() -> None:
    """Two migrations branching from one parent would leave two heads."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(migrate.MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; merge them"
