"""scan(): components × records, VEX applied by scope, triage carried over, exports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from medsec.sbom import read_sbom_bytes
from medsec.sbom.model import Component, Sbom
from medsec.vulns.findings import FindingState, scan
from medsec.vulns.matcher import Index
from medsec.vulns.priority import AssetContext, EpssScores, Exposure, Level
from medsec.vulns.records import Record
from medsec.vulns.sarif import to_sarif
from medsec.vulns.sources.kev import KevCatalog
from medsec.vulns.triage import component_key, record, unchanged
from medsec.vulns.vex import SourceKind, VexStatus, cyclonedx, openvex, read_vex_bytes
from medsec.vulns.vex.model import Justification

SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"


def sbom(
    jinja_version: str | None = "2.10",
    hashes: list[dict[str, str]] | None = None,
    product_version: str = "2.0",
) -> Sbom:
    jinja: dict[str, Any] = {
        "type": "library",
        "bom-ref": "jinja",
        "name": "jinja2",
        "purl": "pkg:pypi/jinja2" + (f"@{jinja_version}" if jinja_version else ""),
    }
    if jinja_version:
        jinja["version"] = jinja_version
    if hashes:
        jinja["hashes"] = hashes
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": SERIAL,
        "version": 1,
        "metadata": {
            "component": {
                "type": "device",
                "bom-ref": "pump",
                "name": "Pump",
                "version": product_version,
                "purl": f"pkg:generic/acme/pump@{product_version}",
            }
        },
        "components": [
            jinja,
            {
                "type": "library",
                "bom-ref": "flask",
                "name": "flask",
                "version": "0.12",
                "purl": "pkg:pypi/flask@0.12",
            },
        ],
    }
    return read_sbom_bytes(json.dumps(doc).encode(), "sbom.json")


def index() -> Index:
    i = Index()
    for rid, alias, name, versions, vector in [
        (
            "PYSEC-2019-217",
            "CVE-2019-10906",
            "jinja2",
            ["2.10"],
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N",
        ),
        ("PYSEC-2018-66", "CVE-2018-1000656", "flask", ["0.12"], None),
    ]:
        doc: dict[str, Any] = {
            "id": rid,
            "modified": "2024-01-01T00:00:00Z",
            "aliases": [alias],
            "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": versions}],
        }
        if vector:
            doc["severity"] = [{"type": "CVSS_V3", "score": vector}]
        i.add(Record.model_validate(doc))
    return i


def openvex_doc(
    product: str,
    component: str,
    status: str,
    vuln: str = "CVE-2019-10906",
    when: str = "2024-05-01T00:00:00Z",
    **extra: str,
) -> bytes:
    return json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://acme.example/vex",
            "author": "Acme PSIRT",
            "timestamp": when,
            "version": 1,
            "statements": [
                {
                    "vulnerability": {"name": vuln},
                    "status": status,
                    "products": [{"@id": product, "subcomponents": [{"@id": component}]}],
                    **extra,
                }
            ],
        }
    ).encode()


def by_vuln(findings: list[Any]) -> dict[str, Any]:
    return {f.vulnerability: f for f in findings}


def test_raw_scan_with_evidence_and_priority() -> None:
    found = by_vuln(scan(sbom(), index()))
    jinja = found["PYSEC-2019-217"]
    assert jinja.state is FindingState.AFFECTED
    assert jinja.aliases == ("CVE-2019-10906",)
    assert jinja.match.explanation == "version 2.10 is listed"
    assert (jinja.component.ref, jinja.component.purl) == ("jinja", "pkg:pypi/jinja2@2.10")
    assert jinja.priority.level is Level.HIGH  # CVSS 8.6
    assert jinja.priority.cvss[0].score == 8.6
    assert found["PYSEC-2018-66"].priority.factors[0].value.startswith("assumed 5")


def test_component_without_version_is_unknown_never_affected() -> None:
    (f,) = [f for f in scan(sbom(jinja_version=None), index()) if f.component.name == "jinja2"]
    assert f.state is FindingState.UNKNOWN_VERSION
    assert not f.is_open


def test_manufacturer_vex_suppresses_with_its_justification() -> None:
    vex = read_vex_bytes(
        openvex_doc(
            "pkg:generic/acme/pump@2.0",
            "pkg:pypi/jinja2@2.10",
            "not_affected",
            justification="vulnerable_code_not_in_execute_path",
        ),
        "vex.json",
    )
    f = by_vuln(scan(sbom(), index(), vex=vex))["PYSEC-2019-217"]
    assert f.state is FindingState.NOT_AFFECTED
    assert f.priority.level is Level.NONE
    assert "vulnerable_code_not_in_execute_path" in f.detail()
    assert "Acme PSIRT" in f.priority.note
    # The other component's finding is untouched: the statement names jinja2 only.
    assert by_vuln(scan(sbom(), index(), vex=vex))["PYSEC-2018-66"].state is FindingState.AFFECTED


@pytest.mark.parametrize(
    ("product", "component"),
    [
        ("pkg:generic/acme/pump@3.0", "pkg:pypi/jinja2@2.10"),  # another product version
        ("pkg:generic/other/ct@2.0", "pkg:pypi/jinja2@2.10"),  # another product
        ("pkg:generic/acme/pump@2.0", "pkg:pypi/jinja2@3.1"),  # another component version
    ],
)
def test_vex_for_something_else_does_not_apply(product: str, component: str) -> None:
    vex = read_vex_bytes(
        openvex_doc(product, component, "not_affected", justification="component_not_present"),
        "vex.json",
    )
    f = by_vuln(scan(sbom(), index(), vex=vex))["PYSEC-2019-217"]
    assert f.state is FindingState.AFFECTED and f.statements == ()


def test_kev_epss_and_context_enter_the_priority() -> None:
    kev = KevCatalog.model_validate(
        {
            "catalogVersion": "1",
            "dateReleased": "2024-01-01T00:00:00Z",
            "count": 1,
            "vulnerabilities": [
                {
                    "cveID": "CVE-2018-1000656",
                    "vendorProject": "Pallets",
                    "product": "Flask",
                    "vulnerabilityName": "x",
                    "dateAdded": "2024-01-01",
                    "shortDescription": "x",
                    "requiredAction": "update",
                }
            ],
        }
    )
    epss = EpssScores({"CVE-2018-1000656": (0.5, 0.9)})
    context = AssetContext(
        exposure=Exposure.INTERNET, manufacturer_priority={"CVE-2018-1000656": Level.CRITICAL}
    )
    f = by_vuln(scan(sbom(), index(), kev=kev, epss=epss, context=context))["PYSEC-2018-66"]
    assert f.known_exploited and f.epss == 0.5
    assert [x.name for x in f.priority.factors] == [
        "CVSS",
        "KEV",
        "EPSS",
        "manufacturer priority",
        "zone exposure",
    ]
    assert (f.priority.score, f.priority.level) == (11.5, Level.CRITICAL)


def test_triage_carries_over_while_the_component_is_unchanged() -> None:
    old = sbom()
    jinja = next(c for c in old.components if c.name == "jinja2")
    t = record(
        old,
        jinja,
        "CVE-2019-10906",
        VexStatus.NOT_AFFECTED,
        analyst="ana",
        timestamp=datetime(2024, 7, 1, tzinfo=UTC),
        justification=Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
        note="port closed",
    )
    # New product version, same jinja2 2.10: the triage applies (aliases considered).
    same = by_vuln(scan(sbom(product_version="2.1"), index(), triage=[t]))["PYSEC-2019-217"]
    assert same.state is FindingState.NOT_AFFECTED
    assert same.decisive is not None and same.decisive.source_kind is SourceKind.HOSPITAL
    assert "port closed" in same.detail()
    # jinja2 upgraded to 2.10.1 (still matched here via a record listing it): triage lost.
    changed = sbom(jinja_version="2.10.1", product_version="2.1")
    assert not unchanged(t, next(c for c in changed.components if c.name == "jinja2"))


SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.mark.parametrize(
    ("recorded", "new_version", "new_hashes", "expected"),
    [
        ({"version": "2.10"}, "2.10", None, True),
        ({"version": "2.10"}, "2.11", None, False),
        ({"version": "2.10", "sha": SHA_A}, "2.10", SHA_A, True),
        ({"version": "2.10", "sha": SHA_A}, "2.10", SHA_B, False),  # rebuilt, same version
        ({"version": "2.10", "sha": SHA_A}, "2.10", None, True),  # no common hash: version
    ],
)
def test_unchanged_rule(
    recorded: dict[str, str], new_version: str, new_hashes: str | None, expected: bool
) -> None:
    old_hashes = [{"alg": "SHA-256", "content": recorded["sha"]}] if "sha" in recorded else None
    old = sbom(jinja_version=recorded["version"], hashes=old_hashes)
    jinja = next(c for c in old.components if c.name == "jinja2")
    t = record(
        old,
        jinja,
        "CVE-2019-10906",
        VexStatus.NOT_AFFECTED,
        analyst="ana",
        timestamp=datetime(2024, 7, 1, tzinfo=UTC),
    )
    new = sbom(
        jinja_version=new_version,
        hashes=[{"alg": "SHA-256", "content": new_hashes}] if new_hashes else None,
    )
    assert unchanged(t, next(c for c in new.components if c.name == "jinja2")) is expected


@pytest.mark.parametrize(
    ("purl", "cpe", "name", "group", "identity"),
    [
        # A purl identifies it: version, qualifiers and subpath are left out.
        ("pkg:deb/debian/zlib@1.2.13?arch=amd64", None, "zlib", None, "pkg:deb/debian/zlib"),
        ("pkg:pypi/jinja2@2.10", "cpe:2.3:a:pallets:jinja:2.10:*:*:*:*:*:*:*", "Jinja", None,
         "pkg:pypi/jinja2"),
        # No purl: the CPE's vendor and product (the name may be spelt differently).
        (None, "cpe:2.3:o:Acme:RTOS:4.1:*:*:*:*:*:*:*", "Acme RTOS", None, "cpe:acme:rtos"),
        (None, "cpe:2.3:o:acme:rtos:4.2:*:*:*:*:*:*:*", "rtos", None, "cpe:acme:rtos"),
        # Neither (or a CPE that does not parse): the name, with its group.
        (None, None, "libfoo", "acme", "acme/libfoo"),
        (None, "not a cpe", "libfoo", None, "libfoo"),
    ],
)  # fmt: skip
def test_a_component_is_identified_by_purl_else_cpe_else_name(
    purl: str | None, cpe: str | None, name: str, group: str | None, identity: str
) -> None:
    c = Component(ref=None, type="library", name=name, purl=purl, cpe=cpe, group=group)
    assert component_key(c) == identity


def test_later_manufacturer_statement_replaces_older_triage() -> None:
    old = sbom()
    jinja = next(c for c in old.components if c.name == "jinja2")
    t = record(
        old,
        jinja,
        "CVE-2019-10906",
        VexStatus.NOT_AFFECTED,
        analyst="ana",
        timestamp=datetime(2024, 1, 1, tzinfo=UTC),
    )
    vex = read_vex_bytes(
        openvex_doc(
            "pkg:generic/acme/pump",
            "pkg:pypi/jinja2@2.10",
            "affected",
            when="2024-09-01T00:00:00Z",
            action_statement="update to 3.0",
        ),
        "vex.json",
    )
    f = by_vuln(scan(old, index(), vex=vex, triage=[t]))["PYSEC-2019-217"]
    assert f.state is FindingState.AFFECTED
    assert [s.source_kind for s in f.statements] == [SourceKind.MANUFACTURER, SourceKind.HOSPITAL]


def test_cyclonedx_vex_export_validates_and_reads_back() -> None:
    s = sbom()
    vex = read_vex_bytes(
        openvex_doc(
            "pkg:generic/acme/pump@2.0",
            "pkg:pypi/jinja2@2.10",
            "not_affected",
            justification="component_not_present",
        ),
        "vex.json",
    )
    findings = scan(s, index(), vex=vex)
    bom = cyclonedx.export(findings, product=s.product)  # validates against the schema
    back = read_vex_bytes(json.dumps(bom).encode(), "out.json")
    assert {(x.vulnerability, x.status) for x in back} == {
        ("PYSEC-2019-217", VexStatus.NOT_AFFECTED),
        ("PYSEC-2018-66", VexStatus.AFFECTED),
    }
    # Read back, the export applies to the same SBOM's product and components again.
    again = by_vuln(scan(s, index(), vex=back))
    assert again["PYSEC-2019-217"].state is FindingState.NOT_AFFECTED


def test_openvex_export_reads_back_with_the_same_states() -> None:
    s = sbom()
    findings = scan(s, index())
    doc = openvex.export(findings, product=s.product)
    back = read_vex_bytes(json.dumps(doc).encode(), "out.json")
    again = by_vuln(scan(s, index(), vex=back))
    assert {k: f.state for k, f in again.items()} == {f.vulnerability: f.state for f in findings}
    assert all(st["status"] == "affected" and st["action_statement"] for st in doc["statements"])


def test_sarif_has_the_required_structure() -> None:
    vex = read_vex_bytes(
        openvex_doc("pkg:generic/acme/pump@2.0", "pkg:pypi/jinja2@2.10", "fixed"), "vex.json"
    )
    log = to_sarif(scan(sbom(), index(), vex=vex), "sbom.json")
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "medsec"
    for result in run["results"]:
        assert result["message"]["text"]
        assert result["level"] in {"none", "note", "warning", "error"}
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sbom.json"
    fixed = next(r for r in run["results"] if r["ruleId"] == "PYSEC-2019-217")
    assert fixed["suppressions"][0]["kind"] == "external"
    assert fixed["properties"]["state"] == "fixed"


def test_the_index_keeps_cvss_vectors_and_forgets_them_on_update_or_withdrawal() -> None:
    i = index()
    assert i.cvss_vectors("PYSEC-2019-217") == ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N",)
    i.add(
        Record.model_validate(
            {
                "id": "PYSEC-2019-217",
                "modified": "2025-01-01T00:00:00Z",
                "withdrawn": "2025-01-01T00:00:00Z",
            }
        )
    )
    assert i.cvss_vectors("PYSEC-2019-217") == ()
    i.add(
        Record.model_validate(
            {
                "id": "PYSEC-2018-66",
                "modified": "2025-01-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": "flask"},
                        "versions": ["0.12"],
                        "severity": [
                            {
                                "type": "CVSS_V4",
                                "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/"
                                "UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                            }
                        ],
                    }
                ],
            }
        )
    )
    assert i.cvss_vectors("PYSEC-2018-66")[0].startswith("CVSS:4.0/")
    f = by_vuln(scan(sbom(), i))["PYSEC-2018-66"]
    assert f.priority.factors[0].name == "CVSS 4.0" and f.priority.score == 9.3
