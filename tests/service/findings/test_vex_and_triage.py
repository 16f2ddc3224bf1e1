"""Manufacturer VEX per product version and stored hospital triage: what applies to which
finding, what is refused, what carries over to a new SBOM and what is audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from medsec.audit.models import AuditEvent
from medsec.errors import Conflict, NotFound, PermissionDenied
from medsec.findings import decisions, services, vex
from medsec.findings.errors import InvalidTriage, VexNotAboutVersion
from medsec.findings.services import FindingFilter
from medsec.vulns.vex.model import InvalidVex, Justification, VexStatus

from .conftest import PUMP_PURL, World, cyclonedx, pypi


def openvex(*statements: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://northwind.example/vex/1",
            "author": "Northwind PSIRT",
            "timestamp": "2026-02-01T00:00:00Z",
            "version": 1,
            "statements": list(statements),
        }
    ).encode()


def statement(vuln: str, product: str, component: str | None, **rest: Any) -> dict[str, Any]:
    subject: dict[str, Any] = {"@id": product}
    if component:
        subject["subcomponents"] = [{"@id": component}]
    return {"vulnerability": {"name": vuln}, "products": [subject], **rest}


NOT_AFFECTED = {
    "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path",
    "impact_statement": "templates are compiled at build time",
}


def attach(world: World, data: bytes, actor: Any = None, version: int | None = None) -> Any:
    with world.make.session() as session:
        return vex.attach(session, actor or world.psirt, version or world.version, data, "v.json")


def state_of(world: World, serial: str, vuln: str) -> tuple[str, str | None]:
    with world.make.session() as session:
        found = services.fleet_findings(session, world.analyst, FindingFilter(text=vuln))
    [item] = [i for i in found.items if i.asset.serial == serial]
    d = item.finding.decisive
    return item.finding.state.value, d.justification.value if d and d.justification else None


def test_a_manufacturer_statement_clears_the_finding_on_every_device_of_the_version(
    world: World,
) -> None:
    row = attach(
        world,
        openvex(statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2@2.10", **NOT_AFFECTED)),
    )
    assert (row.format, row.statement_count, row.skipped_count) == ("openvex", 1, 0)
    for serial in ("LVP-1", "LVP-2"):
        assert state_of(world, serial, "PYSEC-T-1") == (
            "not_affected",
            "vulnerable_code_not_in_execute_path",
        )
    with world.make.session() as session:
        found = services.fleet_findings(session, world.analyst, FindingFilter(text="PYSEC-T-1"))
    item = found.items[0]
    assert item.finding.priority.level.value == "none"
    assert "templates are compiled at build time" in item.finding.detail()


def test_a_statement_about_another_product_is_left_out_and_never_applies(world: World) -> None:
    other = "pkg:generic/northwind/lvp-3000@4.1.0"
    row = attach(
        world,
        openvex(
            statement("CVE-2026-1003", other, "pkg:pypi/pydicom", **NOT_AFFECTED),
            statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2", status="affected",
                      action_statement="update to 4.2.2"),
        ),
    )  # fmt: skip
    assert (row.statement_count, row.skipped_count) == (1, 1)
    assert state_of(world, "LVP-1", "PYSEC-T-3") == ("unknown-version", None)


def test_a_document_about_other_products_only_is_refused_and_stores_nothing(world: World) -> None:
    data = openvex(
        statement("CVE-2026-1001", "pkg:generic/acme/x@1", "pkg:pypi/jinja2", **NOT_AFFECTED)
    )
    with pytest.raises(VexNotAboutVersion, match=r"pkg:generic/acme/x@1"):
        attach(world, data)
    with world.make.session() as session:
        assert vex.documents(session, world.psirt, world.version) == []


def test_a_component_statement_applies_to_that_component_of_this_version(world: World) -> None:
    attach(world, openvex(statement("CVE-2026-1003", "pkg:pypi/pydicom", None, **NOT_AFFECTED)))
    assert state_of(world, "LVP-1", "PYSEC-T-3")[0] == "not_affected"
    # The asset with its own SBOM is a device of the version too: its pydicom is covered.
    assert state_of(world, "LVP-OWN", "PYSEC-T-3")[0] == "not_affected"


def test_the_same_document_twice_is_a_conflict(world: World) -> None:
    data = openvex(statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2", **NOT_AFFECTED))
    attach(world, data)
    with pytest.raises(Conflict):
        attach(world, data)


def test_an_invalid_document_names_its_problem(world: World) -> None:
    with pytest.raises(InvalidVex):
        attach(world, b'{"@context": "https://openvex.dev/ns/v0.2.0", "statements": 3}')


@pytest.mark.parametrize(
    ("who", "error"),
    [("analyst", PermissionDenied), ("rival", NotFound)],
)
def test_only_the_versions_manufacturer_attaches_vex(world: World, who: str, error: type) -> None:
    data = openvex(statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2", **NOT_AFFECTED))
    with pytest.raises(error):
        attach(world, data, actor=getattr(world, who))


def test_attaching_vex_is_audited(world: World) -> None:
    attach(world, openvex(statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2", **NOT_AFFECTED)))
    with world.make.session() as session:
        tags = session.scalars(select(AuditEvent.tag)).all()
    assert "findings:vex:attached" in tags


# --------------------------------------------------------------------------- triage


def triage(world: World, asset: int, vuln: str, decision: Any, actor: Any = None) -> Any:
    with world.make.session() as session:
        found = services.asset_findings(session, world.analyst, asset, FindingFilter(text=vuln))
        item = found.items[0]
        return decisions.record_triage(
            session, actor or world.analyst, asset, item.component_id, vuln, decision
        )


MITIGATED = decisions.TriageDecision(
    VexStatus.NOT_AFFECTED, Justification.INLINE_MITIGATIONS_ALREADY_EXIST, "WAF rule 12"
)


def test_a_triage_decision_applies_to_every_device_with_that_component(world: World) -> None:
    row = triage(world, world.pumps[0], "PYSEC-T-1", MITIGATED)
    # The product by its identity: the stored SBOM's product purl, without version.
    assert (row.product_key, row.component_key, row.component_version) == (
        "pkg:generic/northwind/lvp-3000",
        "pkg:pypi/jinja2",
        "2.10",
    )
    assert state_of(world, "LVP-2", "PYSEC-T-1") == (
        "not_affected",
        "inline_mitigations_already_exist",
    )
    with world.make.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.tag == "findings:triage:recorded")
        ).all()
    assert len(events) == 1 and events[0].details["status"] == "not_affected"


def test_triage_carries_over_to_a_new_sbom_while_the_component_is_unchanged(world: World) -> None:
    triage(world, world.own, "PYSEC-T-3", MITIGATED)
    world.attach_asset(world.own, cyclonedx([pypi("pydicom", "2.4.0"), pypi("pillow", "10.0.0")]))
    assert state_of(world, "LVP-OWN", "PYSEC-T-3")[0] == "not_affected"
    world.attach_asset(world.own, cyclonedx([pypi("pydicom", "2.4.1")]))
    assert state_of(world, "LVP-OWN", "PYSEC-T-3") == ("affected", None)


@pytest.mark.parametrize(
    ("product", "purl", "pydicom", "carried"),
    [
        # The product renamed in its next SBOM, its purl (without version) the same:
        # the same product, the same component: carried over.
        ("LVP-3000 firmware", "pkg:generic/northwind/lvp-3000@4.2.2", "2.4.0", True),
        # The component's purl changed (another version): a changed component.
        ("Pump firmware", "pkg:generic/northwind/lvp-3000@4.2.2", "2.4.1", False),
        # Another product (another purl), even under the same name: not carried.
        ("Pump firmware", "pkg:generic/northwind/lvp-5000@1.0", "2.4.0", False),
    ],
)
def test_triage_is_keyed_by_the_identity_of_product_and_component(
    world: World, product: str, purl: str, pydicom: str, carried: bool
) -> None:
    row = triage(world, world.own, "PYSEC-T-3", MITIGATED)
    assert (row.product_key, row.component_key) == (
        "pkg:generic/northwind/lvp-3000",
        "pkg:pypi/pydicom",
    )
    world.attach_asset(world.own, cyclonedx([pypi("pydicom", pydicom)], product, purl))
    expected = (
        ("not_affected", "inline_mitigations_already_exist") if carried else ("affected", None)
    )
    assert state_of(world, "LVP-OWN", "PYSEC-T-3") == expected


def test_deciding_again_replaces_the_decision(world: World) -> None:
    triage(world, world.pumps[0], "PYSEC-T-1", MITIGATED)
    triage(
        world, world.pumps[0], "PYSEC-T-1", decisions.TriageDecision(VexStatus.UNDER_INVESTIGATION)
    )
    assert state_of(world, "LVP-1", "PYSEC-T-1")[0] == "under_investigation"


def test_not_affected_needs_a_justification(world: World) -> None:
    with pytest.raises(InvalidTriage, match="justification"):
        triage(world, world.pumps[0], "PYSEC-T-1", decisions.TriageDecision(VexStatus.NOT_AFFECTED))


def test_an_auditor_cannot_triage(world: World) -> None:
    with pytest.raises(PermissionDenied):
        triage(world, world.pumps[0], "PYSEC-T-1", MITIGATED, actor=world.auditor)


def test_a_later_manufacturer_statement_replaces_an_earlier_triage(world: World) -> None:
    triage(world, world.pumps[0], "PYSEC-T-1", MITIGATED)
    later = {
        "status": "affected",
        "action_statement": "update",
        "timestamp": "2099-01-01T00:00:00Z",
    }
    attach(world, openvex(statement("CVE-2026-1001", PUMP_PURL, "pkg:pypi/jinja2", **later)))
    assert state_of(world, "LVP-1", "PYSEC-T-1")[0] == "affected"
