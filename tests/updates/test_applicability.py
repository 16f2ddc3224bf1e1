"""Which releases apply to an asset, superseded ones, and the findings each closes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.updates.applicability import (
    AssetFacts,
    ReleaseFacts,
    applicable,
    applies,
    still_open,
    undecided,
)
from medsec.updates.kinds import ReleaseKind
from medsec.updates.ranges import RangeError, parse_range

SP = ReleaseKind.SECURITY_PATCH


def release(
    id: int,
    version: str = "4.2.2",
    on: str = "2026-06-01",
    kind: ReleaseKind = SP,
    **kw: object,
) -> ReleaseFacts:
    return ReleaseFacts(id, version, dt.date.fromisoformat(on), kind, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("release_", "asset", "expected"),
    [
        (release(1), AssetFacts("4.0.0"), True),  # no range: every version
        (release(1, applies_to="vers:generic/<4.2.2"), AssetFacts("4.2.1"), True),
        (release(1, applies_to="vers:generic/<4.2.2"), AssetFacts("4.2.2"), False),
        (release(1, applies_to="vers:generic/>=4.0.0|<4.2.2"), AssetFacts("3.9.9"), False),
        (release(1, hardware_revisions=("B", "C")), AssetFacts("4.0", "B"), True),
        (release(1, hardware_revisions=("B", "C")), AssetFacts("4.0", "A"), False),
        (release(1, hardware_revisions=("B",)), AssetFacts("4.0"), False),  # unknown revision
        (release(1, hardware_revisions=("B",)), AssetFacts("4.0", " b"), True),  # case-blind
        (release(1, configurations=("Network",)), AssetFacts("4.0", None, "network"), True),
        (release(1, configurations=("icu",)), AssetFacts("4.0", configuration="icu"), True),
        (release(1, configurations=("icu",)), AssetFacts("4.0", configuration="ward"), False),
        (release(1, configurations=("icu",)), AssetFacts("4.0"), False),  # not recorded
        (release(1, configurations=("icu",)), AssetFacts("4.0", configuration=" ICU "), True),
    ],
)
def test_a_release_applies_when_version_hardware_and_configuration_match(
    release_: ReleaseFacts, asset: AssetFacts, expected: bool
) -> None:
    assert applies(release_, asset) is expected


def test_releases_are_listed_in_order_and_earlier_cumulative_ones_are_superseded() -> None:
    asset = AssetFacts("4.1.0", open_findings=frozenset({"CVE-2026-1", "CVE-2026-2", "OSV-9"}))
    releases = [
        release(3, "4.3.0", "2026-09-01", fixes=("CVE-2026-2",)),
        release(1, "4.2.1", "2026-03-01", fixes=("CVE-2026-1",)),
        release(2, "2026.5", "2026-05-01", ReleaseKind.OS_PATCH, fixes=("osv-9",)),
        release(4, "4.0.9", "2026-01-01", applies_to="vers:generic/<4.1.0"),
    ]

    found = applicable(asset, releases)

    assert [(a.release.id, a.superseded_by, a.closes) for a in found] == [
        (1, 3, ("CVE-2026-1",)),
        (2, None, ("OSV-9",)),  # ids compare without regard to case
        (3, None, ("CVE-2026-1", "CVE-2026-2")),  # cumulative: closes what 4.2.1 closed
    ]
    assert still_open(asset, releases) == frozenset()


def test_a_non_cumulative_release_supersedes_nothing_and_closes_only_its_own() -> None:
    asset = AssetFacts("4.1.0", open_findings=frozenset({"CVE-1", "CVE-2"}))
    releases = [
        release(1, "4.2.1", "2026-03-01", fixes=("CVE-1",)),
        release(2, "4.2.2", "2026-04-01", fixes=("CVE-2",), cumulative=False),
    ]
    found = applicable(asset, releases)
    assert [(a.superseded_by, a.closes) for a in found] == [(None, ("CVE-1",)), (None, ("CVE-2",))]


def test_findings_no_release_fixes_stay_open() -> None:
    asset = AssetFacts("4.1.0", open_findings=frozenset({"CVE-1", "CVE-7"}))
    assert still_open(asset, [release(1, fixes=("CVE-1",))]) == {"CVE-7"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "4.2.1",
        "vers:",
        "vers:generic/",
        "vers:nosuchscheme/<1.0",
        "vers:generic/>=x",
        "a" * 500,
    ],
)
def test_a_bad_range_is_a_range_error(text: str) -> None:
    with pytest.raises(RangeError):
        parse_range(text)


def test_an_installed_version_outside_the_scheme_is_an_error() -> None:
    with pytest.raises(RangeError, match="not a version of the scheme"):
        applies(release(1, applies_to="vers:generic/<4.2.2"), AssetFacts("four"))


@given(st.text(max_size=60))
def test_parsing_any_text_raises_nothing_but_error(text: str) -> None:
    try:
        parsed = parse_range(text)
    except Error:
        return
    assert parse_range(parsed.text).text == parsed.text  # normalised form round-trips


@given(
    st.lists(
        st.tuples(
            st.dates(dt.date(2025, 1, 1), dt.date(2027, 1, 1)),
            st.sampled_from(list(ReleaseKind)),
            st.booleans(),
            st.sets(st.sampled_from(["CVE-1", "CVE-2", "CVE-3", "CVE-4"])),
        ),
        max_size=8,
    ),
    st.sets(st.sampled_from(["CVE-1", "CVE-2", "CVE-3", "CVE-9"])),
)
def test_closes_only_open_findings_and_supersession_points_forward(
    rows: list[tuple[dt.date, ReleaseKind, bool, set[str]]], open_ids: set[str]
) -> None:
    releases = [
        ReleaseFacts(i, f"1.{i}", on, kind, tuple(sorted(fixes)), cumulative=cumulative)
        for i, (on, kind, cumulative, fixes) in enumerate(rows)
    ]
    found = applicable(AssetFacts("1.0", open_findings=frozenset(open_ids)), releases)
    by_id = {a.release.id: a for a in found}
    assert len(found) == len(releases)
    keys = [(a.release.released_on, a.release.version, a.release.id) for a in found]
    assert keys == sorted(keys)
    for item in found:
        assert set(item.closes) <= open_ids
        assert set(item.release.fixes) & open_ids <= set(item.closes)
        if item.superseded_by is not None:
            later = by_id[item.superseded_by].release
            assert later.kind is item.release.kind and later.cumulative
            assert set(item.closes) <= set(by_id[later.id].closes)


@pytest.mark.parametrize(
    ("asset", "expected"),
    [
        (AssetFacts("4.0"), [(2, ("hardware revision",)), (3, ("configuration",))]),
        (AssetFacts("4.0", "  ", " "), [(2, ("hardware revision",)), (3, ("configuration",))]),
        (AssetFacts("4.0", "B"), [(3, ("configuration",))]),
        (AssetFacts("4.0", configuration="wifi"), [(2, ("hardware revision",))]),
        (AssetFacts("4.0", "B", "ethernet"), []),  # both recorded: decided
        (AssetFacts("9.0"), []),  # out of the releases' range whatever is recorded
    ],
)
def test_undecided_names_the_releases_a_recorded_revision_or_configuration_could_bring(
    asset: AssetFacts, expected: list[tuple[int, tuple[str, ...]]]
) -> None:
    releases = [
        release(1),
        release(2, hardware_revisions=("B", "C"), applies_to="vers:generic/<5.0"),
        release(3, configurations=("wifi",), applies_to="vers:generic/<5.0"),
    ]
    assert [(u.release.id, u.missing) for u in undecided(asset, releases)] == expected


def test_a_release_limited_to_both_waits_for_both() -> None:
    both = release(1, hardware_revisions=("B",), configurations=("wifi",))
    assert [u.missing for u in undecided(AssetFacts("4.0"), [both])] == [
        ("hardware revision", "configuration")
    ]
    assert [u.missing for u in undecided(AssetFacts("4.0", "B"), [both])] == [("configuration",)]
    assert undecided(AssetFacts("4.0", "A"), [both]) == []  # the wrong revision: never
