"""Bad SBOMs are refused with the place and the reason (tables of cases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medsec.errors import Error
from medsec.sbom import read_sbom_bytes
from medsec.sbom.interfaces import Limits, SbomError, SbomTooLarge, format_problem

FIXTURES = Path(__file__).parent / "fixtures"
PUMP = json.loads((FIXTURES / "pump-1.6.json").read_text())


def _cdx(**changes: object) -> bytes:
    doc = json.loads(json.dumps(PUMP))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = doc
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value
    return json.dumps(doc, indent=2).encode()


CASES = [
    # (what is wrong, document, expected place (path or line:col), message fragment)
    ("not JSON", b'{"bomFormat": "CycloneDX",\n  "specVersion": }', "2:18", "not JSON"),
    ("unknown format", b'{"name": "x"}', "", "JSON without"),
    ("empty file", b"  \n", "", "the file is empty"),
    (
        "NaN",
        b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": NaN}',
        "",
        "NaN is not a JSON number",
    ),
    (
        "huge integer",
        b'{"bomFormat": "CycloneDX", "version": ' + b"9" * 5000 + b"}",
        "",
        "Exceeds the limit",
    ),
    ("plain text", b"hello", "", "not an SBOM format"),
    ("old CycloneDX", _cdx(specVersion="1.3"), "/specVersion", "CycloneDX 1.3 is not supported"),
    (
        "unknown version",
        _cdx(specVersion="2.0"),
        "/specVersion",
        "'2.0' is not a CycloneDX version",
    ),
    ("bad component type", _cdx(components__1__type="gadget"), "/components/1/type", "'gadget'"),
    (
        "bad hash",
        _cdx(components__0__hashes=[{"alg": "SHA-256", "content": "xyz"}]),
        "/components/0/hashes/0/content",
        "does not match",
    ),
    ("bad purl", _cdx(components__1__purl="npm/lodash"), "/components/1/purl", "not a package URL"),
    ("bad cpe", _cdx(components__1__cpe="cpe:2.3:x:y"), "/components/1/cpe", "not a CPE 2.3"),
    ("bad timestamp", _cdx(metadata__timestamp="yesterday"), "/metadata/timestamp", "date-time"),
    (
        "URL with a space",
        _cdx(
            components__1__externalReferences=[{"type": "website", "url": "https://exa mple.org"}]
        ),
        "/components/1/externalReferences/0/url",
        "is not a 'iri-reference'",
    ),
    (
        "URL with a bad escape",
        _cdx(components__1__externalReferences=[{"type": "vcs", "url": "https://x.org/%zz"}]),
        "/components/1/externalReferences/0/url",
        "is not a 'iri-reference'",
    ),
    ("unknown key", _cdx(colour="blue"), "", "Additional properties are not allowed"),
    (
        "XML syntax",
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6">\n<components>',
        "2:13",
        "not XML",
    ),
    (
        "XML old version",
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.2" version="1"/>',
        "/bom",
        "CycloneDX 1.2 is not supported",
    ),
    (
        "XML bad type",
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components>'
        b'<component type="gadget"><name>x</name></component></components></bom>',
        "/bom/components/component",
        "'gadget' is not an element of the set",
    ),
    (
        "XML DOCTYPE",
        b'<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY a "b">]>\n'
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"/>',
        "",
        "DOCTYPE",
    ),
    (
        "SPDX RDF",
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:spdx="http://spdx.org/rdf/terms#"/>',
        "",
        "SPDX RDF/XML is not supported",
    ),
    (
        "SPDX missing name",
        b'{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}',
        "",
        "CreationInfo does not exist",
    ),
    (
        "SPDX tag-value bad",
        b"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT"
        b"\nPackageName: a\nPackageChecksum: SHA999: 00\n",
        "",
        "Checksum",
    ),
]


@pytest.mark.parametrize(("what", "data", "place", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_sboms_are_refused_at_the_place(
    what: str, data: bytes, place: str, fragment: str
) -> None:
    with pytest.raises(Error) as caught:
        read_sbom_bytes(data, "bad.sbom")
    text = caught.value.diagnostics()
    assert fragment in text, text
    if isinstance(caught.value, SbomError) and place:
        places = [
            f"{p.location.line}:{p.location.column}" if ":" in place else p.location.path
            for p in caught.value.problems
        ]
        assert place in places, text


def test_a_bom_ref_used_twice_is_refused() -> None:
    doc = json.loads(json.dumps(PUMP))
    doc["components"][1]["bom-ref"] = "fw"
    with pytest.raises(SbomError) as caught:
        read_sbom_bytes(json.dumps(doc).encode(), "twice.json")
    assert "bom-ref 'fw' is used twice" in caught.value.diagnostics()
    assert [p.location.path for p in caught.value.problems] == ["/components/1/bom-ref"]


def test_json_problems_name_the_line_of_the_json_pointer() -> None:
    data = _cdx(components__1__type="gadget")
    with pytest.raises(SbomError) as caught:
        read_sbom_bytes(data, "pump.json")
    (p,) = caught.value.problems
    line = data.decode().splitlines()[p.location.line - 1]
    assert '"type": "gadget"' in line
    assert format_problem(p).startswith(f"pump.json:{p.location.line}:")


@pytest.mark.parametrize(
    ("limits", "data", "error", "fragment"),
    [
        (Limits(max_bytes=100), _cdx(), SbomTooLarge, "bytes is more than"),
        (Limits(max_depth=5), _cdx(), SbomError, "nested deeper than 5"),
        (Limits(max_nesting=1), _cdx(), SbomError, "nested deeper than 1 levels"),
        (Limits(max_components=2), _cdx(), SbomTooLarge, "more than the limit of 2"),
        (Limits(), b"[" * 100_000 + b"]" * 100_000, SbomError, "nested deeper"),
    ],
)
def test_limits_refuse_with_a_clear_error(
    limits: Limits, data: bytes, error: type[Error], fragment: str
) -> None:
    with pytest.raises(error) as caught:
        read_sbom_bytes(data if data[:1] != b"[" else b'{"bomFormat": ' + data + b"}", "x", limits)
    assert fragment in caught.value.diagnostics()


SPDX_JSON = (FIXTURES / "pacs-2.3.spdx.json").read_text()
SPDX_TV = (FIXTURES / "pacs-2.3.spdx").read_text()


@pytest.mark.parametrize(
    ("what", "text", "name", "place", "fragment"),
    [
        (
            "purl",
            SPDX_JSON.replace('"pkg:generic/dcmtk@3.6.8"', '"lodash"'),
            "a.json",
            ("SPDXRef-dcmtk", 23),
            'locator of type "purl" must conform',
        ),
        (
            "cpe",
            SPDX_JSON.replace("cpe:2.3:a:offis:dcmtk:3.6.8:*:*:*:*:*:*:*", "cpe:2.3:a"),
            "a.json",
            ("SPDXRef-dcmtk", 23),
            'locator of type "cpe23Type" must conform',
        ),
        (
            "tag-value purl",
            SPDX_TV.replace("pkg:generic/dcmtk@3.6.8", "dcmtk"),
            "a.spdx",
            ("SPDXRef-dcmtk", 19),
            'locator of type "purl" must conform',
        ),
        (
            "tag-value grammar",
            SPDX_TV.replace(
                "PackageVersion: 3.6.8\n", "PackageVersion: 3.6.8\nPackageChecksum: X\n"
            ),
            "a.spdx",
            ("", 21),
            "Error while parsing PackageChecksum",
        ),
        (
            "SPDX duplicate id",
            SPDX_JSON.replace('"SPDXID": "SPDXRef-libpng"', '"SPDXID": "SPDXRef-dcmtk"'),
            "a.json",
            ("SPDXRef-DOCUMENT", 4),
            "every spdx_id must be unique",
        ),
        (
            "SPDX 2.1",
            SPDX_JSON.replace("SPDX-2.3", "SPDX-2.1"),
            "a.json",
            ("SPDXRef-DOCUMENT", 4),
            'only SPDX versions "SPDX-2.2" and "SPDX-2.3" are supported',
        ),
    ],
)
def test_spdx_problems_name_the_element_and_its_line(
    what: str, text: str, name: str, place: tuple[str, int], fragment: str
) -> None:
    with pytest.raises(SbomError) as caught:
        read_sbom_bytes(text.encode(), name)
    found = [(p.location.path, p.location.line) for p in caught.value.problems]
    assert place in found, caught.value.diagnostics()
    assert fragment in caught.value.diagnostics()
