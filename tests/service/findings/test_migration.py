"""Migration 0021: SBOMs stored before it get their product's purl and CPE from their
stored copy, and triage decisions keyed by the product's name are re-keyed to its
identity (none is lost); downgrade drops the columns. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

from alembic import command
from sqlalchemy import Connection, MetaData, Table, insert, inspect, select

from medsec.db import migrate
from medsec.db.engine import make_engine

NOW = dt.datetime(2026, 1, 1)


def document(product: dict[str, Any], components: list[dict[str, Any]]) -> bytes:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "metadata": {"component": {"type": "firmware", "bom-ref": "fw", **product}},
        "components": components,
    }
    return gzip.compress(json.dumps(bom).encode())


def add(conn: Connection, table: str, **values: Any) -> int:
    t = Table(table, MetaData(), autoload_with=conn)
    key = conn.execute(insert(t).values(**values).returning(t.c.id)).scalar_one()
    return int(key)


def sbom(conn: Connection, org: int, asset: int, data: bytes, name: str) -> int:
    return add(
        conn, "sboms", organization_id=org, asset_id=asset, format="cyclonedx-json",
        spec_version="1.6", filename="bom.json", sha256="0" * 64, size_bytes=len(data),
        document=data, document_stored=True, product_name=name, ntia={}, ntia_passed=False,
        component_count=1, source="upload", uploaded_at=NOW,
    )  # fmt: skip


def component(conn: Connection, sbom_id: int, name: str, **ids: Any) -> None:
    add(conn, "sbom_components", sbom_id=sbom_id, position=0, name=name, hashes={},
        licenses=[], **ids)  # fmt: skip


def decision(conn: Connection, org: int, product: str, comp: str) -> None:
    add(conn, "finding_triage", organization_id=org, product_key=product, component_key=comp,
        vulnerability="CVE-2026-1", status="not_affected", analyst="ana", recorded_at=NOW,
        component_version="1.0", component_hashes={})  # fmt: skip


def test_migration_0021_fills_product_identities_and_rekeys_triage(
    empty_database_url: str,
) -> None:
    config = migrate.alembic_config(empty_database_url)
    command.upgrade(config, "0015")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            org = add(conn, "organizations", name="Clinic", kind="healthcare_provider",
                      mfa_required_roles=[], created_at=NOW)  # fmt: skip
            site = add(conn, "sites", organization_id=org, name="Main", timezone="UTC",
                       created_at=NOW)  # fmt: skip
            assets = [
                add(
                    conn,
                    "assets",
                    organization_id=org,
                    site_id=site,
                    vendor="Northwind",
                    model="LVP",
                    serial=f"SN-{n}",
                    ip_addresses=[],
                    criticality="medium",
                    created_at=NOW,
                    updated_at=NOW,
                )
                for n in range(3)
            ]
            pump = sbom(conn, org, assets[0], document(
                {"name": "Pump firmware", "version": "4.2.1",
                 "purl": "pkg:generic/northwind/lvp-3000@4.2.1"},
                [{"type": "library", "name": "jinja2", "version": "1.0",
                  "purl": "pkg:pypi/jinja2@1.0"}],
            ), "Pump firmware")  # fmt: skip
            component(conn, pump, "jinja2", version="1.0", purl="pkg:pypi/jinja2@1.0")
            rtos = sbom(conn, org, assets[1], document(
                {"name": "Monitor", "version": "2.0",
                 "cpe": "cpe:2.3:h:northwind:monitor:2.0:*:*:*:*:*:*:*"},
                [{"type": "operating-system", "name": "RTOS", "version": "1.0",
                  "cpe": "cpe:2.3:o:acme:rtos:1.0:*:*:*:*:*:*:*"}],
            ), "Monitor")  # fmt: skip
            component(conn, rtos, "RTOS", version="1.0",
                      cpe="cpe:2.3:o:acme:rtos:1.0:*:*:*:*:*:*:*")  # fmt: skip
            plain = sbom(conn, org, assets[2], document(
                {"name": "Scale", "version": "1"},
                [{"type": "library", "name": "libfoo", "version": "1.0"}],
            ), "Scale")  # fmt: skip
            component(conn, plain, "libfoo", version="1.0")
            decision(conn, org, "Pump firmware", "pkg:pypi/jinja2")
            decision(conn, org, "Monitor", "RTOS")
            decision(conn, org, "Scale", "libfoo")
            decision(conn, org, "Gone", "pkg:pypi/jinja2")  # no SBOM left: kept as it is
        command.upgrade(config, "head")
        with engine.connect() as conn:
            sboms = Table("sboms", MetaData(), autoload_with=conn)
            identities = conn.execute(
                select(sboms.c.product_name, sboms.c.product_purl, sboms.c.product_cpe)
            ).all()
            triage = Table("finding_triage", MetaData(), autoload_with=conn)
            keys = set(conn.execute(select(triage.c.product_key, triage.c.component_key)).all())
        assert set(identities) == {
            ("Pump firmware", "pkg:generic/northwind/lvp-3000@4.2.1", None),
            ("Monitor", None, "cpe:2.3:h:northwind:monitor:2.0:*:*:*:*:*:*:*"),
            ("Scale", None, None),
        }
        assert keys == {
            ("pkg:generic/northwind/lvp-3000", "pkg:pypi/jinja2"),
            ("cpe:northwind:monitor", "cpe:acme:rtos"),
            ("Scale", "libfoo"),
            ("Gone", "pkg:pypi/jinja2"),
        }
        command.downgrade(config, "0015")
        columns = {c["name"] for c in inspect(engine).get_columns("sboms")}
        assert not {"product_purl", "product_cpe"} & columns
    finally:
        engine.dispose()
