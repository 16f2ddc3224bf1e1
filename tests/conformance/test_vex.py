"""Every VEX example in ../shared/data parses into statements; our exports validate.

Sources: OpenVEX schema (openvex/spec), grype's VEX test documents (OpenVEX and CSAF),
CycloneDX bom-examples VEX use cases, the OASIS CSAF 2.0 ``csaf_vex`` examples and the
CSAF test documents of category ``csaf_vex``. One example is refused on purpose: the
CycloneDX use case 7 VEX names no product (``affects`` is empty), and a status applies
to a product, not to a bare vulnerability id.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from medsec.errors import Error
from medsec.sbom import read_sbom_bytes
from medsec.vulns.findings import scan
from medsec.vulns.matcher import Index
from medsec.vulns.records import Record
from medsec.vulns.vex import InvalidVex, read_vex
from medsec.vulns.vex import openvex as openvex_adapter

pytestmark = pytest.mark.conformance

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
OPENVEX_SCHEMA = SHARED / "vex" / "openvex" / "openvex_json_schema.json"
#: Refused on purpose (see the module docstring), with the reason expected.
REFUSED = {"cyclonedx/examples/VEX/Use-Cases/Case-7/vex.json": "names no product"}


def _need(path: Path) -> Path:
    if not path.exists():
        reason = f"{path} is absent: the shared VEX examples are not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    return path


def _examples() -> dict[str, list[Path]]:
    grype = _need(SHARED / "vex" / "grype") / "grype" / "vex" / "testdata" / "vex-docs"
    cdx = _need(SHARED / "cyclonedx" / "examples" / "VEX")
    csaf = _need(SHARED / "csaf" / "oasis" / "csaf_2.0" / "examples" / "csaf" / "csaf_vex")
    return {
        "openvex (grype)": sorted(grype.glob("openvex-*.json")),
        "csaf (grype)": sorted(grype.glob("csaf-*.json")),
        "cyclonedx (bom-examples)": sorted(cdx.rglob("vex*.json")),
        "csaf (OASIS examples)": sorted(csaf.glob("*.json")),
    }


def test_every_vex_example_parses() -> None:
    counts: Counter[str] = Counter()
    report = []
    for suite, files in _examples().items():
        assert files, f"no {suite} examples found"
        parsed = statements = 0
        for path in files:
            rel = path.resolve().relative_to(SHARED.resolve()).as_posix()
            if rel in REFUSED:
                with pytest.raises(InvalidVex) as refused:
                    read_vex(path)
                assert REFUSED[rel] in refused.value.diagnostics()
                counts["refused on purpose"] += 1
                continue
            found = read_vex(path)
            assert found, f"{rel}: no statement read"
            assert all(s.product is not None for s in found), f"{rel}: a statement without product"
            parsed += 1
            statements += len(found)
        report.append(f"{suite}: {parsed}/{len(files)} parsed, {statements} statements")
        counts["files"] += len(files)
        counts["parsed"] += parsed
    print(
        "\n".join(report),
        f"\ntotal: {counts['parsed']}/{counts['files']} parsed,",
        f"{counts['refused on purpose']} refused on purpose",
    )
    assert counts["parsed"] + counts["refused on purpose"] == counts["files"]


def test_csaf_vex_test_documents_parse_or_fail_with_an_error() -> None:
    mandatory = _need(SHARED / "csaf" / "oasis" / "csaf_2.0" / "test" / "validator" / "data")
    files = [p for p in mandatory.rglob("*.json") if '"csaf_vex"' in p.read_text()]
    assert files
    ok = 0
    for path in files:
        try:
            read_vex(path)
            ok += 1
        except Error:
            pass  # invalid test documents may be refused, never crash
    print(f"CSAF csaf_vex test documents: {ok}/{len(files)} read")


def test_openvex_export_validates_against_the_openvex_schema() -> None:
    schema = json.loads(_need(OPENVEX_SCHEMA).read_text())
    index = Index()
    index.add(
        Record.model_validate(
            {
                "id": "PYSEC-1",
                "modified": "2024-01-01T00:00:00Z",
                "aliases": ["CVE-2024-1"],
                "affected": [
                    {"package": {"ecosystem": "PyPI", "name": "jinja2"}, "versions": ["2.10"]},
                    {"package": {"ecosystem": "PyPI", "name": "flask"}},
                ],
            }
        )
    )
    sbom = read_sbom_bytes(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "metadata": {
                    "component": {
                        "type": "device",
                        "name": "Pump",
                        "version": "2",
                        "purl": "pkg:generic/acme/pump@2",
                    }
                },
                "components": [
                    {
                        "type": "library",
                        "name": "jinja2",
                        "version": "2.10",
                        "purl": "pkg:pypi/jinja2@2.10",
                        "hashes": [{"alg": "SHA-256", "content": "a" * 64}],
                    },
                    {"type": "library", "name": "flask"},  # no purl: not matched
                    {
                        "type": "library",
                        "name": "flask",
                        "purl": "pkg:pypi/flask",
                    },  # unknown version
                ],
            }
        ).encode(),
        "s.json",
    )
    findings = scan(sbom, index)
    assert {f.state.value for f in findings} == {"affected", "unknown-version"}
    doc = openvex_adapter.export(findings, product=sbom.product)
    jsonschema.Draft202012Validator(schema).validate(doc)


def test_cisa_medical_advisories_product_status_reads_as_statements() -> None:
    files = sorted(_need(SHARED / "csaf" / "cisa-icsma").rglob("*.json"))
    assert files
    statements = [s for path in files for s in read_vex(path)]
    print(f"CISA ICSMA advisories: {len(files)}/{len(files)} read, {len(statements)} statements")
    assert all(s.product is not None and s.vulnerability for s in statements)
