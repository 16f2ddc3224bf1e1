"""The index and matcher: names per ecosystem, purls, evidence, re-import and withdrawal."""

from __future__ import annotations

from typing import Any

import pytest

from medsec.vulns.matcher import Index, MatchStatus, match
from medsec.vulns.packages import Package
from medsec.vulns.records import Record


def record(
    id: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]] | None = None,
    *,
    versions: list[str] | None = None,
    modified: str = "2024-01-01T00:00:00Z",
    **extra: Any,
) -> Record:
    affected: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": name}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    return Record.model_validate({"id": id, "modified": modified, "affected": [affected], **extra})


FIX_1 = [{"introduced": "0"}, {"fixed": "1.0"}]


def ids(index: Index, package: Package) -> list[str]:
    return [m.record_id for m in match(index, package) if m.status is MatchStatus.AFFECTED]


@pytest.mark.parametrize(
    ("ecosystem", "record_name", "purl"),
    [
        ("PyPI", "Zope.Interface", "pkg:pypi/zope-interface@0.9"),
        ("PyPI", "typing_extensions", "pkg:pypi/typing.extensions@0.9"),
        (
            "Maven",
            "org.apache.logging.log4j:log4j-core",
            "pkg:maven/org.apache.logging.log4j/log4j-core@0.9",
        ),
        ("npm", "@babel/traverse", "pkg:npm/%40babel/traverse@0.9.0"),
        ("Go", "github.com/gin-gonic/gin", "pkg:golang/github.com/gin-gonic/gin@v0.9.0"),
        ("NuGet", "Newtonsoft.Json", "pkg:nuget/newtonsoft.json@0.9"),
        ("Packagist", "symfony/http-kernel", "pkg:composer/Symfony/http-kernel@0.9"),
        ("crates.io", "smallvec", "pkg:cargo/smallvec@0.9.0"),
        ("RubyGems", "rack", "pkg:gem/rack@0.9"),
        ("Debian:12", "openssl", "pkg:deb/debian/openssl@0.9-1?distro=debian-12"),
        ("Alpine:v3.19", "musl", "pkg:apk/alpine/musl@0.9-r0?distro=alpine-3.19.1"),
        ("Red Hat", "openssl", "pkg:rpm/redhat/openssl@0.9-1.el8"),
    ],
)
def test_purls_find_the_records_of_their_ecosystem_and_name(
    ecosystem: str, record_name: str, purl: str
) -> None:
    index = Index()
    index.add(record("X-1", ecosystem, record_name, FIX_1))
    assert ids(index, Package.from_purl(purl)) == ["X-1"]


def test_a_distro_release_only_matches_records_of_that_release() -> None:
    index = Index()
    index.add(record("DEB-11", "Debian:11", "openssl", FIX_1))
    index.add(record("DEB-12", "Debian:12", "openssl", FIX_1))
    index.add(record("DEB-ANY", "Debian", "openssl", FIX_1))
    assert ids(index, Package.from_purl("pkg:deb/debian/openssl@0.5?distro=debian-12")) == [
        "DEB-12",
        "DEB-ANY",
    ]
    # Without a release, every release's records apply.
    assert len(ids(index, Package.from_purl("pkg:deb/debian/openssl@0.5"))) == 3


def test_multi_part_release_suffixes_match_their_release() -> None:
    index = Index()
    index.add(record("UBUNTU-1", "Ubuntu:22.04:LTS", "openssl", FIX_1))
    index.add(record("UBUNTU-2", "Ubuntu:Pro:18.04:LTS", "openssl", FIX_1))
    purl = "pkg:deb/ubuntu/openssl@0.5?distro=ubuntu-22.04"
    assert ids(index, Package.from_purl(purl)) == ["UBUNTU-1"]


def test_a_package_without_a_version_is_unknown_never_affected_never_dropped() -> None:
    index = Index()
    index.add(record("PYSEC-1", "PyPI", "foo", FIX_1))
    found = match(index, Package(ecosystem="PyPI", name="foo", version=None))
    assert [(m.record_id, m.status) for m in found] == [("PYSEC-1", MatchStatus.UNKNOWN_VERSION)]
    assert "unknown" in found[0].explanation


