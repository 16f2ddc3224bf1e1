"""The manufacturer's priority stated in its CSAF advisories enters a finding's priority,
named by the advisory (docs/findings.md, "Priority: the device's context"): advisories
received into the vulnerability store and advisories published on this instance."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.models import User
from medsec.advisories.publishing.models import Advisory, AdvisoryRecipient, AdvisoryRevision
from medsec.vulns.priority import Level
from medsec.vulns.sources.csaf import parse_advisory
from medsec.vulns.store import import_csaf

from .conftest import PUMP_PURL, World
from .test_context import factors, finding_of, release

PUMP = "LVP-421"
OTHER = "LVP-5000"


def csaf(
    *,
    threats: list[dict[str, Any]] | None = None,
    aggregate: str | None = None,
    status: str = "known_affected",
    category: str = "vendor",
    product_purl: str = PUMP_PURL,
    tracking: str = "NW-2026-01",
) -> dict[str, Any]:
    """A Northwind advisory about CVE-2026-1003 (PYSEC-T-3's alias) in the pump 4.2.1."""
    meta: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "publisher": {
            "category": category,
            "name": "Northwind PSIRT",
            "namespace": "https://northwind.example",
        },
        "title": "pydicom in the LVP 3000",
        "tracking": {
            "id": tracking,
            "current_release_date": "2026-03-01T00:00:00Z",
            "initial_release_date": "2026-03-01T00:00:00Z",
            "revision_history": [
                {"date": "2026-03-01T00:00:00Z", "number": "1", "summary": "First"}
            ],
            "status": "final",
            "version": "1",
        },
    }
    if aggregate:
        meta["aggregate_severity"] = {"text": aggregate}
    vulnerability: dict[str, Any] = {
        "cve": "CVE-2026-1003",
        "product_status": {status: [PUMP]},
        "threats": threats or [],
    }
    return {
        "document": meta,
        "product_tree": {
            "full_product_names": [
                {
                    "name": "Northwind LVP 3000 4.2.1",
                    "product_id": PUMP,
                    "product_identification_helper": {"purl": product_purl},
                },
                {
                    "name": "Northwind LVP 5000 1.0",
                    "product_id": OTHER,
                    "product_identification_helper": {"purl": "pkg:generic/northwind/lvp-5000@1.0"},
                },
            ]
        },
        "vulnerabilities": [vulnerability],
    }


def receive(world: World, document: dict[str, Any]) -> None:
    """The advisory as the CSAF consumer (or ``medsec vulns import csaf``) stores it."""
    with world.make.session() as session:
        import_csaf(session, [parse_advisory(document, "nw.json")])


def impact(details: str, *products: str) -> dict[str, Any]:
    return {"category": "impact", "details": details, "product_ids": list(products or [PUMP])}


SOURCE = "advisory NW-2026-01 version 1 of Northwind PSIRT"


# PYSEC-T-3 (alias CVE-2026-1003) has no vector: CVSS assumed 5.0; LVP-1 is
# life-sustaining (+1.5): 6.5, medium, without the manufacturer.
@pytest.mark.parametrize(
    ("advisory", "factor", "level"),
    [
        # The impact threat for the device's product states the priority.
        (csaf(threats=[impact("Critical")]),
         f'manufacturer priority critical ({SOURCE}: impact threat "Critical"): +2', Level.HIGH),
        (csaf(threats=[impact("Low: the pump keeps infusing")]),
         f'manufacturer priority low ({SOURCE}: impact threat "Low: the pump keeps '
         'infusing"): −1', Level.MEDIUM),
        # The highest of several; a threat about another product does not count.
        (csaf(threats=[impact("Critical", OTHER), impact("Moderate"), impact("High")]),
         f'manufacturer priority high ({SOURCE}: impact threat "High"): +1', Level.HIGH),
        # No impact threat for the product: the document's aggregate severity.
        (csaf(threats=[impact("Critical", OTHER)], aggregate="Important"),
         f'manufacturer priority high ({SOURCE}: aggregate severity "Important"): +1',
         Level.HIGH),
        # Neither names a level: no factor.
        (csaf(threats=[impact("see the text")], aggregate="Routine"), None, Level.MEDIUM),
        # Not the manufacturer's advisory (a coordinator's): no factor.
        (csaf(threats=[impact("Critical")], category="coordinator"), None, Level.MEDIUM),
        # The device's product is not affected per the advisory: no factor.
        (csaf(threats=[impact("Critical")], status="known_not_affected"), None, Level.MEDIUM),
        # An advisory about another product (another purl): no factor.
        (csaf(threats=[impact("Critical")], product_purl="pkg:generic/northwind/lvp-9@1"),
         None, Level.MEDIUM),
    ],
)  # fmt: skip
def test_a_received_advisory_gives_the_manufacturers_priority_with_its_name(
    world: World, advisory: dict[str, Any], factor: str | None, level: Level
) -> None:
    receive(world, advisory)

    item = finding_of(world, world.pumps[0], "PYSEC-T-3")

    assert factors(item).get("manufacturer priority") == factor
    assert item.finding.priority.level is level


