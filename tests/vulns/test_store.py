"""The vulnerability store: migration 0002, idempotent re-import, updates, withdrawal,
all-or-nothing imports (SQLite, migrated with Alembic like a real instance)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, make_url, select, text
from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.db import migrate
from medsec.db.engine import Database
from medsec.errors import Error
from medsec.vulns.matcher import MatchStatus, match
from medsec.vulns.models import KevEntryRow, VulnAffected, VulnRecord
from medsec.vulns.packages import Package
from medsec.vulns.sources.kev import KevCatalog
from medsec.vulns.sources.osv import read_records
from medsec.vulns.store import import_kev, import_osv, load_index


def osv(
    id: str, fixed: str, modified: str = "2024-01-01T00:00:00Z", **extra: Any
) -> dict[str, Any]:
    return {
        "id": id,
        "modified": modified,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
        **extra,
    }


def _postgres() -> Iterator[str]:
    base = os.environ.get("MEDSEC_TEST_DATABASE_URL")
    if not base:
        reason = "MEDSEC_TEST_DATABASE_URL is not set (a PostgreSQL URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true: the PostgreSQL tests must run in CI")
        pytest.skip(reason)
    name = f"medsec_vulns_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'medsec.db'}"
        migrate.upgrade(url)
        yield url
        return
    for url in _postgres():
        migrate.upgrade(url)
        yield url


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = Database(url)
    yield database
    database.dispose()


def write(dir: Path, *records: dict[str, Any]) -> Path:
    dir.mkdir(exist_ok=True)
    for r in records:
        (dir / f"{r['id']}.json").write_text(json.dumps(r))
    return dir


def affected_ids(db: Database, version: str) -> list[str]:
    with db.session() as s:
        index = load_index(s)
    return [
        m.record_id
        for m in match(index, Package(ecosystem="PyPI", name="foo-bar", version=version))
        if m.status is MatchStatus.AFFECTED
    ]


def test_import_is_idempotent_and_newer_records_replace_older(db: Database, tmp_path: Path) -> None:
    src = write(tmp_path / "v1", osv("PYSEC-1", "1.0"), osv("PYSEC-2", "2.0"))
    with db.session() as s:
        assert import_osv(s, list(read_records(src))).added == 2
    with db.session() as s:
        result = import_osv(s, list(read_records(src)))
    assert (result.added, result.updated, result.unchanged) == (0, 0, 2)
    assert affected_ids(db, "1.5") == ["PYSEC-2"]
    newer = write(tmp_path / "v2", osv("PYSEC-2", "1.2", modified="2024-02-01T00:00:00Z"))
    with db.session() as s:
        assert import_osv(s, list(read_records(newer))).updated == 1
    assert affected_ids(db, "1.5") == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(VulnAffected)) == 2  # no leftovers


def test_a_withdrawn_record_is_kept_but_stops_matching(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        import_osv(s, list(read_records(write(tmp_path / "a", osv("PYSEC-1", "1.0")))))
    gone = osv("PYSEC-1", "1.0", modified="2024-03-01T00:00:00Z", withdrawn="2024-03-01T00:00:00Z")
    with db.session() as s:
        assert import_osv(s, list(read_records(write(tmp_path / "b", gone)))).withdrawn == 1
    assert affected_ids(db, "0.5") == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(VulnRecord)) == 1


def test_a_bad_record_imports_nothing(
    url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write(tmp_path / "src", osv("PYSEC-1", "1.0"))
    (src / "PYSEC-9.json").write_text(json.dumps({"id": "PYSEC-9", "modified": "yesterday"}))
    monkeypatch.setenv("MEDSEC_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["vulns", "import", "osv", str(src)])
    assert result.exit_code == 1
    assert "PYSEC-9.json: /modified" in result.stderr
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(VulnRecord)) == 0


def test_an_error_inside_the_transaction_rolls_the_import_back(
    db: Database, tmp_path: Path
) -> None:
    records = list(read_records(write(tmp_path / "src", osv("PYSEC-1", "1.0"))))
    with pytest.raises(Error), db.session() as s:
        import_osv(s, records)
        raise Error("the disk is full")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(VulnRecord)) == 0


def test_the_cli_import_reports_counts(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write(tmp_path / "src", osv("PYSEC-1", "1.0"))
    monkeypatch.setenv("MEDSEC_DATABASE_URL", url)
    first = CliRunner().invoke(app, ["vulns", "import", "osv", str(src), "--format", "json"])
    again = CliRunner().invoke(app, ["vulns", "import", "osv", str(src), "--format", "json"])
    assert json.loads(first.stdout)["added"] == 1
    assert json.loads(again.stdout)["unchanged"] == 1


def _kev(*ids: str) -> KevCatalog:
    return KevCatalog.model_validate(
        {
            "catalogVersion": "1",
            "dateReleased": "2024-01-01T00:00:00Z",
            "count": len(ids),
            "vulnerabilities": [
                {
                    "cveID": i,
                    "vendorProject": "Acme",
                    "product": "Pump",
                    "vulnerabilityName": "x",
                    "dateAdded": "2024-01-01",
                    "shortDescription": "x",
                    "requiredAction": "Update",
                    "dueDate": "2024-02-01",
                }
                for i in ids
            ],
        }
    )


def test_kev_import_replaces_the_catalog(db: Database) -> None:
    with db.session() as s:
        assert import_kev(s, _kev("CVE-2024-0001", "CVE-2024-0002")).added == 2
    with db.session() as s:
        result = import_kev(s, _kev("CVE-2024-0002", "CVE-2024-0003"))
    assert (result.added, result.unchanged) == (1, 1)
    with db.session() as s:
        assert sorted(s.scalars(select(KevEntryRow.cve_id))) == ["CVE-2024-0002", "CVE-2024-0003"]


def test_the_migration_downgrades_cleanly(url: str) -> None:
    from alembic import command

    command.downgrade(migrate.alembic_config(url), "0001")
    command.upgrade(migrate.alembic_config(url), "head")