def test_an_unparsable_version_is_unknown_and_says_why() -> None:
    index = Index()
    index.add(record("PYSEC-1", "PyPI", "foo", FIX_1))
    (m,) = match(index, Package(ecosystem="PyPI", name="foo", version="2004d"))
    assert m.status is MatchStatus.UNKNOWN_VERSION
    assert "not a valid PyPI version" in m.explanation


def test_an_explicit_versions_list_decides_even_for_legacy_versions() -> None:
    index = Index()
    index.add(record("PYSEC-1", "PyPI", "foo", versions=["2004d", "1.0"]))
    (m,) = match(index, Package(ecosystem="PyPI", name="foo", version="2004d"))
    assert m.status is MatchStatus.AFFECTED and m.listed_version == "2004d"
    (m,) = match(index, Package(ecosystem="PyPI", name="foo", version="1.0.0"))
    assert m.listed_version == "1.0"  # equal in PEP 440, named as the record spells it


def test_the_evidence_names_the_affected_entry_and_the_range_events() -> None:
    r = Record.model_validate(
        {
            "id": "GHSA-x",
            "modified": "2024-01-01T00:00:00Z",
            "aliases": ["CVE-2024-0001"],
            "affected": [
                {"package": {"ecosystem": "npm", "name": "other"}, "versions": ["1.0.0"]},
                {
                    "package": {"ecosystem": "npm", "name": "left-pad"},
                    "ranges": [
                        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.5.0"}]},
                        {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.0"}]},
                    ],
                },
            ],
        }
    )
    index = Index()
    index.add(r)
    (m,) = match(index, Package(ecosystem="npm", name="left-pad", version="1.1.0"))
    assert (m.record_id, m.aliases, m.affected_index) == ("GHSA-x", ("CVE-2024-0001",), 1)
    assert m.interval is not None
    assert (m.interval.range_type, m.interval.introduced, m.interval.fixed) == (
        "SEMVER",
        "1.0.0",
        "1.2.0",
    )


def test_reimport_is_idempotent_and_a_newer_record_replaces_the_old() -> None:
    index = Index()
    assert index.add(record("PYSEC-1", "PyPI", "foo", FIX_1)) is True
    assert index.add(record("PYSEC-1", "PyPI", "foo", FIX_1)) is False
    newer = record(
        "PYSEC-1",
        "PyPI",
        "foo",
        [{"introduced": "0"}, {"fixed": "0.5"}],
        modified="2024-02-01T00:00:00Z",
    )
    assert index.add(newer) is True
    assert ids(index, Package(ecosystem="PyPI", name="foo", version="0.7")) == []
    assert len(index) == 1


def test_a_withdrawn_record_stops_matching() -> None:
    index = Index()
    index.add(record("PYSEC-1", "PyPI", "foo", FIX_1))
    index.add(
        record(
            "PYSEC-1",
            "PyPI",
            "foo",
            FIX_1,
            modified="2024-02-01T00:00:00Z",
            withdrawn="2024-02-01T00:00:00Z",
        )
    )
    assert match(index, Package(ecosystem="PyPI", name="foo", version="0.5")) == []
    assert index.withdrawn == {"PYSEC-1"}


def test_a_record_with_only_git_ranges_is_unknown_with_the_reason() -> None:
    r = Record.model_validate(
        {
            "id": "OSV-1",
            "modified": "2024-01-01T00:00:00Z",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "foo"},
                    "ranges": [
                        {"type": "GIT", "repo": "https://x/y", "events": [{"introduced": "0"}]}
                    ],
                }
            ],
        }
    )
    index = Index()
    index.add(r)
    (m,) = match(index, Package(ecosystem="PyPI", name="foo", version="1.0"))
    assert m.status is MatchStatus.UNKNOWN_VERSION and "GIT ranges" in m.explanation


def test_a_package_without_an_ecosystem_matches_no_osv_record() -> None:
    index = Index()
    index.add(record("PYSEC-1", "PyPI", "foo", FIX_1))
    assert match(index, Package(name="foo", version="0.1")) == []
