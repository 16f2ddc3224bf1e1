"""The matches the service remembers per distinct package."""

from __future__ import annotations

from medsec.findings.knowledge import Knowledge
from medsec.sbom.model import Component
from medsec.vulns.matcher import Index
from medsec.vulns.records import Record
from medsec.vulns.sources.nvd import NvdCve

ANY_JINJA = "cpe:2.3:a:pallets:jinja:*:*:*:*:*:*:*:*"
RECORD = Record.model_validate(
    {
        "id": "PYSEC-K-1",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"}, "versions": ["2.10"]}],
    }
)
CVE = NvdCve.model_validate(
    {
        "id": "CVE-2026-2000",
        "configurations": [
            {
                "nodes": [
                    {
                        "operator": "OR",
                        "cpeMatch": [
                            {
                                "vulnerable": True,
                                "criteria": "cpe:2.3:a:pallets:jinja:*:*:*:*:*:*:*:*",
                            }
                        ],
                    }
                ]
            }
        ],
    }
)


def knowledge() -> Knowledge:
    index = Index()
    index.add(RECORD)
    return Knowledge(("test",), index, (CVE,))


def jinja(cpe: str | None) -> Component:
    return Component(
        ref=None,
        type="library",
        name="jinja2",
        version="2.10",
        purl="pkg:pypi/jinja2@2.10",
        cpe=cpe,
    )


def test_a_package_is_matched_once_however_many_components_hold_it() -> None:
    known = knowledge()
    first = known.matcher(jinja(None))
    again = known.matcher(jinja(None))
    assert [m.record_id for m in first] == ["PYSEC-K-1"] and again is first
    assert known.distinct_packages == 1


def test_purl_and_cpe_both_match() -> None:
    found = knowledge().matcher(jinja("cpe:2.3:a:pallets:jinja:2.10:*:*:*:*:*:*:*"))
    assert sorted(m.record_id for m in found) == ["CVE-2026-2000", "PYSEC-K-1"]


def test_regression_a_cpe_that_does_not_parse_leaves_the_purl_match() -> None:
    assert [m.record_id for m in knowledge().matcher(jinja("cpe:2.3:broken"))] == ["PYSEC-K-1"]
