"""Per-ecosystem version order: each row is a rule of that ecosystem, checked via univers."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.vulns.errors import InvalidVersion, UnknownEcosystem
from medsec.vulns.versions import compare, scheme_for, supported_ecosystems

ORDER = [
    # ecosystem, a, b, expected
    ("PyPI", "1.0.0rc1", "1.0.0", -1),
    ("PyPI", "1.0", "1.0.0", 0),
    ("PyPI", "1.0.post1", "1.0", 1),
    ("PyPI", "1.0.dev1", "1.0a1", -1),
    ("PyPI", "1!0.1", "2.0", 1),
    ("npm", "1.0.0-alpha", "1.0.0", -1),
    ("npm", "1.0.0-alpha.10", "1.0.0-alpha.2", 1),
    ("npm", "1.0.0-alpha", "1.0.0-alpha.1", -1),
    ("Maven", "1.0-SNAPSHOT", "1.0", -1),
    ("Maven", "1.0-alpha", "1.0-beta", -1),
    ("Maven", "1.0-RC1", "1.0", -1),
    ("Maven", "1.0.Final", "1.0", 0),
    ("Maven", "1.0-sp1", "1.0", 1),
    ("Maven", "1.10", "1.9", 1),
    ("Go", "v1.2.3", "1.2.4", -1),
    ("Go", "v1.2.3", "1.2.3", 0),
    ("Go", "v0.0.0-20200101000000-abcdef123456", "v0.1.0", -1),
    ("Go", "v0.0.0-20200101000000-abcdef123456", "v0.0.0-20210101000000-abcdef123456", -1),
    ("crates.io", "0.0.0-0", "0.1.0", -1),
    ("crates.io", "1.0.0-beta.2", "1.0.0-beta.11", -1),
    ("NuGet", "1.0.0-beta", "1.0.0", -1),
    ("NuGet", "1.0.0-Beta", "1.0.0-beta", 0),
    ("NuGet", "1.0", "1.0.0.0", 0),
    ("RubyGems", "1.0.0.pre", "1.0.0", -1),
    ("RubyGems", "1.0.0.a", "1.0.0.b", -1),
    ("RubyGems", "5.0.0.1", "5.0.0", 1),
    ("Packagist", "1.0.0-RC1", "1.0.0", -1),
    ("Packagist", "v1.0.0", "1.0.0", 0),
    ("Debian", "1:1.0", "2.0", 1),
    ("Debian:12", "1.0~rc1", "1.0", -1),
    ("Debian", "1.0-1", "1.0-1ubuntu1", -1),
    ("Ubuntu:22.04:LTS", "2.0-1ubuntu0.1", "2.0-1ubuntu1", -1),
    ("Red Hat", "1.0~rc1", "1.0", -1),
    ("Red Hat", "1.0^git1", "1.0", 1),
    ("Red Hat:enterprise_linux:8", "1:1.0", "2.0", 1),
    ("AlmaLinux", "1.0-1.el8", "1.0-2.el8", -1),
    ("Alpine", "1.2.3-r1", "1.2.3-r10", -1),
    ("Alpine:v3.19", "1.2.3_rc1", "1.2.3", -1),
    ("Alpine", "1.2.3_p1", "1.2.3", 1),
    ("Alpine", "1.2.3a", "1.2.3b", -1),
]


@pytest.mark.parametrize(("ecosystem", "a", "b", "expected"), ORDER)
def test_order_follows_the_ecosystem(ecosystem: str, a: str, b: str, expected: int) -> None:
    assert compare(ecosystem, a, b) == expected
    assert compare(ecosystem, b, a) == -expected


# univers deviations, pinned so a univers upgrade that fixes them is noticed
# (each is listed in docs/vulnerabilities.md).
DEVIATIONS = [
    # Composer: alpha < RC; univers compares SemVer identifiers in ASCII ("RC1" < "alpha").
    ("Packagist", "1.0.0-alpha", "1.0.0-RC1", 1),
]


@pytest.mark.parametrize(("ecosystem", "a", "b", "univers_says"), DEVIATIONS)
def test_known_univers_deviations(ecosystem: str, a: str, b: str, univers_says: int) -> None:
    assert compare(ecosystem, a, b) == univers_says


@pytest.mark.parametrize(
    ("ecosystem", "version"),
    [("PyPI", "not a version!"), ("PyPI", ""), ("Maven", "   "), ("NuGet", "1.0.0.0.0.0")],
)
def test_an_invalid_version_says_which_ecosystem_and_what_is_valid(
    ecosystem: str, version: str
) -> None:
    with pytest.raises(InvalidVersion) as raised:
        compare(ecosystem, version, "1.0")
    assert ecosystem in raised.value.message
    assert raised.value.hint and "looks like" in raised.value.hint


def test_an_unknown_ecosystem_lists_the_known_ones() -> None:
    with pytest.raises(UnknownEcosystem) as raised:
        compare("Cobol", "1", "2")
    assert "PyPI" in (raised.value.hint or "")


def test_suffixes_and_case_choose_the_base_ecosystem() -> None:
    assert scheme_for("debian:11").ecosystem == "Debian"
    assert scheme_for("Alpine:v3.16").vers == "apk"


VERSION = st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,3}){0,3}(-?(rc|alpha|beta|a|b|r)[0-9]{0,2})?\Z")
TEXT = st.text(max_size=20)


@settings(max_examples=150, deadline=None)
@given(eco=st.sampled_from(supported_ecosystems()), a=TEXT, b=TEXT)
def test_compare_never_raises_anything_but_error(eco: str, a: str, b: str) -> None:
    try:
        assert compare(eco, a, b) in (-1, 0, 1)
    except Error:
        pass


def _valid(eco: str, vs: list[str]) -> list[str]:
    out = []
    for v in vs:
        try:
            compare(eco, v, v)
            out.append(v)
        except Error:
            continue
    return out


@settings(max_examples=120, deadline=None)
@given(eco=st.sampled_from(supported_ecosystems()), vs=st.lists(VERSION, min_size=3, max_size=3))
def test_compare_is_a_total_order(eco: str, vs: list[str]) -> None:
    vs = _valid(eco, vs)
    for a in vs:
        assert compare(eco, a, a) == 0
        for b in vs:
            assert compare(eco, a, b) == -compare(eco, b, a)  # antisymmetric
            for c in vs:
                if compare(eco, a, b) <= 0 and compare(eco, b, c) <= 0:
                    assert compare(eco, a, c) <= 0  # transitive


@settings(max_examples=80, deadline=None)
@given(eco=st.sampled_from(supported_ecosystems()), vs=st.lists(VERSION, min_size=2, max_size=6))
def test_sorting_agrees_with_compare(eco: str, vs: list[str]) -> None:
    from functools import cmp_to_key

    vs = _valid(eco, vs)
    ordered = sorted(vs, key=cmp_to_key(lambda a, b: compare(eco, a, b)))
    assert all(compare(eco, x, y) <= 0 for x, y in itertools.pairwise(ordered))
