"""OSV, NVD and KEV sources: formats, errors with JSON pointers, zip limits."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.vulns.errors import InvalidRecord, SourceUnreadable, UnsafeArchive
from medsec.vulns.matcher import match_cpe
from medsec.vulns.packages import Package
from medsec.vulns.sources.kev import read_kev
from medsec.vulns.sources.nvd import read_nvd
from medsec.vulns.sources.osv import ZipLimits, parse_record, read_records

RECORD = {
    "id": "PYSEC-2024-1",
    "modified": "2024-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "foo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.10"}]}],
        }
    ],
}

YAML = """\
id: PYSEC-2024-2
modified: 2024-01-01T00:00:00Z
affected:
- package: {ecosystem: PyPI, name: foo}
  versions: [1.10, 2.0]
"""


def test_directory_json_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "PYSEC-2024-1.json").write_text(json.dumps(RECORD))
    (tmp_path / "PYSEC-2024-2.yaml").write_text(YAML)
    (tmp_path / "README.md").write_text("not a record")
    records = {r.id: r for r in read_records(tmp_path)}
    assert set(records) == {"PYSEC-2024-1", "PYSEC-2024-2"}
    # YAML scalars stay strings: 1.10 is not the float 1.1.
    assert records["PYSEC-2024-2"].affected[0].versions == ("1.10", "2.0")


def test_zip_and_single_file(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("PYSEC-2024-1.json", json.dumps(RECORD))
    assert [r.id for r in read_records(archive)] == ["PYSEC-2024-1"]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(RECORD))
    assert [r.id for r in read_records(single)] == ["PYSEC-2024-1"]


def test_a_malformed_record_names_the_file_and_the_json_pointer(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(RECORD))
    bad["affected"][0]["ranges"][0]["events"] = [{"fixed": "1.0"}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(InvalidRecord) as raised:
        list(read_records(path))
    text = raised.value.diagnostics()
    assert f"{path}: /affected/0/ranges/0: events must contain an introduced event" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "not valid JSON"), ("[]", "is a JSON object"), ('{"id": "X"}', "/modified")],
)
def test_broken_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(InvalidRecord, match="problem") as raised:
        list(read_records(path))
    assert message in raised.value.diagnostics()


def test_a_zip_bomb_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.json", b" " * 5_000_000)
    with pytest.raises(UnsafeArchive, match="compression ratio"):
        list(read_records(archive))


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ZipLimits(max_members=1), "members"),
        (ZipLimits(max_total_bytes=10), "uncompressed"),
        (ZipLimits(max_member_bytes=10), "per-record limit"),
    ],
)
def test_zip_limits(tmp_path: Path, limits: ZipLimits, message: str) -> None:
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.json", json.dumps(RECORD))
        zf.writestr("b.json", json.dumps(RECORD))
    with pytest.raises(UnsafeArchive, match=message):
        list(read_records(archive, limits=limits))


def test_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable):
        list(read_records(tmp_path / "nope"))


NVD = {
    "vulnerabilities": [
        {
            "cve": {
                "id": "CVE-2024-0001",
                "lastModified": "2024-01-02T00:00:00.000",
                "vulnStatus": "Analyzed",
                "configurations": [
                    {
                        "nodes": [
                            {
                                "operator": "OR",
                                "cpeMatch": [
                                    {
                                        "vulnerable": True,
                                        "criteria": "cpe:2.3:o:acme:fw:*:*:*:*:*:*:*:*",
                                        "versionEndExcluding": "2.0",
                                    }
                                ],
                            }
                        ]
                    }
                ],
            }
        },
        {"cve": {"id": "CVE-2024-0002", "vulnStatus": "Rejected"}},
    ]
}


def test_nvd_cpe_matches_are_low_confidence_and_explained(tmp_path: Path) -> None:
    path = tmp_path / "nvd.json"
    path.write_text(json.dumps(NVD))
    cves = list(read_nvd(path))
    assert [c.is_withdrawn for c in cves] == [False, True]
    pkg = Package(name="fw", version="1.5", cpe="cpe:2.3:o:acme:fw:*:*:*:*:*:*:*:*")
    (m,) = match_cpe(cves, pkg)
    assert (m.record_id, m.confidence.value) == ("CVE-2024-0001", "low")
    assert "< 2.0" in m.explanation and "low confidence" in m.explanation
    assert match_cpe(cves, Package(name="fw", version="2.0", cpe=pkg.cpe)) == []
    (unknown,) = match_cpe(cves, Package(name="fw", version=None, cpe=pkg.cpe))
    assert unknown.status.value == "unknown-version"


def test_nvd_bad_criteria_name_the_pointer(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(NVD))
    bad["vulnerabilities"][0]["cve"]["configurations"][0]["nodes"][0]["cpeMatch"][0]["criteria"] = (
        "cpe:/o:acme:fw"
    )
    path = tmp_path / "nvd.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(InvalidRecord) as raised:
        list(read_nvd(path))
    assert "/vulnerabilities/0/cve/configurations/0/nodes/0/cpeMatch/0/criteria" in (
        raised.value.diagnostics()
    )


def test_kev_catalog_and_its_count(tmp_path: Path) -> None:
    entry = {
        "cveID": "CVE-2021-44228",
        "vendorProject": "Apache",
        "product": "Log4j2",
        "vulnerabilityName": "Log4Shell",
        "dateAdded": "2021-12-10",
        "shortDescription": "RCE",
        "requiredAction": "Apply updates",
        "dueDate": "2021-12-24",
    }
    path = tmp_path / "kev.json"
    path.write_text(
        json.dumps(
            {
                "catalogVersion": "1",
                "dateReleased": "2024-01-01T00:00:00Z",
                "count": 1,
                "vulnerabilities": [entry],
            }
        )
    )
    catalog = read_kev(path)
    assert [e.cve_id for e in catalog.exploited(["GHSA-x", "CVE-2021-44228"])] == ["CVE-2021-44228"]
    path.write_text(
        json.dumps(
            {
                "catalogVersion": "1",
                "dateReleased": "2024-01-01T00:00:00Z",
                "count": 2,
                "vulnerabilities": [entry],
            }
        )
    )
    with pytest.raises(InvalidRecord, match="problem") as raised:
        read_kev(path)
    assert "count says 2" in raised.value.diagnostics()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "modified",
                    "affected",
                    "package",
                    "ranges",
                    "events",
                    "introduced",
                    "fixed",
                    "type",
                    "versions",
                    "ecosystem",
                    "name",
                    "withdrawn",
                    "aliases",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_parse_record_never_raises_anything_but_error(data: object) -> None:
    try:
        parse_record(json.dumps(data), "x.json")
    except Error:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_yaml_and_json_bytes_never_raise_anything_but_error(data: bytes) -> None:
    for name in ("x.json", "x.yaml"):
        try:
            parse_record(data, name)
        except Error:
            pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_purls_never_raise_anything_but_error(text: str) -> None:
    try:
        Package.from_purl("pkg:" + text)
    except Error:
        pass


def test_yaml_aliases_are_refused_with_the_line(tmp_path: Path) -> None:
    bomb = 'id: OSV-1\nmodified: "2024-01-01T00:00:00Z"\na: &a ["x", "x"]\nb: [*a, *a]\n'
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb)
    with pytest.raises(InvalidRecord) as raised:
        list(read_records(path))
    assert "line 3: YAML anchors and aliases are not accepted" in raised.value.diagnostics()
