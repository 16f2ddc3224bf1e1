"""An in-memory index of OSV records and the matcher that says which affect a package.

The index keeps, per (ecosystem, normalised name), the affected entries of every
non-withdrawn record, in a compact form (the text of a record is not kept; equal event
tuples are shared). Adding a record again is idempotent; a newer ``modified`` replaces
the old one; a withdrawn one stops matching. Ranges are parsed and sorted on first use
and kept, so a second scan only compares sort keys.

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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from medsec.vulns.cpe import Cpe, parse_cpe
from medsec.vulns.errors import InvalidVersion, UnknownEcosystem
from medsec.vulns.packages import Package, normalise_name
from medsec.vulns.ranges import CompiledRange, Interval, RangeSkipped, compile_range
from medsec.vulns.records import EventKind, RangeType, Record
from medsec.vulns.sources.nvd import NvdCve
from medsec.vulns.versions import Scheme, hashable_keys, order, scheme_for, sort_key

__all__ = ["Confidence", "Index", "Match", "MatchStatus", "match", "match_cpe", "package_key"]


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
    #: Why, when neither a range nor the versions list decided (unknown version, CPE).
    reason: str = ""
    #: Ranges of this entry that could not be evaluated (GIT, bad events).
    skipped: tuple[RangeSkipped, ...] = ()

    @property
    def explanation(self) -> str:
        """One sentence a finding page shows (built on demand: a scan makes many)."""
        if self.reason:
            return self.reason
        if self.interval is not None:
            return self.interval.describe()
        if self.listed_version is not None:
            return f"version {self.version} is listed"
        return ""


#: A range as the index keeps it: its type and its (kind, value) events.
_RawRange = tuple[RangeType, tuple[tuple[EventKind, str], ...]]


@dataclass(slots=True)
class _Entry:
    """One ``affected[]`` entry of one record, as the index keeps it."""

    record_id: str
    aliases: tuple[str, ...]
    affected_index: int
    ecosystem: str
    name: str
    ranges: tuple[_RawRange, ...]
    versions: tuple[str, ...]
    # Filled on first use.
    compiled: tuple[CompiledRange | RangeSkipped, ...] | None = None
    listed_keys: frozenset[Any] | None = None

    def compiled_ranges(self) -> tuple[CompiledRange | RangeSkipped, ...]:
        if self.compiled is None:
            self.compiled = tuple(
                compile_range(self.ecosystem, kind, events) for kind, events in self.ranges
            )
        return self.compiled

    def listed(self, scheme: Scheme, key: Any) -> str | None:
        """The ``versions[]`` entry equal to ``key`` in the ecosystem's order, or None.

        A set of keys answers in O(1) where equal keys hash equal; otherwise (vercmp
        schemes) the list is scanned.
        """
        if hashable_keys(scheme):
            if self.listed_keys is None:
                keys = set()
                for s in self.versions:
                    try:
                        keys.add(sort_key(scheme, s))
                    except InvalidVersion:
                        continue
                self.listed_keys = frozenset(keys)
            if key not in self.listed_keys:
                return None
        for s in self.versions:
            try:
                if order(scheme, key, sort_key(scheme, s)) == 0:
                    return s  # the record's own spelling
            except InvalidVersion:
                continue
        return None


def package_key(ecosystem: str, name: str) -> tuple[str, str]:
    """The index key of a package: (case-folded base ecosystem, normalised name)."""
    base = ecosystem.split(":", 1)[0]
    return sys.intern(base.casefold()), normalise_name(base, name)


def _release(ecosystem: str) -> str | None:
    return ecosystem.split(":", 1)[1] if ":" in ecosystem else None


@dataclass
class Index:
    """OSV records by package. Build it once, then :func:`match` many packages."""

    _by_package: dict[tuple[str, str], list[_Entry]] = field(default_factory=dict)
    _records: dict[str, tuple[datetime, tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    #: Equal tuples (events, ranges, alias lists) are stored once.
    _pool: dict[Any, Any] = field(default_factory=dict, repr=False)
    withdrawn: set[str] = field(default_factory=set)
    #: CVSS vectors per record id (record-level and ``affected[]``-level ``severity``).
    _vectors: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self._records)

    def _shared(self, value: Any) -> Any:
        return self._pool.setdefault(value, value)

    def add(self, record: Record) -> bool:
        """Add or update ``record``; False if an equal or newer version was already in."""
        known = self._records.get(record.id)
        if known is not None:
            if record.modified <= known[0]:
                return False
            self._remove(record.id, known[1])
        self._vectors.pop(record.id, None)
        if record.is_withdrawn:
            self.withdrawn.add(record.id)
            self._records[record.id] = (record.modified, ())
            return True
        self.withdrawn.discard(record.id)
        keys: list[tuple[str, str]] = []
        aliases = self._shared(tuple(record.aliases))
        for i, affected in enumerate(record.affected):
            if affected.package is None:
                continue
            eco = sys.intern(affected.package.ecosystem)
            key = self._shared(package_key(eco, affected.package.name))
            ranges = self._shared(
                tuple(
                    (
                        r.type,
                        self._shared(
                            tuple(self._shared((e.kind, sys.intern(e.value))) for e in r.events)
                        ),
                    )
                    for r in affected.ranges
                )
            )
            self._by_package.setdefault(key, []).append(
                _Entry(
                    record_id=record.id,
                    aliases=aliases,
                    affected_index=i,
                    ecosystem=eco,
                    name=affected.package.name,
                    ranges=ranges,
                    versions=self._shared(tuple(affected.versions)),
                )
            )
            keys.append(key)
        self._records[record.id] = (record.modified, tuple(dict.fromkeys(keys)))
        vectors = [
            s.score
            for s in (
                *(record.severity or ()),
                *(s for a in record.affected for s in (a.severity or ())),
            )
            if s.type in ("CVSS_V3", "CVSS_V4")
        ]
        if vectors:
            self._vectors[record.id] = self._shared(tuple(dict.fromkeys(vectors)))
        return True

    def cvss_vectors(self, record_id: str) -> tuple[str, ...]:
        """The CVSS 3.x/4.0 vectors of a record (its ``severity`` entries)."""
        return self._vectors.get(record_id, ())

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
        entries = self._by_package.get(package_key(ecosystem, name), [])
        release = _release(ecosystem)
        if release is None:
            return entries
        # A record for one release applies to packages of that release; a record or a
        # package without a release applies across releases. Release suffixes can have
        # several parts ("Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS"): one must be it.
        return [
            e for e in entries if (r := _release(e.ecosystem)) is None or release in r.split(":")
        ]


def match(index: Index, package: Package) -> list[Match]:
    """Every record in ``index`` that affects ``package``, or that names it when its
    version is unknown. The first deciding version or range of each entry is reported."""
    if package.ecosystem is None:
        return []
    out: list[Match] = []
    cache: dict[str, _Prepared] = {}
    for entry in index.entries(package.ecosystem, package.name):
        found = _match_entry(entry, package.version, cache)
        if found is not None:
            out.append(found)
    return out


def _found(
    entry: _Entry,
    version: str | None,
    status: MatchStatus,
    reason: str = "",
    *,
    interval: Interval | None = None,
    listed: str | None = None,
    skipped: tuple[RangeSkipped, ...] = (),
) -> Match:
    return Match(
        record_id=entry.record_id,
        aliases=entry.aliases,
        status=status,
        ecosystem=entry.ecosystem,
        name=entry.name,
        version=version,
        affected_index=entry.affected_index,
        interval=interval,
        listed_version=listed,
        reason=reason,
        skipped=skipped,
    )


_Prepared = tuple[Scheme | None, Any, InvalidVersion | None]


def _prepare(ecosystem: str, version: str) -> _Prepared:
    """The scheme of ``ecosystem`` and the sort key of ``version`` in it (once per
    package and ecosystem spelling, not once per record)."""
    try:
        scheme = scheme_for(ecosystem)
    except UnknownEcosystem:
        return None, None, None
    try:
        return scheme, sort_key(scheme, version), None
    except InvalidVersion as e:
        return scheme, None, e


def _match_entry(entry: _Entry, version: str | None, cache: dict[str, _Prepared]) -> Match | None:
    if version is None or not version.strip():
        return _found(
            entry,
            version,
            MatchStatus.UNKNOWN_VERSION,
            "the component's version is unknown: it may or may not be affected",
        )
    if version in entry.versions:
        return _found(entry, version, MatchStatus.AFFECTED, listed=version)
    prepared = cache.get(entry.ecosystem)
    if prepared is None:
        prepared = cache[entry.ecosystem] = _prepare(entry.ecosystem, version)
    scheme, key, invalid = prepared
    if scheme is not None and key is not None and entry.versions:
        listed = entry.listed(scheme, key)
        if listed is not None:
            return _found(entry, version, MatchStatus.AFFECTED, listed=listed)
    skipped: list[RangeSkipped] = []
    evaluated = 0
    for compiled in entry.compiled_ranges():
        if isinstance(compiled, RangeSkipped):
            skipped.append(compiled)
            continue
        try:
            # SEMVER ranges order the version as SemVer; ECOSYSTEM ranges reuse ``key``.
            rkey = key if compiled.scheme is scheme and key is not None else None
            if rkey is None:
                rkey = sort_key(compiled.scheme, version)
        except InvalidVersion as e:
            invalid = invalid or e
            continue
        evaluated += 1
        interval = compiled.evaluate(rkey)
        if interval is not None:
            return _found(
                entry,
                version,
                MatchStatus.AFFECTED,
                interval=interval,
                skipped=tuple(skipped),
            )
    if evaluated == 0 and invalid is not None and entry.ranges:
        return _found(
            entry, version, MatchStatus.UNKNOWN_VERSION, f"{invalid.message}; {invalid.hint}"
        )
    if evaluated == 0 and skipped and not entry.versions:
        return _found(
            entry,
            version,
            MatchStatus.UNKNOWN_VERSION,
            "; ".join(s.reason for s in skipped),
            skipped=tuple(skipped),
        )
    return None


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
                    reason=(
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
                    reason="the component's CPE has no version: it may or may not be affected",
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
