"""Which devices an advisory concerns: by the purl or CPE of the device's profile
(``identifier``), else by vendor, model and firmware (``name``, lower confidence); only
for products whose status is affected or under investigation."""

from __future__ import annotations

from typing import Any

import pytest

from medsec.advisories.consumer.matching import Device, InventoryIndex
from medsec.vulns.sources.csaf import parse_advisory

PUMP = Device(1, "SN-1", "Acme", "Infuse 9", "4.1")
OTHER_VENDOR = Device(2, "SN-2", "Zenith", "Infuse 9", "4.1")
NEWER = Device(3, "SN-3", "Acme", "Infuse 9", "4.2")
MONITOR = Device(4, "SN-4", "Acme", "Vitals X", "7.0")


def advisory(status: str, helper: dict[str, str] | None = None, version: Any = None) -> Any:
    product: dict[str, Any] = {"name": "Acme Infuse 9", "product_id": "P"}
    if helper:
        product["product_identification_helper"] = helper
    category, name = version or ("product_version_range", "vers:generic/<4.2")
    return parse_advisory(
        {
            "document": {
                "category": "csaf_security_advisory", "csaf_version": "2.0", "title": "t",
                "publisher": {"category": "vendor", "name": "Acme", "namespace": "https://a"},
                "tracking": {"id": "A-1", "current_release_date": "2026-01-01T00:00:00Z",
                             "initial_release_date": "2026-01-01T00:00:00Z",
                             "revision_history": [], "status": "final", "version": "1"},
            },
            "product_tree": {"branches": [{"category": "vendor", "name": "ACME", "branches": [
                {"category": "product_name", "name": "infuse 9", "branches": [
                    {"category": category, "name": name, "product": product}]}]}]},
            "vulnerabilities": [{"cve": "CVE-2026-1", "product_status": {status: ["P"]}}],
        },
        "a.json",
    )  # fmt: skip


def index(*devices: tuple[Device, str | None, str | None]) -> InventoryIndex:
    return InventoryIndex(list(devices))


@pytest.mark.parametrize(
    ("status", "found"),
    [
        ("known_affected", {(1, "affected")}),
        ("first_affected", {(1, "affected")}),
        ("under_investigation", {(1, "under_investigation")}),
        ("fixed", set()),
        ("known_not_affected", set()),
        ("recommended", set()),
    ],
)
def test_only_affected_and_under_investigation_concern_a_device(
    status: str, found: set[tuple[int, str]]
) -> None:
    inventory = index((PUMP, None, None), (OTHER_VENDOR, None, None), (NEWER, None, None))

    matches = inventory.match(advisory(status))

    assert {(m.device.asset_id, m.status) for m in matches} == found
    assert all(m.confidence == "name" for m in matches)


def test_a_purl_or_cpe_of_the_profile_is_an_identifier_match_whatever_the_names() -> None:
    renamed = Device(5, "SN-5", "ACME Medical GmbH", "IF9", "2.0")
    purl = advisory(
        "known_affected", {"purl": "pkg:generic/acme/infuse-9@2.0"}, ("product_version", "2.0")
    )
    cpe = advisory(
        "known_affected",
        {"cpe": "cpe:2.3:h:acme:infuse_9:*:*:*:*:*:*:*:*"},
        ("product_version", "2.0"),
    )
    inventory = index(
        (renamed, "pkg:generic/acme/infuse-9", "cpe:2.3:h:acme:infuse_9:-:*:*:*:*:*:*:*"),
        (MONITOR, "pkg:generic/acme/vitals-x@7.0", None),
    )

    (by_purl,) = inventory.match(purl)
    (by_cpe,) = inventory.match(cpe)

    assert (by_purl.device, by_purl.confidence, by_purl.matched_on) == (
        renamed,
        "identifier",
        "purl pkg:generic/acme/infuse-9@2.0",
    )
    assert (by_cpe.device, by_cpe.confidence) == (renamed, "identifier")


def test_an_identifier_with_another_version_does_not_match() -> None:
    running_2_1 = Device(6, "SN-6", "x", "y", "2.1")
    purl = advisory(
        "known_affected", {"purl": "pkg:generic/acme/infuse-9@2.0"}, ("product_version", "2.0")
    )

    assert index((running_2_1, "pkg:generic/acme/infuse-9", None)).match(purl) == []
