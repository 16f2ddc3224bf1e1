"""Zone exposure from the site model (one hop over conduits) and release priorities by
name: the rules of :mod:`medsec.findings.context`."""

from __future__ import annotations

import pytest

from medsec.findings.context import Link, Priorities, exposures, level_of, merged
from medsec.vulns.priority import Level, Stated

NET, DMZ, WARD, LAB = 1, 2, 3, 4
ZONES = {NET: True, DMZ: False, WARD: False, LAB: False}


@pytest.mark.parametrize(
    ("conduits", "expected"),
    [
        ([], {NET: "internet", DMZ: "isolated", WARD: "isolated", LAB: "isolated"}),
        # Inbound from the internet; the ward behind the DMZ is one hop further.
        ([(NET, DMZ, False), (DMZ, WARD, False)], {DMZ: "internet", WARD: "enterprise"}),
        # Bidirectional with the internet: the internet may open connections in.
        ([(DMZ, NET, True)], {DMZ: "internet"}),
        # Outbound to the internet only: joined, so not isolated, but not reachable from it.
        ([(LAB, NET, False)], {LAB: "enterprise"}),
        # Whichever conduit comes first, internet wins over enterprise.
        ([(WARD, DMZ, False), (NET, DMZ, False)], {DMZ: "internet", WARD: "enterprise"}),
        ([(NET, DMZ, False), (WARD, DMZ, False)], {DMZ: "internet", WARD: "enterprise"}),
        # A conduit to a zone of another site (not given) or to itself changes nothing.
        ([(LAB, 99, True), (LAB, LAB, True)], {LAB: "isolated"}),
    ],
)
def test_exposure_of_each_zone(conduits: list[Link], expected: dict[int, str]) -> None:
    found = exposures(ZONES, conduits)
    assert {z: found[z].value for z in expected} == expected
    assert set(found) == set(ZONES)


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("Critical", Level.CRITICAL),
        ("HIGH", Level.HIGH),
        ("Important", Level.HIGH),
        ("medium", Level.MEDIUM),
        (" Moderate ", Level.MEDIUM),
        ("low", Level.LOW),
        ("Routine", None),
        ("none", None),
        ("", None),
        (None, None),
    ],
)
def test_a_release_priority_counts_when_it_names_a_level_of_the_formula(
    name: str | None, level: Level | None
) -> None:
    assert level_of(name) is level


HIGH = Stated(Level.HIGH, "update release 2")


def test_priorities_are_hashable_and_equal_by_content() -> None:
    first = Priorities({"CVE-1": HIGH})
    assert first == Priorities({"CVE-1": HIGH}) == {"CVE-1": HIGH}
    assert hash(first) == hash(Priorities({"CVE-1": HIGH}))
    assert first != Priorities({"CVE-1": Stated(Level.LOW, "update release 2")})
    # Where it was stated is part of the priority (the finding names it).
    assert first != Priorities({"CVE-1": Stated(Level.HIGH, "advisory A-1")})


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ([], None),
        ([{"CVE-1": HIGH}], {"CVE-1": HIGH}),
        # The highest of each id; on a tie the earlier source (releases come first).
        (
            [{"CVE-1": HIGH, "CVE-2": Stated(Level.LOW, "r")},
             {"CVE-1": Stated(Level.HIGH, "a"), "CVE-2": Stated(Level.CRITICAL, "a")}],
            {"CVE-1": HIGH, "CVE-2": Stated(Level.CRITICAL, "a")},
        ),
    ],
)  # fmt: skip
def test_merged_priorities_keep_the_highest_of_each_id(
    sources: list[dict[str, Stated]], expected: dict[str, Stated] | None
) -> None:
    found = merged(*(Priorities(s) for s in sources), None)
    assert (dict(found) if found is not None else None) == expected
