"""Reading VEX documents of the three formats into statements; bad input is an Error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.vulns.vex import InvalidVex, Justification, SourceKind, VexStatus, read_vex_bytes


def _bytes(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def openvex(*statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://acme.example/vex/1",
        "author": "Acme PSIRT",
        "timestamp": "2024-05-01T10:00:00.123456789-06:00",
        "version": 1,
        "statements": list(statements),
    }


def csaf(vulnerability: dict[str, Any]) -> dict[str, Any]:
    return {
        "document": {
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "Acme PSIRT", "namespace": "https://a"},
            "title": "VEX",
            "tracking": {
                "id": "ACME-VEX-1",
                "current_release_date": "2024-06-01T00:00:00Z",
                "initial_release_date": "2024-06-01T00:00:00Z",
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
                            "category": "product_version",
                            "name": "2.0",
                            "product": {
                                "name": "Pump 2.0",
                                "product_id": "PUMP-2",
                                "product_identification_helper": {
                                    "purl": "pkg:generic/acme/pump@2.0"
                                },
                            },
                        }
                    ],
                }
            ],
            "full_product_names": [
                {
                    "name": "jinja2 2.10",
                    "product_id": "JINJA",
                    "product_identification_helper": {"purl": "pkg:pypi/jinja2@2.10"},
                }
            ],
            "relationships": [
                {
                    "category": "default_component_of",
                    "product_reference": "JINJA",
                    "relates_to_product_reference": "PUMP-2",
                    "full_product_name": {"name": "jinja2 in Pump 2.0", "product_id": "PUMP-2:J"},
                }
            ],
            "product_groups": [{"group_id": "G", "product_ids": ["PUMP-2:J"]}],
        },
        "vulnerabilities": [vulnerability],
    }


def test_openvex_product_with_subcomponents_makes_one_statement_each() -> None:
    doc = openvex(
        {
            "vulnerability": {"name": "CVE-2024-1", "aliases": ["GHSA-xxxx-yyyy-zzzz"]},
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "products": [
                {
                    "@id": "pkg:generic/acme/pump@2.0",
                    "subcomponents": [
                        {"@id": "pkg:pypi/jinja2@2.10"},
                        {"identifiers": {"cpe23": "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"}},
                    ],
                }
            ],
        }
    )
    found = read_vex_bytes(_bytes(doc), "v.json")
    assert [(s.component.purl, s.component.cpe) for s in found if s.component] == [
        ("pkg:pypi/jinja2@2.10", None),
        (None, "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"),
    ]
    first = found[0]
    assert first.product is not None and first.product.purl == "pkg:generic/acme/pump@2.0"
    assert first.aliases == ("GHSA-xxxx-yyyy-zzzz",)
    assert first.justification is Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH
    assert first.source == "Acme PSIRT" and first.source_kind is SourceKind.MANUFACTURER
    assert first.timestamp is not None and first.timestamp.utcoffset() is not None
    assert first.pointer == "/statements/0/products/0/subcomponents/0"


def test_openvex_v0_0_spelling_is_read() -> None:
    doc = openvex(
        {
            "vulnerability": "CVE-2024-2",
            "products": ["pkg:generic/acme/pump@2.0"],
            "subcomponents": ["pkg:pypi/jinja2@2.10"],
            "status": "fixed",
        }
    )
    (s,) = read_vex_bytes(_bytes(doc), "v.json", SourceKind.THIRD_PARTY)
    assert (s.vulnerability, s.status, s.source_kind) == (
        "CVE-2024-2",
        VexStatus.FIXED,
        SourceKind.THIRD_PARTY,
    )
    assert s.component is not None and s.component.purl == "pkg:pypi/jinja2@2.10"


def test_cyclonedx_vex_scopes_by_bom_ref_and_keeps_the_original_words() -> None:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "timestamp": "2024-01-01T00:00:00Z",
            "component": {"type": "device", "name": "Pump", "version": "2.0", "bom-ref": "p"},
            "manufacturer": {"name": "Acme"},
        },
        "components": [
            {"type": "library", "name": "jinja2", "bom-ref": "j", "purl": "pkg:pypi/jinja2@2.10"}
        ],
        "vulnerabilities": [
            {
                "id": "CVE-2024-1",
                "references": [{"id": "PYSEC-2024-1", "source": {"name": "PyPA"}}],
                "analysis": {
                    "state": "not_affected",
                    "justification": "protected_at_perimeter",
                    "detail": "the port is closed",
                    "lastUpdated": "2024-02-01T00:00:00Z",
                },
                "affects": [{"ref": "j"}, {"ref": "p"}],
            },
            {"id": "CVE-2024-9", "affects": [{"ref": "j"}]},  # no analysis: not a statement
        ],
    }
    component_level, product_level = read_vex_bytes(_bytes(doc), "bom.json")
    assert component_level.component is not None
    assert component_level.component.purl == "pkg:pypi/jinja2@2.10"
    assert product_level.component is None
    assert component_level.justification is Justification.INLINE_MITIGATIONS_ALREADY_EXIST
    assert component_level.original_justification == "protected_at_perimeter"
    assert component_level.impact_statement == "the port is closed"
    assert component_level.aliases == ("PYSEC-2024-1",)
    assert component_level.timestamp == datetime(2024, 2, 1, tzinfo=UTC)
    assert component_level.source == "Acme"


def test_csaf_relationship_is_product_plus_component_and_groups_expand() -> None:
    doc = csaf(
        {
            "cve": "CVE-2024-1",
            "ids": [{"system_name": "GHSA", "text": "GHSA-aaaa-bbbb-cccc"}],
            "product_status": {"known_not_affected": ["PUMP-2:J"], "first_fixed": ["PUMP-2"]},
            "flags": [{"label": "vulnerable_code_not_present", "group_ids": ["G"]}],
            "threats": [{"category": "impact", "details": "not compiled in", "group_ids": ["G"]}],
        }
    )
    not_affected, fixed = read_vex_bytes(_bytes(doc), "csaf.json")
    assert not_affected.product is not None and not_affected.component is not None
    assert not_affected.product.purl == "pkg:generic/acme/pump@2.0"
    assert not_affected.component.purl == "pkg:pypi/jinja2@2.10"
    assert not_affected.justification is Justification.VULNERABLE_CODE_NOT_PRESENT
    assert not_affected.impact_statement == "not compiled in"
    assert not_affected.aliases == ("GHSA-aaaa-bbbb-cccc",)
    assert (fixed.status, fixed.original_status, fixed.component) == (
        VexStatus.FIXED,
        "first_fixed",
        None,
    )


BAD = [
    (b"{", "", "not valid JSON"),
    (b'{"hello": 1}', "", "not a VEX document"),
    (
        _bytes(openvex({"vulnerability": {"name": "CVE-1"}, "status": "maybe", "products": []})),
        "/statements/0/status",
        "not an OpenVEX status",
    ),
    (
        _bytes(openvex({"vulnerability": {"name": "CVE-1"}, "status": "fixed"})),
        "/statements/0/products",
        "names no product",
    ),
    (
        _bytes(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "broken"}}],
            }
        ),
        "/vulnerabilities/0/analysis/state",
        "not a CycloneDX analysis state",
    ),
    (
        _bytes(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "vulnerabilities": [
                    {"id": "CVE-1", "analysis": {"state": "resolved"}, "affects": [{"ref": "c"}]}
                ],
            }
        ),
        "/vulnerabilities/0/affects/0/ref",
        "names no product",
    ),
    (
        _bytes(csaf({"cve": "CVE-1", "product_status": {"fixed": ["NOPE"]}})),
        "/vulnerabilities/0/product_status/fixed/0",
        "not defined in the product_tree",
    ),
]


@pytest.mark.parametrize(("data", "pointer", "message"), BAD)
def test_bad_documents_say_where_and_what(data: bytes, pointer: str, message: str) -> None:
    with pytest.raises(InvalidVex) as e:
        read_vex_bytes(data, "bad.json")
    (problem,) = e.value.problems
    assert problem.location.file == "bad.json"
    assert problem.location.path == pointer
    assert message in problem.message


def test_csaf_duplicate_keys_are_refused_by_the_csaf_reader() -> None:
    text = json.dumps(csaf({"cve": "CVE-1"})).replace(
        '"title": "VEX"', '"title": "VEX", "title": "other"'
    )
    with pytest.raises(Error, match="appears twice"):
        read_vex_bytes(text.encode(), "dup.json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
keys = st.sampled_from(
    [
        "statements",
        "products",
        "vulnerability",
        "status",
        "vulnerabilities",
        "analysis",
        "affects",
        "product_status",
        "product_tree",
        "ref",
        "@id",
        "name",
        "subcomponents",
    ]
)
structured = st.recursive(
    st.none() | st.text(max_size=10) | st.sampled_from(["fixed", "not_affected", "CVE-1"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
heads = st.sampled_from(
    [
        {"@context": "https://openvex.dev/ns/v0.2.0"},
        {"bomFormat": "CycloneDX"},
        {"document": {"csaf_version": "2.0"}},
        {},
    ]
)


@settings(max_examples=300, deadline=None)
@given(heads, st.dictionaries(keys, structured, max_size=5))
def test_any_json_never_raises_anything_but_error(head: dict[str, Any], body: Any) -> None:
    try:
        read_vex_bytes(_bytes({**body, **head}), "fuzz.json")
    except Error:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | json_values.map(_bytes))
def test_any_bytes_never_raise_anything_but_error(data: bytes) -> None:
    try:
        read_vex_bytes(data, "fuzz.json")
    except Error:
        pass
