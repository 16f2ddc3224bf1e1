"""purl and CPE checks: valid identifiers are normalised, invalid ones say why."""

from __future__ import annotations

import pytest

from medsec.sbom.identifiers import check_hash, normalise_cpe, normalise_purl


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("pkg:npm/%40angular/core@17.0.0", "pkg:npm/%40angular/core@17.0.0"),
        ("pkg:PYPI/Requests@2.31.0", "pkg:pypi/requests@2.31.0"),
        ("pkg:deb/debian/curl@7.88.1?arch=amd64", "pkg:deb/debian/curl@7.88.1?arch=amd64"),
    ],
)
def test_purls_are_normalised(given: str, expected: str) -> None:
    assert normalise_purl(given) == expected


@pytest.mark.parametrize("bad", ["npm/lodash", "pkg:", "pkg:/x", "https://example.com"])
def test_non_purls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a package URL"):
        normalise_purl(bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*",) * 2,
        ("cpe:/a:openssl:openssl:3.0.13", "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"),
        ("cpe:/o:microsoft:windows_10:-", "cpe:2.3:o:microsoft:windows_10:-:*:*:*:*:*:*:*"),
        (
            "cpe:/a:vendor:product:1.0:update1:~~pro~windows~x64~:en-us",
            "cpe:2.3:a:vendor:product:1.0:update1:*:en-us:pro:windows:x64:*",
        ),
        ("cpe:/a:example:my%21app", "cpe:2.3:a:example:my\\!app:*:*:*:*:*:*:*:*"),
    ],
)
def test_cpes_become_cpe_2_3_formatted_strings(given: str, expected: str) -> None:
    assert normalise_cpe(given) == expected


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("cpe:2.3:a:openssl", "not a CPE 2.3"),
        ("cpe:2.3:z:openssl:openssl:1:*:*:*:*:*:*:*", "not a CPE 2.3"),
        ("cpe:/q:vendor:product", "not a CPE 2.2 URI"),
        ("openssl", "not a CPE 2.3"),
    ],
)
def test_bad_cpes_are_refused(bad: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        normalise_cpe(bad)


@pytest.mark.parametrize(
    ("alg", "content", "ok"),
    [
        ("SHA-256", "AB" * 32, True),
        ("SHA-256", "ab" * 31, False),
        ("SHA-1", "zz" * 20, False),
        ("SHA256", "ab" * 32, False),
        ("BLAKE3", "abcd", True),
    ],
)
def test_hash_digests_fit_their_algorithm(alg: str, content: str, ok: bool) -> None:
    if ok:
        assert check_hash(alg, content) == content.lower()
    else:
        with pytest.raises(ValueError):
            check_hash(alg, content)
