"""The devices a vulnerability record concerns (``GET /api/v1/vulnerabilities/{id}/
affected-assets``) answer as the findings do: ecosystem-correct versions, CPE matching
with lower confidence, the manufacturer's VEX (not_affected suppresses, with its
justification) and the hospital's triage — the same answer as the fleet's findings."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from medsec.findings import affected, services
from medsec.findings.services import FindingFilter
from medsec.vulns.records import Record
from medsec.vulns.sources.nvd import NvdCve
from medsec.vulns.store import import_nvd

from .conftest import PUMP_PURL, World, cyclonedx, pypi
from .test_api import headers
from .test_vex_and_triage import MITIGATED, NOT_AFFECTED, attach, openvex, statement, triage


def rows(world: World, record_id: str, suppressed: bool = False) -> list[tuple[str, str]]:
    with world.make.session() as session:
        found = affected.affected_by_stored(
            session, world.analyst, record_id, suppressed=suppressed
        )
    return [(a.asset.serial, a.finding.state.value) for a in found]


def decide(world: World) -> None:
    """Northwind says jinja2 is not affected by CVE-2026-1001 in 4.2.1; the analyst
    triaged pydicom on the device with its own SBOM."""
    attach(world, openvex(statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2", **NOT_AFFECTED)))
    triage(world, world.own, "PYSEC-T-3", MITIGATED)


@pytest.mark.parametrize("record_id", ["PYSEC-T-1", "PYSEC-T-2", "PYSEC-T-3"])
@pytest.mark.parametrize("decided", [False, True])
def test_the_answer_is_the_fleets_findings_for_that_record(
    world: World, record_id: str, decided: bool
) -> None:
    if decided:
        decide(world)
    with world.make.session() as session:
        found = affected.affected_by_stored(session, world.analyst, record_id, suppressed=True)
        fleet = services.fleet_findings(session, world.analyst, FindingFilter(text=record_id))
    expected = {
        (i.asset.serial, i.component_id, i.finding.state, i.finding.priority)
        for i in fleet.items
        if i.finding.vulnerability == record_id
    }
    assert bool(expected) is (record_id != "PYSEC-T-2")  # requests 2.31.0 is fixed
    assert {
        (a.asset.serial, a.component_id, a.finding.state, a.finding.priority) for a in found
    } == (expected)
    assert "LVP-X" not in {a.asset.serial for a in found}  # another hospital's device


def test_not_affected_per_the_manufacturer_suppresses_with_the_justification(
    world: World, client: TestClient, auth_header: Any
) -> None:
    assert rows(world, "PYSEC-T-1") == [("LVP-1", "affected"), ("LVP-2", "affected")]
    attach(world, openvex(statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2", **NOT_AFFECTED)))

    assert rows(world, "PYSEC-T-1") == []
    h = headers(world, auth_header, world.analyst.username)
    url = "/api/v1/vulnerabilities/PYSEC-T-1/affected-assets"
    found = client.get(url, headers=h, params={"suppressed": "true"}).json()
    assert [(a["asset_serial"], a["status"], a["match_status"]) for a in found] == [
        ("LVP-1", "not_affected", "affected"),
        ("LVP-2", "not_affected", "affected"),
    ]
    decided = found[0]["decided_by"]
    assert (decided["source_kind"], decided["justification"]) == (
        "manufacturer",
        "vulnerable_code_not_in_execute_path",
    )
    assert found[0]["priority"] == "none"


def test_the_hospitals_triage_applies(world: World) -> None:
    before = [("LVP-OWN", "affected"), ("LVP-1", "unknown-version"), ("LVP-2", "unknown-version")]
    assert rows(world, "PYSEC-T-3") == before
    triage(world, world.own, "PYSEC-T-3", MITIGATED)

    assert rows(world, "PYSEC-T-3") == before[1:]
    assert rows(world, "PYSEC-T-3", suppressed=True) == [*before[1:], ("LVP-OWN", "not_affected")]


def osv(name: str, **affected_entry: Any) -> Record:
    return Record.model_validate(
        {
            "id": "PYSEC-NEW-1",
            "modified": "2026-06-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": name}, **affected_entry}],
        }
    )


def events(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"ranges": [{"type": "ECOSYSTEM", "events": [{k: v} for k, v in pairs]}]}


# LVP-OWN has pydicom 2.4.0 (the pumps' version SBOM names pydicom without a version).
@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (events(("introduced", "0"), ("fixed", "2.4.1")), ("affected", "unknown-version")),
        # PyPI order: 2.4.0 is before 2.4.0.post1 and after 2.4.0rc1.
        (events(("introduced", "0"), ("fixed", "2.4.0.post1")), ("affected", "unknown-version")),
        (events(("introduced", "0"), ("fixed", "2.4.0")), (None, "unknown-version")),
        (events(("introduced", "2.4.0rc1"), ("last_affected", "2.4.0")),
         ("affected", "unknown-version")),
        ({"versions": ["2.4.0"]}, ("affected", "unknown-version")),
        # Listed versions compare in the ecosystem's order too: 2.4 is 2.4.0 (PEP 440).
        ({"versions": ["2.4"]}, ("affected", "unknown-version")),
        ({"versions": ["2.4.0rc1"]}, (None, "unknown-version")),
    ],
)  # fmt: skip
def test_versions_are_compared_in_the_ecosystems_order(
    world: World, entry: dict[str, Any], expected: tuple[str | None, str]
) -> None:
    with world.make.session() as session:
        found = affected.affected_assets(session, world.analyst, osv("PyDicom", **entry))
    states = {a.asset.serial: a.finding.state.value for a in found}
    assert (states.get("LVP-OWN"), states.get("LVP-1")) == expected


ZLIB_CVE = {
    "id": "CVE-2026-2001",
    "lastModified": "2026-06-01T00:00:00.000",
    "vulnStatus": "Analyzed",
    "configurations": [
        {
            "nodes": [
                {
                    "operator": "OR",
                    "cpeMatch": [
                        {
                            "vulnerable": True,
                            "criteria": "cpe:2.3:a:zlib:zlib:*:*:*:*:*:*:*:*",
                            "versionEndExcluding": "1.2.12",
                        }
                    ],
                }
            ]
        }
    ],
}


@pytest.mark.parametrize(("version", "listed"), [("1.2.11", True), ("1.2.12", False)])
def test_a_component_without_purl_matches_by_cpe_with_lower_confidence(
    world: World, client: TestClient, auth_header: Any, version: str, listed: bool
) -> None:
    firmware = {
        "type": "library",
        "bom-ref": "zlib",
        "name": "zlib",
        "version": version,
        "cpe": f"cpe:2.3:a:zlib:zlib:{version}:*:*:*:*:*:*:*",
    }
    world.attach_asset(world.own, cyclonedx([firmware, pypi("jinja2", "3.0.0")]))
    with world.make.session() as session:
        import_nvd(session, [NvdCve.model_validate(ZLIB_CVE)])
    h = headers(world, auth_header, world.analyst.username)

    found = client.get("/api/v1/vulnerabilities/CVE-2026-2001/affected-assets", headers=h).json()

    if not listed:
        assert found == []
        return
    [one] = found
    assert (one["asset_serial"], one["status"], one["confidence"]) == ("LVP-OWN", "affected", "low")
    assert one["explanation"].startswith("CPE match (low confidence")
    assert "versionEndExcluding" in one["explanation"] or "1.2.12" in one["explanation"]


def test_an_unknown_record_is_not_found(world: World) -> None:
    with world.make.session() as session, pytest.raises(Exception, match="no OSV record"):
        affected.affected_by_stored(session, world.analyst, "NOPE-1")
