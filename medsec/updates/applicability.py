"""Which published releases apply to one asset, and which of its open findings each closes.

Pure functions over small input types, so that the hospital inventory can call them with
its assets (product, installed version, hardware revision, configuration) and the
vulnerability matcher with its open finding ids.

The rules:

- a release applies when the asset runs the same product, its installed version lies in
  the release's ``applies_to`` range (no range: every version), its hardware revision is
  one of the release's (none listed: every revision) and likewise its configuration —
  revisions and configurations compare trimmed and case-blind (``b`` is ``B``); an asset
  whose revision (or configuration) is not recorded gets no release limited to
  revisions (or configurations), and :func:`undecided` names those releases with what is
  missing, so that a report can ask for it;
- applicable releases are listed in release order (date, then version text);
- within one kind of release (security patch, firmware, OS patch…), a later *cumulative*
  release supersedes the earlier ones: they stay in the list, marked ``superseded_by``,
  and the cumulative release closes what they close as well;
- a release closes the asset's open findings whose id (CVE, OSV, GHSA…) it fixes.

>>> import datetime as dt
>>> r1 = ReleaseFacts(1, "4.2.1", dt.date(2026, 3, 1), ReleaseKind.SECURITY_PATCH,
...                   fixes=("CVE-2026-0001",), applies_to="vers:generic/<4.2.1")
>>> r2 = ReleaseFacts(2, "4.2.2", dt.date(2026, 6, 1), ReleaseKind.SECURITY_PATCH,
...                   fixes=("CVE-2026-0002",), applies_to="vers:generic/<4.2.2")
>>> asset = AssetFacts(version="4.2.0", open_findings=frozenset({"CVE-2026-0001"}))
>>> [(a.release.version, a.superseded_by, a.closes) for a in applicable(asset, [r2, r1])]
[('4.2.1', 2, ('CVE-2026-0001',)), ('4.2.2', None, ('CVE-2026-0001',))]
>>> r3 = ReleaseFacts(3, "4.2.3", dt.date(2026, 7, 1), ReleaseKind.FIRMWARE,
...                   hardware_revisions=("B", "C"))
>>> [a.release.id for a in applicable(AssetFacts("4.2.2", hardware_revision=" b "), [r3])]
[3]
>>> applicable(AssetFacts("4.2.2", hardware_revision="A"), [r3])
[]
>>> [(u.release.id, u.missing) for u in undecided(AssetFacts("4.2.2"), [r1, r3])]
[(3, ('hardware revision',))]
>>> r4 = replace(r3, id=4, hardware_revisions=(), configurations=("wifi",))
>>> [a.release.id for a in applicable(AssetFacts("4.2.2", configuration="WiFi"), [r4])]
[4]
>>> applicable(AssetFacts("4.2.2", configuration="ethernet"), [r4])
[]
>>> [(u.release.id, u.missing) for u in undecided(AssetFacts("4.2.2"), [r4])]
[(4, ('configuration',))]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from medsec.updates.kinds import ApplyMode, ReleaseKind
from medsec.updates.ranges import parse_range


@dataclass(frozen=True)
class ReleaseFacts:
    """What applicability needs of one published release of the asset's product."""

    id: int
    version: str
    released_on: dt.date
    kind: ReleaseKind
    fixes: tuple[str, ...] = ()
    applies_to: str | None = None
    hardware_revisions: tuple[str, ...] = ()
    configurations: tuple[str, ...] = ()
    cumulative: bool = True
    #: How it is applied and how long it takes (for the planner).
    apply_mode: ApplyMode = ApplyMode.PLANNED_DOWNTIME
    expected_minutes: int | None = None


@dataclass(frozen=True)
class AssetFacts:
    """One asset as applicability sees it (the releases given are already its product's)."""

    version: str
    hardware_revision: str | None = None
    configuration: str | None = None
    open_findings: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Applicable:
    release: ReleaseFacts
    #: The id of the later cumulative release of the same kind that replaces this one.
    superseded_by: int | None
    #: The asset's open findings this release would close, sorted.
    closes: tuple[str, ...]


def _norm(value: str) -> str:
    return value.strip().upper()


def _one_of(value: str | None, allowed: tuple[str, ...]) -> bool:
    """No list: anything; else ``value`` is recorded and in it (trimmed, case-blind)."""
    if not allowed:
        return True
    return value is not None and _norm(value) in {_norm(a) for a in allowed}


def applies(release: ReleaseFacts, asset: AssetFacts) -> bool:
    """Whether ``release`` applies to ``asset`` (a bad range or version raises Error)."""
    if release.applies_to and not parse_range(release.applies_to).contains(asset.version):
        return False
    if not _one_of(asset.hardware_revision, release.hardware_revisions):
        return False
    return _one_of(asset.configuration, release.configurations)


#: What an asset must record before a release limited to it can be decided.
REVISION = "hardware revision"
CONFIGURATION = "configuration"


@dataclass(frozen=True)
class Undecided:
    """A release that would apply to the asset once it records what is ``missing``."""

    release: ReleaseFacts
    #: :data:`REVISION` and/or :data:`CONFIGURATION`, in that order.
    missing: tuple[str, ...]


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def undecided(asset: AssetFacts, releases: Iterable[ReleaseFacts]) -> list[Undecided]:
    """The releases limited to hardware revisions or configurations that the asset has
    not recorded, and that would apply with one of them: what it may need once they are
    recorded (none when both are)."""
    found: list[Undecided] = []
    for release in releases:
        missing: list[str] = []
        filled = asset
        if release.hardware_revisions and _blank(asset.hardware_revision):
            missing.append(REVISION)
            filled = replace(filled, hardware_revision=release.hardware_revisions[0])
        if release.configurations and _blank(asset.configuration):
            missing.append(CONFIGURATION)
            filled = replace(filled, configuration=release.configurations[0])
        if missing and applies(release, filled):
            found.append(Undecided(release, tuple(missing)))
    return found


def applicable(asset: AssetFacts, releases: Iterable[ReleaseFacts]) -> list[Applicable]:
    """The releases that apply to ``asset`` in release order, superseded ones marked."""
    found = sorted(
        (r for r in releases if applies(r, asset)), key=lambda r: (r.released_on, r.version, r.id)
    )
    open_ids = {_norm(f): f for f in asset.open_findings}
    result: list[Applicable] = []
    for index, release in enumerate(found):
        later = next(
            (
                r
                for r in found[index + 1 :]
                if r.kind is release.kind and r.cumulative and r.released_on >= release.released_on
            ),
            None,
        )
        fixed = {_norm(f) for f in release.fixes}
        if release.cumulative:
            for earlier in found[:index]:
                if earlier.kind is release.kind:
                    fixed |= {_norm(f) for f in earlier.fixes}
        closes = tuple(sorted(open_ids[f] for f in fixed if f in open_ids))
        result.append(Applicable(release, later.id if later else None, closes))
    return result


def still_open(asset: AssetFacts, releases: Iterable[ReleaseFacts]) -> frozenset[str]:
    """The open findings that no applicable release closes."""
    closed = {f for a in applicable(asset, releases) for f in a.closes}
    return frozenset(asset.open_findings - closed)