def test_the_advisory_and_the_release_count_once_the_highest(world: World) -> None:
    release(world, "4.2.2", "Low")
    receive(world, csaf(threats=[impact("Critical")]))

    item = finding_of(world, world.pumps[0], "PYSEC-T-3")

    [factor] = [x for x in item.finding.priority.factors if x.name == "manufacturer priority"]
    assert (factor.value, factor.source) == ("critical", f'{SOURCE}: impact threat "Critical"')


def test_the_api_and_the_page_name_the_advisory(
    world: World, client: TestClient, auth_header: Any
) -> None:
    receive(world, csaf(threats=[impact("Critical")]))
    item = finding_of(world, world.pumps[0], "PYSEC-T-3")
    with world.make.session() as session:
        user = session.scalars(select(User).where(User.username == world.analyst.username)).one()
    _, token = world.make.token(user)
    path = f"assets/{world.pumps[0]}/findings/{item.path}"

    one = client.get(f"/api/v1/{path}", headers=auth_header(token)).json()

    [factor] = [x for x in one["factors"] if x["name"] == "manufacturer priority"]
    assert factor == {
        "name": "manufacturer priority",
        "value": "critical",
        "contribution": 2.0,
        "source": f'{SOURCE}: impact threat "Critical"',
    }
    assert SOURCE in one["priority_explanation"]


def test_a_new_advisory_changes_the_priority_on_the_next_request(world: World) -> None:
    assert "manufacturer priority" not in factors(finding_of(world, world.pumps[0], "PYSEC-T-3"))
    receive(world, csaf(aggregate="Critical"))
    found = factors(finding_of(world, world.pumps[0], "PYSEC-T-3"))
    assert found["manufacturer priority"].startswith("manufacturer priority critical (advisory")


def publish(world: World, document: dict[str, Any], told: bool) -> None:
    """A revision published on this instance (as medsec.advisories.publishing keeps it)
    and, if ``told``, the hospital among its recipients."""
    text = json.dumps(document)
    with world.make.session() as session:
        advisory = Advisory(
            organization_id=world.psirt.organization_id,
            tracking_id=document["document"]["tracking"]["id"],
            title="pydicom",
            state="published",
            draft={},
        )
        session.add(advisory)
        session.flush()
        revision = AdvisoryRevision(
            advisory_id=advisory.id, version="1", status="final", tlp="AMBER", summary="First",
            document=text, sha256="0" * 64, html="", fsn_html="",
        )  # fmt: skip
        session.add(revision)
        session.flush()
        if told:
            session.add(
                AdvisoryRecipient(
                    revision_id=revision.id, organization_id=world.analyst.organization_id
                )
            )


@pytest.mark.parametrize("told", [True, False])
def test_an_advisory_published_here_counts_for_the_hospitals_told_about_it(
    world: World, told: bool
) -> None:
    publish(world, csaf(threats=[impact("High")], tracking="NW-2026-02"), told)

    found = factors(finding_of(world, world.pumps[0], "PYSEC-T-3")).get("manufacturer priority")

    expected = (
        "manufacturer priority high (advisory NW-2026-02 version 1 of Northwind PSIRT: impact "
        'threat "High"): +1'
    )
    assert found == (expected if told else None)
