"""Migrations 0004 (updates) and 0009 (update planning): each adds its tables and
removes them again on downgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from medsec.db import migrate
from medsec.db.engine import make_engine

TABLES = {"update_releases", "third_party_patches", "lifecycle_notices", "update_settings"}


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_removes_the_update_tables_and_upgrade_restores_them(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(empty_database_url)
    command.upgrade(config, "0004")
    assert TABLES <= tables(empty_database_url)

    command.downgrade(config, "0003")
    assert not TABLES & tables(empty_database_url)
    assert "profile_versions" in tables(empty_database_url)

    command.upgrade(config, "head")
    assert TABLES <= tables(empty_database_url)


PLANNING = {
    "maintenance_windows",
    "update_groups",
    "update_plans",
    "update_tasks",
    "update_task_events",
}


def test_migration_0009_adds_the_planning_tables_and_removes_them_on_downgrade(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(empty_database_url)
    command.upgrade(config, "head")
    assert PLANNING <= tables(empty_database_url)

    parent = ScriptDirectory.from_config(config).get_revision("0009").down_revision
    command.downgrade(config, str(parent))
    assert not PLANNING & tables(empty_database_url)
    assert {"assets", "update_releases"} <= tables(empty_database_url)

    command.upgrade(config, "head")
    assert PLANNING <= tables(empty_database_url)


def columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_migration_0020_adds_the_hardware_revision_of_assets_and_removes_it_on_downgrade(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(empty_database_url)
    command.upgrade(config, "head")
    assert "hardware_revision" in columns(empty_database_url, "assets")

    parent = ScriptDirectory.from_config(config).get_revision("0020").down_revision
    command.downgrade(config, str(parent))
    assert "hardware_revision" not in columns(empty_database_url, "assets")
    assert "serial" in columns(empty_database_url, "assets")

    command.upgrade(config, "head")
    assert "hardware_revision" in columns(empty_database_url, "assets")


def test_migration_0023_adds_the_configuration_of_assets_and_removes_it_on_downgrade(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(empty_database_url)
    command.upgrade(config, "head")
    assert "configuration" in columns(empty_database_url, "assets")

    parent = ScriptDirectory.from_config(config).get_revision("0023").down_revision
    command.downgrade(config, str(parent))
    assert "configuration" not in columns(empty_database_url, "assets")
    assert "hardware_revision" in columns(empty_database_url, "assets")

    command.upgrade(config, "head")
    assert "configuration" in columns(empty_database_url, "assets")
