"""An in-memory index of OSV records and the matcher that says which affect a package.

The index keeps, per (ecosystem, normalised name), the affected entries of every
non-withdrawn record, in a compact form (the text of a record is not kept). Adding a
record again is idempotent; a newer ``modified`` replaces the old one; a withdrawn one
stops matching.

>>> from medsec.vulns.records import Record
>>> index = Index()
>>> index.add(Record.model_validate({"id": "PYSEC-0-1", "modified": "2024-01-01T00:00:00Z",
...     "affected": [{"package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
...                   "ranges": [{"type": "ECOSYSTEM", "events": [
...                       {"introduced": "0"}, {"fixed": "1.0"}]}]}]}))
True
>>> [(m.record_id, m.status.value, m.explanation) for m in match(index,
...     Package(ecosystem="PyPI", name="foo.bar", version="0.9"))]
[('PYSEC-0-1', 'affected', 'ECOSYSTEM range: every version, fixed in 1.0')]
"""

from __future__ import annotations

import enum
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from univers.versions import AlpineLinuxVersion, ArchLinuxVersion, GentooVersion, Version

from medsec.vulns.cpe import Cpe, parse_cpe
from medsec.vulns.errors import InvalidVersion, UnknownEcosystem
from medsec.vulns.packages import Package, normalise_name
from medsec.vulns.ranges import (
    GIT_UNSUPPORTED,
    Interval,
    RangeSkipped,
    _Parsed,
    evaluate_sorted,
    range_scheme,
    sorted_events,
)
from medsec.vulns.records import Range, RangeType, Record
from medsec.vulns.sources.nvd import NvdCve
from medsec.vulns.versions import Scheme, order, parse, scheme_for

__all__ = ["Confidence", "Index", "Match", "MatchStatus", "match", "match_cpe"]


class MatchStatus(enum.StrEnum):
    AFFECTED = "affected"
    #: The record names the package but its version is unknown (or not a valid version
    #: of its ecosystem): neither affected nor cleared.
    UNKNOWN_VERSION = "unknown-version"


class Confidence(enum.StrEnum):
    #: Ecosystem and name matched exactly, version compared in the ecosystem's order.
    HIGH = "high"
    #: CPE matching (vendor/product strings, generic version order).
    LOW = "low"


@dataclass(frozen=True)
class Match:
    """One record that concerns one package, with the evidence a finding page shows."""

    record_id: str
    aliases: tuple[str, ...]
    status: MatchStatus
    ecosystem: str
    name: str
    version: str | None
    #: Index of the record's ``affected[]`` entry that decided it (None for CPE matches).
    affected_index: int | None
    #: The range interval that contains the version, if a range decided it.
    interval: Interval | None = None
    #: The ``versions[]`` entry equal to the version, if the explicit list decided it.
    listed_version: str | None = None
    confidence: Confidence = Confidence.HIGH
    explanation: str = ""
    #: Ranges of this entry that could not be evaluated (GIT, bad events).
    skipped: tuple[RangeSkipped, ...] = ()


# Classes whose == is not the == of their hashable ``value``: no set lookup for them.
_UNHASHABLE_ORDER: tuple[type[Version], ...] = (GentooVersion, AlpineLinuxVersion, ArchLinuxVersion)


@dataclass(slots=True)
class _Entry:
    """One ``affected[]`` entry of one record, as the index keeps it."""

    record_id: str
    aliases: tuple[str, ...]
    affected_index: int
    ecosystem: str
    name: str
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]
    # Filled on first use: parsed, sorted events per range; parsed versions set.
    _sorted: list[tuple[Scheme, list[_Parsed]] | RangeSkipped] | None = None
    _listed: frozenset[object] | None = None

    def sorted_ranges(self) -> list[tuple[Scheme, list[_Parsed]] | RangeSkipped]:
        if self._sorted is None:
            out: list[tuple[Scheme, list[_Parsed]] | RangeSkipped] = []
            for r in self.ranges:
                if r.type is RangeType.GIT:
                    out.append(RangeSkipped("GIT", GIT_UNSUPPORTED))
                    continue
                try:
                    scheme = range_scheme(self.ecosystem, r.type)
                    out.append((scheme, sorted_events(scheme, r.events)))
                except (InvalidVersion, UnknownEcosystem) as e:
                    out.append(RangeSkipped(r.type.value, f"bad range: {e.message}"))
            self._sorted = out
        return self._sorted

    def listed(self, scheme: Scheme, v: Version) -> str | None:
        """The ``versions[]`` entry equal to ``v`` in the ecosystem's order, or None.

        A set of parsed values answers in O(1) where the scheme's equality is its value's
        equality; otherwise (Gentoo-style vercmp) the list is scanned.
        """
        if self._listed is None:
            keys: set[object] = set()
            if not issubclass(scheme.version_class, _UNHASHABLE_ORDER):
                for s in self.versions:
                    try:
                        keys.add(parse(scheme, s).value)
                    except (InvalidVersion, TypeError):
                        continue
            self._listed = frozenset(keys)
        if self._listed and v.value not in self._listed:
            return None
        # Name the record's own spelling of the version.
        return next((s for s in self.versions if _same(scheme, v, s)), None)


