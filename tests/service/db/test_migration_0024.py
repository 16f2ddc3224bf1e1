"""Migration 0024: a version's VEX bytes move from ``product_vex`` into ``vex_documents``
(the row of the same version and SHA-256, or a row of their own), and back on downgrade,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, inspect, select

from medsec.db import migrate
from medsec.db.engine import make_engine

WHEN = dt.datetime(2026, 3, 2, 9, 14, tzinfo=dt.UTC)
ATTACHED = b'{"@context": "https://openvex.dev/ns/v0.2.0", "statements": []}'
ONLY_IN_FEED = b'{"@context": "https://openvex.dev/ns/v0.2.0", "version": 2}'


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _seed(engine: Engine) -> int:
    """An organization, a product, two versions: one with its VEX in both tables, one
    with a product_vex row only."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as c:
        org = c.execute(
            tables.tables["organizations"]
            .insert()
            .values(name="Northwind", kind="manufacturer", mfa_required_roles=[], created_at=WHEN)
        ).inserted_primary_key[0]
        product = c.execute(
            tables.tables["products"]
            .insert()
            .values(organization_id=org, name="LVP", manufacturer="Northwind", created_at=WHEN)
        ).inserted_primary_key[0]
        versions = [
            c.execute(
                tables.tables["profile_versions"]
                .insert()
                .values(
                    product_id=product,
                    version=v,
                    status="published",
                    filename="p.yaml",
                    source="psp_version: 1",
                    sha256="0" * 64,
                    lint={},
                    created_at=WHEN,
                )
            ).inserted_primary_key[0]
            for v in ("4.2.1", "4.2.2")
        ]
        row: dict[str, Any] = {"organization_id": org, "format": "openvex", "uploaded_at": WHEN}
        c.execute(
            tables.tables["vex_documents"]
            .insert()
            .values(
                **row,
                profile_version_id=versions[0],
                filename="a.json",
                sha256=_sha(ATTACHED),
                statement_count=1,
                skipped_count=0,
                uploaded_by="psirt",
            )
        )
        for version, data, source in (
            (versions[0], ATTACHED, "upload"),
            (versions[1], ONLY_IN_FEED, "feed"),
        ):
            c.execute(
                tables.tables["product_vex"]
                .insert()
                .values(
                    **row,
                    profile_version_id=version,
                    filename="a.json",
                    sha256=_sha(data),
                    size_bytes=len(data),
                    document=data,
                    statement_count=1,
                    source=source,
                    uploaded_by="psirt" if source == "upload" else "feed:1",
                )
            )
    return int(versions[0])


def _rows(engine: Engine, table: str) -> list[dict[str, Any]]:
    tables = MetaData()
    tables.reflect(engine, only=[table])
    t = tables.tables[table]
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(select(t).order_by(t.c.id))]


def test_migration_0024_moves_the_vex_bytes_into_vex_documents_and_back(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(empty_database_url)
    command.upgrade(config, "0015")
    engine = make_engine(empty_database_url)
    try:
        first = _seed(engine)
        command.upgrade(config, "0024")
        assert "product_vex" not in inspect(engine).get_table_names()
        documents = _rows(engine, "vex_documents")
        assert [(d["profile_version_id"] == first, bytes(d["document"])) for d in documents] == [
            (True, ATTACHED),
            (False, ONLY_IN_FEED),
        ]
        assert [d["size_bytes"] for d in documents] == [len(ATTACHED), len(ONLY_IN_FEED)]
        # the attached row keeps its statements' count; the feed-only one has none stored
        assert [d["statement_count"] for d in documents] == [1, 0]

        parent = "0015"
        command.downgrade(config, parent)
        assert {"document", "size_bytes"}.isdisjoint(
            c["name"] for c in inspect(engine).get_columns("vex_documents")
        )
        restored = _rows(engine, "product_vex")
        assert [(bytes(r["document"]), r["source"]) for r in restored] == [
            (ATTACHED, "upload"),
            (ONLY_IN_FEED, "feed"),
        ]
        command.upgrade(config, "head")
    finally:
        engine.dispose()
