"""A backup from an older schema revision is loaded at its revision and migrated.

The test plays a future medsec: a copy of the migrations with one more revision (9999,
after the current head) that adds a column and changes data, which proves the backup's
rows went through the migration.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from medsec.accounts.models import Organization
from medsec.audit.services import Context, verify
from medsec.backup import services as backup
from medsec.backup.encryption import Identities, Recipients
from medsec.db import migrate
from medsec.service import Instance

InstanceFactory = Callable[..., Instance]
Populate = Callable[[Instance], Any]

HEAD = migrate.head_revision()
FUTURE = "9999"
REVISION_FUTURE = '''"""test: products get a family; organization names are marked

Revision ID: 9999
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("family", sa.String(80), nullable=False,
                                   server_default="unknown"))
    op.execute("UPDATE organizations SET name = name || ' (migrated)'")


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("family")
'''.replace("{head}", str(HEAD))


@pytest.fixture
def future_migrations(tmp_path: Path) -> Path:
    """The real migrations plus revision 9999."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / "9999_test_future.py").write_text(REVISION_FUTURE)
    return copy


@pytest.mark.parametrize("target_kind", ["sqlite", "postgresql"])
def test_older_backup_is_migrated_on_restore(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any,
    future_migrations: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
    target_kind: str,
) -> None:  # fmt: skip
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, Recipients((str(identity.to_public()),)), Context.cli())

    monkeypatch.setattr(migrate, "MIGRATIONS", future_migrations)
    url = request.getfixturevalue("postgres_url") if target_kind == "postgresql" else None
    target = make_instance("target", url=url, migrated=False)
    migrate.upgrade(target.db.url)
    assert migrate.current_revision(target.db.engine) == FUTURE

    report = backup.restore_backup(target, out, Identities((identity,)), Context.cli())

    assert report.migrated_from == HEAD
    assert report.manifest.alembic_revision == HEAD  # what the file said
    with target.db.session() as session:
        names = session.execute(select(Organization.name)).scalars().all()
        assert names == ["Hôpital Saint-Éloi (migrated)"]
        families = session.execute(text("SELECT family FROM products")).scalars().all()
        assert families == ["unknown"]
        assert verify(session).ok
    assert not [p for p in target.settings.data_dir.iterdir() if p.name.startswith(".restore-")]
