"""Findings of assets and of the fleet: which SBOM an asset is scanned with, the evidence
of each finding, priorities per device, tenant isolation, and a cache that notices
imports."""

from __future__ import annotations

from typing import Any

import pytest

from medsec.errors import NotFound, PermissionDenied
from medsec.findings import affected, services
from medsec.findings.services import FindingFilter
from medsec.vulns.findings import FindingState
from medsec.vulns.priority import Level

from .conftest import World, cyclonedx, pypi, record


def table(found: services.FindingList) -> set[tuple[str, str, str, str]]:
    return {
        (i.asset.serial, i.finding.component.name, i.finding.vulnerability, i.finding.state.value)
        for i in found.items
    }


def test_assets_are_scanned_with_their_own_sbom_else_their_versions(world: World) -> None:
    with world.make.session() as session:
        found = services.fleet_findings(session, world.analyst)
    assert table(found) == {
        ("LVP-1", "jinja2", "PYSEC-T-1", "affected"),
        ("LVP-2", "jinja2", "PYSEC-T-1", "affected"),
        ("LVP-1", "pydicom", "PYSEC-T-3", "unknown-version"),
        ("LVP-2", "pydicom", "PYSEC-T-3", "unknown-version"),
        # Its own SBOM: jinja2 3.0.0 is past the fix; pydicom 2.4.0 is affected.
        ("LVP-OWN", "pydicom", "PYSEC-T-3", "affected"),
    }
    assert (found.assets, found.assets_scanned, found.total) == (3, 3, 5)
    assert {i.via for i in found.items if i.asset.serial == "LVP-OWN"} == {"asset"}
    assert {i.via for i in found.items if i.asset.serial == "LVP-1"} == {"product-version"}


def test_a_finding_shows_the_range_that_matched_and_the_priority_factors(world: World) -> None:
    with world.make.session() as session:
        found = services.asset_findings(session, world.analyst, world.pumps[0])
        jinja = next(i for i in found.items if i.finding.vulnerability == "PYSEC-T-1")
        detail = services.finding(
            session, world.analyst, world.pumps[0], jinja.component_id, "PYSEC-T-1"
        )
    f = detail.item.finding
    assert f.match.explanation == "ECOSYSTEM range: every version, fixed in 2.11"
    assert f.match.confidence.value == "high" and f.aliases == ("CVE-2026-1001",)
    assert [x.name for x in f.priority.factors] == ["CVSS 3.1", "clinical criticality"]
    assert f.priority.level is Level.CRITICAL  # 9.8 + life-sustaining
    assert [a.serial for a in detail.also_on] == ["LVP-2"]


def test_the_same_finding_weighs_less_on_a_low_criticality_device(world: World) -> None:
    with world.make.session() as session:
        found = services.fleet_findings(session, world.analyst, FindingFilter(text="PYSEC-T-1"))
    scores = {i.asset.serial: i.finding.priority.score for i in found.items}
    assert scores == {"LVP-1": 11.3, "LVP-2": 9.3}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (FindingFilter(state=FindingState.UNKNOWN_VERSION), 2),
        (FindingFilter(state=FindingState.AFFECTED), 3),
        (FindingFilter(priority=Level.CRITICAL), 2),
        (FindingFilter(kev=True), 0),
        (FindingFilter(open_only=True), 3),
        (FindingFilter(text="pydicom"), 3),
        (FindingFilter(text="CVE-2026-1001"), 2),
    ],
)
def test_the_list_filters_by_state_priority_kev_and_text(
    world: World, where: FindingFilter, expected: int
) -> None:
    with world.make.session() as session:
        assert services.fleet_findings(session, world.analyst, where).total == expected


def test_counts_by_priority_cover_every_finding_not_only_the_page(world: World) -> None:
    with world.make.session() as session:
        found = services.fleet_findings(session, world.analyst, limit=1)
    assert len(found.items) == 1 and found.total == 5
    assert sum(found.by_priority.values()) == 5
    assert found.by_state[FindingState.UNKNOWN_VERSION] == 2


def test_another_hospitals_assets_do_not_exist(world: World) -> None:
    with world.make.session() as session:
        with pytest.raises(NotFound):
            services.asset_findings(session, world.analyst, world.other_asset)
        theirs = services.fleet_findings(session, world.other_hospital)
    assert {i.asset.serial for i in theirs.items} == {"LVP-X"}


def test_a_manufacturer_has_no_fleet(world: World) -> None:
    with world.make.session() as session, pytest.raises(PermissionDenied):
        services.fleet_findings(session, world.psirt)


def test_a_new_import_is_seen_on_the_next_request(world: World) -> None:
    with world.make.session() as session:
        before = services.fleet_findings(session, world.analyst).total
    world.records([record("PYSEC-T-4", "requests", "2.32.0")])
    with world.make.session() as session:
        after = services.fleet_findings(session, world.analyst, FindingFilter(text="PYSEC-T-4"))
    assert before == 5 and after.total == 2


def test_an_updated_record_replaces_the_old_one_in_the_cache(world: World) -> None:
    with world.make.session() as session:
        assert services.fleet_findings(session, world.analyst).total == 5
    newer = record("PYSEC-T-1", "jinja2", "2.9").model_copy(
        update={"modified": record("x", "x", "1").modified.replace(year=2027)}
    )
    world.records([newer])
    with world.make.session() as session:
        found = services.fleet_findings(session, world.analyst, FindingFilter(text="PYSEC-T-1"))
    assert found.total == 0  # 2.10 is now past the fix


def test_a_replaced_sbom_is_scanned_again(world: World) -> None:
    world.attach_asset(world.own, cyclonedx([pypi("requests", "2.19.0")]))
    with world.make.session() as session:
        found = services.asset_findings(session, world.analyst, world.own)
    assert table(found) == {("LVP-OWN", "requests", "PYSEC-T-2", "affected")}


def test_a_new_advisory_lists_the_assets_it_concerns(world: World) -> None:
    advisory = record("PYSEC-T-9", "jinja2", "3.1.0")
    with world.make.session() as session:
        found = affected.affected_assets(session, world.analyst, advisory)
    assert [(a.asset.serial, a.finding.match.status.value) for a in found] == [
        ("LVP-1", "affected"),
        ("LVP-2", "affected"),
        ("LVP-OWN", "affected"),
    ]
    assert found[0].finding.match.explanation == "ECOSYSTEM range: every version, fixed in 3.1.0"


def test_open_finding_ids_include_aliases_for_update_planning(world: World) -> None:
    from medsec.findings.open_findings import ServiceFindings

    with world.make.session() as session:
        found = ServiceFindings(session, world.analyst).open_for(
            [world.pumps[0], world.other_asset]
        )
    assert found == {world.pumps[0]: frozenset({"PYSEC-T-1", "CVE-2026-1001"})}


def test_version_findings_are_the_versions_own_sbom(world: World, make: Any) -> None:
    with world.make.session() as session:
        found = services.version_findings(session, world.psirt, world.version)
        hospital = services.version_findings(session, world.analyst, world.version)
        with pytest.raises(NotFound):
            services.version_findings(session, world.rival, world.version)
        empty = services.version_findings(session, world.psirt, world.other_version)
    names = sorted((f.component.name, f.state.value) for _, f in found.items)
    assert names == [("jinja2", "affected"), ("pydicom", "unknown-version")]
    assert len(hospital.items) == 2
    assert empty.items == [] and empty.sbom_id is None