def _same(scheme: Scheme, v: Version, s: str) -> bool:
    try:
        return order(scheme, v, parse(scheme, s)) == 0
    except InvalidVersion:
        return False


def _key(ecosystem: str, name: str) -> tuple[str, str]:
    base = ecosystem.split(":", 1)[0]
    return sys.intern(base.casefold()), normalise_name(base, name)


def _release(ecosystem: str) -> str | None:
    return ecosystem.split(":", 1)[1] if ":" in ecosystem else None


@dataclass
class Index:
    """OSV records by package. Build it once, then :func:`match` many packages."""

    _by_package: dict[tuple[str, str], list[_Entry]] = field(default_factory=dict)
    _records: dict[str, tuple[datetime, tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: Record) -> bool:
        """Add or update ``record``; False if an equal or newer version was already in."""
        known = self._records.get(record.id)
        if known is not None:
            if record.modified <= known[0]:
                return False
            self._remove(record.id, known[1])
        if record.is_withdrawn:
            self.withdrawn.add(record.id)
            self._records[record.id] = (record.modified, ())
            return True
        self.withdrawn.discard(record.id)
        keys: list[tuple[str, str]] = []
        aliases = tuple(record.aliases)
        for i, affected in enumerate(record.affected):
            if affected.package is None:
                continue
            eco = sys.intern(affected.package.ecosystem)
            key = _key(eco, affected.package.name)
            self._by_package.setdefault(key, []).append(
                _Entry(
                    record_id=record.id,
                    aliases=aliases,
                    affected_index=i,
                    ecosystem=eco,
                    name=affected.package.name,
                    ranges=affected.ranges,
                    versions=affected.versions,
                )
            )
            keys.append(key)
        self._records[record.id] = (record.modified, tuple(dict.fromkeys(keys)))
        return True

    def add_all(self, records: Iterable[Record]) -> int:
        """Add every record; returns how many were new or updated."""
        return sum(self.add(r) for r in records)

    def _remove(self, record_id: str, keys: tuple[tuple[str, str], ...]) -> None:
        for key in keys:
            kept = [e for e in self._by_package.get(key, []) if e.record_id != record_id]
            if kept:
                self._by_package[key] = kept
            else:
                self._by_package.pop(key, None)

    def entries(self, ecosystem: str, name: str) -> list[_Entry]:
        release = _release(ecosystem)
        return [
            e
            for e in self._by_package.get(_key(ecosystem, name), [])
            # A record for one release applies to packages of that release; a record or
            # a package without a release applies across releases.
            if release is None or _release(e.ecosystem) in (None, release)
        ]


def match(index: Index, package: Package) -> list[Match]:
    """Every record in ``index`` that affects ``package``, or that names it when its
    version is unknown. The first deciding range or version of each entry is reported."""
    if package.ecosystem is None:
        return []
    entries = index.entries(package.ecosystem, package.name)
    out: list[Match] = []
    for entry in entries:
        found = _match_entry(entry, package)
        if found is not None:
            out.append(found)
    return out


def _unknown(entry: _Entry, package: Package, why: str) -> Match:
    return Match(
        record_id=entry.record_id,
        aliases=entry.aliases,
        status=MatchStatus.UNKNOWN_VERSION,
        ecosystem=entry.ecosystem,
        name=entry.name,
        version=package.version,
        affected_index=entry.affected_index,
        explanation=why,
    )


def _match_entry(entry: _Entry, package: Package) -> Match | None:
    version = package.version
    if version is None or not version.strip():
        return _unknown(
            entry, package, "the component's version is unknown: it may or may not be affected"
        )
    base = Match(
        record_id=entry.record_id,
        aliases=entry.aliases,
        status=MatchStatus.AFFECTED,
        ecosystem=entry.ecosystem,
        name=entry.name,
        version=version,
        affected_index=entry.affected_index,
    )
    if version in entry.versions:
        return replace(base, listed_version=version, explanation=f"version {version} is listed")
    try:
        scheme = scheme_for(entry.ecosystem)
        v = parse(scheme, version)
    except UnknownEcosystem:
        scheme = None
        v = None
    except InvalidVersion as e:
        return _unknown(entry, package, f"{e.message}; {e.hint}")
    if scheme is not None and v is not None and entry.versions:
        listed = entry.listed(scheme, v)
        if listed is not None:
            return replace(base, listed_version=listed, explanation=f"version {version} is listed")
    skipped: list[RangeSkipped] = []
    for compiled in entry.sorted_ranges():
        if isinstance(compiled, RangeSkipped):
            skipped.append(compiled)
            continue
        range_scheme_, events = compiled
        try:
            # SEMVER ranges re-parse the version in SemVer; ECOSYSTEM ranges reuse ``v``.
            rv = v if range_scheme_ is scheme and v is not None else parse(range_scheme_, version)
        except InvalidVersion as e:
            skipped.append(RangeSkipped(range_scheme_.ecosystem, e.message))
            continue
        interval = evaluate_sorted(range_scheme_, range_scheme_.ecosystem, events, rv)
        if interval is not None:
            interval = _named(interval, entry, compiled)
            return replace(
                base, interval=interval, explanation=interval.describe(), skipped=tuple(skipped)
            )
    if skipped and not any(not isinstance(c, RangeSkipped) for c in entry.sorted_ranges()):
        if not entry.versions:
            return _unknown(entry, package, "; ".join(s.reason for s in skipped))
    return None


def _named(interval: Interval, entry: _Entry, compiled: tuple[Scheme, list[_Parsed]]) -> Interval:
    """The interval with the range's OSV type (ECOSYSTEM or SEMVER) as its label."""
    scheme, _ = compiled
    label = "SEMVER" if scheme.ecosystem == "SEMVER" else "ECOSYSTEM"
    return Interval(
        range_type=label,
        introduced=interval.introduced,
        fixed=interval.fixed,
        last_affected=interval.last_affected,
        limits=interval.limits,
    )


def match_cpe(
    cves: Iterable[NvdCve], package: Package, platform: Sequence[str] = ()
) -> list[Match]:
    """NVD CVEs whose configurations match the package's CPE (and, for AND
    configurations such as "application on OS", the ``platform`` CPEs of its device).

    Every result is ``Confidence.LOW`` and says which criterion and bounds matched. A
    package without a CPE matches nothing; one whose CPE version is ANY/NA, or without
    a version, gets ``unknown-version`` for the CVEs naming its vendor and product.
    """
    if not package.cpe:
        return []
    own = parse_cpe(package.cpe)
    if package.version and own.raw[3] in ("*", "-"):
        version = re.sub(r"([^A-Za-z0-9._-])", r"\\\1", package.version)
        own = parse_cpe("cpe:2.3:" + ":".join([*own.raw[:3], version, *own.raw[4:]]))
    cpes = [own, *(parse_cpe(p) for p in platform)]
    out: list[Match] = []
    for cve in cves:
        if cve.is_withdrawn:
            continue
        hits = [(c, t) for c, t in cve.matches(cpes) if t is own]
        if hits:
            criterion, _ = hits[0]
            bounds = criterion.bounds()
            out.append(
                Match(
                    record_id=cve.id,
                    aliases=(),
                    status=MatchStatus.AFFECTED,
                    ecosystem="CPE",
                    name=f"{own.vendor}:{own.product}",
                    version=own.version if own.raw[3] not in ("*", "-") else None,
                    affected_index=None,
                    confidence=Confidence.LOW,
                    explanation=(
                        f"CPE match (low confidence: vendor/product names chosen by NVD "
                        f"analysts, generic version order): {criterion.criteria}"
                        + (f" with version {bounds}" if bounds else "")
                    ),
                )
            )
        elif own.raw[3] in ("*", "-") and _names_product(cve, own):
            out.append(
                Match(
                    record_id=cve.id,
                    aliases=(),
                    status=MatchStatus.UNKNOWN_VERSION,
                    ecosystem="CPE",
                    name=f"{own.vendor}:{own.product}",
                    version=None,
                    affected_index=None,
                    confidence=Confidence.LOW,
                    explanation="the component's CPE has no version: it may or may not be affected",
                )
            )
    return out


def _names_product(cve: NvdCve, own: Cpe) -> bool:
    return any(
        (c := parse_cpe(m.criteria)).vendor.lower() == own.vendor.lower()
        and c.product.lower() == own.product.lower()
        for conf in cve.configurations
        for node in conf.nodes
        for m in node.cpe_match
    )
