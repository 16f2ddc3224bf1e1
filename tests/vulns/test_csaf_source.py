"""CSAF 2.0 advisories as vulnerability-store records: the product tree read into products
(purl, CPE, vendor + product name + version), statuses, remediations, scores; malformed
documents refused with the JSON pointer; ``medsec vulns import csaf`` all-or-nothing and
idempotent (SQLite and PostgreSQL, migrated like a real instance)."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, make_url, select, text
from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.db import migrate
from medsec.db.engine import Database
from medsec.errors import Error
from medsec.vulns.errors import InvalidRecord
from medsec.vulns.models import VulnAffected, VulnRecord
from medsec.vulns.sources.csaf import ProductStatus, parse_advisory, read_advisories
from medsec.vulns.store import import_csaf, load_csaf

FIXTURE = Path(__file__).resolve().parents[1] / "advisories" / "fixtures" / "exm-2026-001.json"
GOCSAF = (
    Path(__file__).resolve().parents[2]
    / "../shared/data/csaf/gocsaf-provider/testdata/simple-directory-provider/white"
    / "avendor-advisory-0004.json"
)


def fixture(**tracking: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(FIXTURE.read_text())
    document["document"]["tracking"].update(tracking)
    return document


def test_the_product_tree_becomes_products_with_their_identifiers() -> None:
    advisory = parse_advisory(fixture(), "exm.json")

    pump_1_0 = advisory.product("CSAFPID-0001")
    assert (pump_1_0.vendor, pump_1_0.product_name, pump_1_0.version) == (
        "Example Medical",
        "Example Pump",
        "1.0",
    )
    assert pump_1_0.purl == "pkg:generic/example/pump@1.0"
    (vulnerability,) = advisory.vulnerabilities
    assert vulnerability.statuses == {
        "CSAFPID-0001": ProductStatus.AFFECTED,
        "CSAFPID-0002": ProductStatus.FIXED,
    }
    assert advisory.record_id == "https://example.com#EXM-2026-001"


def document_with(**extra: Any) -> dict[str, Any]:
    """A small advisory: a device (vendor/product/version range) with a component in a
    relationship, a product group, a CVSS score and a remediation."""
    return {
        "document": {
            "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "Acme", "namespace": "https://acme.test"},
            "title": "Pump firmware",
            "tracking": {
                "id": "ACME-2026-7",
                "current_release_date": "2026-03-01T00:00:00Z",
                "initial_release_date": "2026-03-01T00:00:00Z",
                "revision_history": [],
                "status": "final",
                "version": "1",
            },
        },
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "Acme",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": "Infuse 9",
                            "branches": [
                                {
                                    "category": "product_version_range",
                                    "name": "vers:generic/<4.2",
                                    "product": {"name": "Infuse 9 < 4.2", "product_id": "DEV"},
                                }
                            ],
                        }
                    ],
                }
            ],
            "full_product_names": [
                {
                    "name": "OpenSSL 3.0.1",
                    "product_id": "LIB",
                    "product_identification_helper": {
                        "cpe": "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*"
                    },
                }
            ],
            "relationships": [
                {
                    "category": "default_component_of",
                    "product_reference": "LIB",
                    "relates_to_product_reference": "DEV",
                    "full_product_name": {"name": "OpenSSL in Infuse 9", "product_id": "DEV-LIB"},
                }
            ],
            "product_groups": [{"group_id": "ALL", "product_ids": ["DEV", "DEV-LIB"]}],
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2026-1111",
                "ids": [{"system_name": "Acme", "text": "ACME-BUG-1"}],
                "cwe": {"id": "CWE-787", "name": "Out-of-bounds Write"},
                "product_status": {"known_affected": ["DEV", "DEV-LIB"]},
                "scores": [
                    {
                        "products": ["DEV"],
                        "cvss_v3": {
                            "version": "3.1",
                            "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                            "baseScore": 9.8,
                            "baseSeverity": "CRITICAL",
                        },
                    }
                ],
                "remediations": [
                    {"category": "vendor_fix", "details": "Update to 4.2", "group_ids": ["ALL"]}
                ],
            }
        ],
        **extra,
    }


def test_ranges_relationships_groups_scores_and_remediations() -> None:
    advisory = parse_advisory(document_with(), "acme.json")
    (v,) = advisory.vulnerabilities

    assert (v.id, v.aliases, v.cwe) == ("CVE-2026-1111", ("ACME-BUG-1",), "CWE-787")
    assert v.affected_products() == ("DEV", "DEV-LIB")
    assert v.base_score("DEV") == 9.8
    assert [r.details for r in v.remediations_for("DEV-LIB")] == ["Update to 4.2"]
    # the component inside the device matches as the device does
    assert advisory.product("DEV-LIB").matches_identity("acme", "INFUSE  9", "4.1.9")
    assert not advisory.product("DEV").matches_identity("Acme", "Infuse 9", "4.2")
    assert advisory.product("LIB").cpe == "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*"


def broken(path: list[str | int], value: Any) -> dict[str, Any]:
    document = document_with()
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("document", "pointer", "message"),
    [
        (broken(["document", "tracking", "id"], KeyError), "/document/tracking/id", "non-empty"),
        (
            broken(["document", "tracking", "current_release_date"], "soon"),
            "/document/tracking/current_release_date",
            "RFC 3339",
        ),
        (
            broken(["vulnerabilities", 0, "product_status", "known_affected"], ["NOPE"]),
            "/vulnerabilities/0/product_status/known_affected/0",
            "'NOPE' is not defined",
        ),
        (
            broken(["vulnerabilities", 0, "remediations", 0, "group_ids"], ["NONE"]),
            "/vulnerabilities/0/remediations/0/group_ids/0",
            "group id 'NONE'",
        ),
        (
            broken(["product_tree", "branches", 0, "branches"], {"x": 1}),
            "/product_tree/branches/0/branches",
            "expected a JSON array",
        ),
        (
            broken(["product_tree", "full_product_names", 0, "product_id"], 7),
            "/product_tree/full_product_names/0/product_id",
            "non-empty string",
        ),
    ],
    ids=[
        "no tracking id",
        "bad date",
        "undefined product",
        "undefined group",
        "bad branches",
        "numeric product id",
    ],
)
def test_a_malformed_advisory_is_refused_at_its_json_pointer(
    document: dict[str, Any], pointer: str, message: str
) -> None:
    with pytest.raises(InvalidRecord) as raised:
        parse_advisory(document, "bad.json")

    (problem,) = raised.value.problems
    assert problem.location.path == pointer
    assert message in problem.message
    assert f"bad.json: {pointer}:" in raised.value.diagnostics()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(
        [
            ["product_tree"],
            ["product_tree", "branches"],
            ["product_tree", "branches", 0, "branches", 0],
            ["product_tree", "relationships", 0],
            ["product_tree", "product_groups"],
            ["vulnerabilities"],
            ["vulnerabilities", 0],
            ["vulnerabilities", 0, "product_status"],
            ["vulnerabilities", 0, "scores", 0],
            ["vulnerabilities", 0, "remediations"],
            ["document", "tracking"],
            ["document", "publisher"],
        ]
    ),
    value=json_values,
)
def test_any_value_anywhere_parses_or_raises_an_error_never_crashes(
    path: list[str | int], value: Any
) -> None:
    document = copy.deepcopy(document_with())
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        parse_advisory(document, "fuzz.json")
    except Error:
        pass


@pytest.mark.skipif(not GOCSAF.is_file(), reason="../shared/data (gocsaf testdata) is absent")
def test_the_gocsaf_example_advisory_reads() -> None:
    (advisory,) = read_advisories(GOCSAF)

    assert advisory.record_id == "https://www.example.com#Avendor-advisory-0004"
    assert advisory.cves == ("CVE-2020-1234", "CVE-2020-9876")
    assert advisory.product("CSAFPID_0005").matches_identity("AVendor", "product_3", "2022H2")
    assert advisory.vulnerabilities[0].statuses == {
        "CSAFPID_0001": ProductStatus.UNDER_INVESTIGATION
    }


# --- the store ---------------------------------------------------------------------------


def _postgres() -> Iterator[str]:
    base = os.environ.get("MEDSEC_TEST_DATABASE_URL")
    if not base:
        reason = "MEDSEC_TEST_DATABASE_URL is not set (a PostgreSQL URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true: the PostgreSQL tests must run in CI")
        pytest.skip(reason)
    name = f"medsec_csaf_{uuid.uuid4().hex[:12]}"
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


def write(folder: Path, *documents: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    for d in documents:
        (folder / f"{d['document']['tracking']['id']}.json").write_text(json.dumps(d))
    return folder


def test_reimport_is_idempotent_and_a_newer_release_updates_the_record(
    db: Database, tmp_path: Path
) -> None:
    first = write(tmp_path / "a", fixture(), document_with())
    with db.session() as s:
        assert import_csaf(s, list(read_advisories(first))).added == 2
    with db.session() as s:
        again = import_csaf(s, list(read_advisories(first)))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)

    newer = fixture(current_release_date="2026-12-01T00:00:00Z", version="2")
    newer["vulnerabilities"][0]["product_status"] = {"fixed": ["CSAFPID-0001", "CSAFPID-0002"]}
    with db.session() as s:
        assert import_csaf(s, list(read_advisories(write(tmp_path / "b", newer)))).updated == 1

    with db.session() as s:
        stored = {a.tracking_id: a for a in load_csaf(s)}
        keys = set(s.execute(select(VulnAffected.ecosystem, VulnAffected.name_key)))
    assert stored["EXM-2026-001"].version == "2"
    assert stored["EXM-2026-001"].vulnerabilities[0].affected_products() == ()
    assert {
        ("purl:generic", "example/pump"),
        ("csaf-name", "example medical/example pump"),
        ("cpe", "openssl:openssl"),
        ("csaf-name", "acme/infuse 9"),
    } <= keys


def test_the_cli_imports_a_folder_and_a_bad_file_imports_nothing(
    url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write(tmp_path / "src", fixture())
    bad = broken(["vulnerabilities", 0, "product_status", "known_affected"], ["NOPE"])
    (source / "zz-bad.json").write_text(json.dumps(bad))
    monkeypatch.setenv("MEDSEC_DATABASE_URL", url)

    refused = CliRunner().invoke(app, ["vulns", "import", "csaf", str(source)])

    assert refused.exit_code == 1
    assert "zz-bad.json: /vulnerabilities/0/product_status/known_affected/0" in refused.stderr
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(VulnRecord)) == 0

    (source / "zz-bad.json").unlink()
    imported = CliRunner().invoke(app, ["vulns", "import", "csaf", str(source), "--format", "json"])
    again = CliRunner().invoke(app, ["vulns", "import", "csaf", str(source), "--format", "json"])
    assert imported.exit_code == 0, imported.stderr
    assert json.loads(again.stdout) == {
        "source": str(source),
        "kind": "csaf",
        "added": 0,
        "updated": 0,
        "unchanged": 1,
        "withdrawn": 0,
    }
    assert json.loads(imported.stdout)["added"] == 1
