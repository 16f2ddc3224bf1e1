"""Each format and version reads into the same model: the hand-written fixtures describe
the same infusion pump (CycloneDX 1.6 JSON / 1.5 XML) and PACS server (SPDX JSON / tag-value)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from medsec.sbom import EdgeKind, SbomFormat, read_sbom
from medsec.sbom.model import Edge

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("pump-1.6.json", SbomFormat.CYCLONEDX_JSON), ("pump-1.5.xml", SbomFormat.CYCLONEDX_XML)],
)
def test_the_pump_reads_the_same_from_json_and_xml(name: str, fmt: SbomFormat) -> None:
    sbom = read_sbom(FIXTURES / name)
    assert sbom.format is fmt
    assert sbom.serial_number == "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    assert sbom.version == 2
    assert sbom.timestamp == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert sbom.authors == ("Product Security Team",)
    assert sbom.tools == ("sbom-builder 4.1",)
    assert sbom.product is not None
    assert (sbom.product.ref, sbom.product.type, sbom.product.supplier) == (
        "pump",
        "device",
        "Example Medical",
    )
    fw, openssl, zlib = sbom.components
    assert fw.hashes == {
        "SHA-256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    }
    assert (openssl.parent, openssl.scope, openssl.licenses) == ("fw", "required", ("Apache-2.0",))
    # A CPE 2.2 URI becomes the CPE 2.3 formatted string.
    assert openssl.cpe == "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"
    assert openssl.purl == "pkg:generic/openssl@3.0.13"
    # No version in the document: none invented. The 1.6 manufacturer stands in for supplier.
    assert zlib.version is None
    assert (zlib.group, zlib.licenses) == ("madler", ("Zlib OR MIT",))
    assert zlib.supplier == ("zlib authors" if fmt is SbomFormat.CYCLONEDX_JSON else None)
    assert sbom.edges == (Edge("pump", "fw"), Edge("fw", "openssl"), Edge("fw", "zlib"))


def test_cyclonedx_1_4_tools_list_and_bom_ref_purls() -> None:
    sbom = read_sbom(FIXTURES / "monitor-1.4.json")
    assert sbom.spec_version == "1.4"
    assert sbom.tools == ("legacy-tool 0.9",)
    assert (sbom.authors, sbom.timestamp, sbom.serial_number) == ((), None, None)
    (lodash,) = sbom.components
    assert (lodash.ref, lodash.supplier) == ("pkg:npm/lodash@4.17.21", None)


def test_cyclonedx_1_7_with_an_offset_timestamp() -> None:
    sbom = read_sbom(FIXTURES / "gateway-1.7.json")
    assert sbom.spec_version == "1.7"
    assert sbom.timestamp is not None and sbom.timestamp.utcoffset() is not None
    assert sbom.components[0].purl == "pkg:deb/debian/base-files@13?distro=debian-13"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("pacs-2.3.spdx.json", SbomFormat.SPDX_JSON), ("pacs-2.3.spdx", SbomFormat.SPDX_TAG_VALUE)],
)
def test_spdx_json_and_tag_value_read_the_same(name: str, fmt: SbomFormat) -> None:
    sbom = read_sbom(FIXTURES / name)
    assert (sbom.format, sbom.spec_version) == (fmt, "SPDX-2.3")
    assert sbom.serial_number == "https://example.com/spdx/pacs-server-5.1-6f1c"
    assert (sbom.authors, sbom.tools) == (("Example Imaging",), ("spdx-builder-2.0",))
    assert sbom.product is not None and sbom.product.ref == "SPDXRef-pacs"
    assert sbom.product.type == "application"
    dcmtk, libpng = sbom.components
    assert dcmtk.purl == "pkg:generic/dcmtk@3.6.8"
    assert dcmtk.cpe == "cpe:2.3:a:offis:dcmtk:3.6.8:*:*:*:*:*:*:*"
    assert dcmtk.hashes == {
        "SHA-256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    }
    assert dcmtk.licenses == ("BSD-3-Clause",)
    assert (libpng.version, libpng.supplier, libpng.type) == (None, None, None)
    assert set(sbom.edges) == {
        Edge("SPDXRef-pacs", "SPDXRef-dcmtk"),
        Edge("SPDXRef-dcmtk", "SPDXRef-libpng"),
        Edge("SPDXRef-pacs", "SPDXRef-libpng", EdgeKind.CONTAINS),
    }


def test_the_format_is_read_from_the_content_not_the_name(tmp_path: Path) -> None:
    renamed = tmp_path / "sbom.txt"
    renamed.write_bytes((FIXTURES / "pump-1.5.xml").read_bytes())
    assert read_sbom(renamed).format is SbomFormat.CYCLONEDX_XML


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("pump-1.6.json", '"specVersion": "1.6"', '"specVersion": "1.7"'),
        ("pump-1.5.xml", "schema/bom/1.5", "schema/bom/1.6"),
        ("pump-1.5.xml", "schema/bom/1.5", "schema/bom/1.7"),
    ],
)
def test_later_versions_of_the_same_document_read_the_same(
    tmp_path: Path, name: str, old: str, new: str
) -> None:
    original = read_sbom(FIXTURES / name)
    moved = tmp_path / name
    moved.write_text((FIXTURES / name).read_text().replace(old, new))
    later = read_sbom(moved)
    assert later.spec_version == new.strip('"')[-3:]
    assert (later.product, later.components, later.edges) == (
        original.product,
        original.components,
        original.edges,
    )


def test_cyclonedx_1_4_xml_tools_list(tmp_path: Path) -> None:
    xml = (FIXTURES / "pump-1.5.xml").read_text().replace("schema/bom/1.5", "schema/bom/1.4")
    xml = xml.replace(
        '<components>\n        <component type="application"><name>sbom-builder</name>'
        "<version>4.1</version></component>\n      </components>",
        "<tool><name>sbom-builder</name><version>4.1</version></tool>",
    )
    path = tmp_path / "pump-1.4.xml"
    path.write_text(xml)
    sbom = read_sbom(path)
    assert (sbom.spec_version, sbom.tools) == ("1.4", ("sbom-builder 4.1",))
    assert [c.name for c in sbom.components] == ["p100-firmware", "openssl", "zlib"]
