"""The OSV evaluation algorithm, exactly as the schema's "Evaluation" section writes it.

::

    IncludedInRanges(v, ranges):
      for range in ranges
        if BeforeLimits(v, range)
          vulnerable = false
          for evt in sorted(range.events)
            if evt.introduced is present && v >= evt.introduced:      vulnerable = true
            else if evt.fixed is present && v >= evt.fixed:           vulnerable = false
            else if evt.last_affected is present && v > evt.last_affected: vulnerable = false
          if vulnerable: return true
      return false

    BeforeLimits(v, range): no limit events, or v < some limit

Choices the pseudocode leaves open, made here and documented in docs/vulnerabilities.md:

* ``sorted(range.events)`` sorts by version in the range's ordering (``SEMVER`` ranges by
  SemVer whatever the ecosystem, ``ECOSYSTEM`` ranges by the ecosystem); ``introduced:
  "0"`` sorts before every version; at equal versions ``introduced`` comes first, so
  ``introduced X, fixed X`` is empty. The sort is stable otherwise.
* ``GIT`` ranges need the repository's commit graph: they are not evaluated, and the
  evidence says so (:data:`GIT_UNSUPPORTED`).
* An event whose version does not parse in the range's ordering makes that one range
  unevaluable (reported, never guessed).

>>> from medsec.vulns.records import Range
>>> r = Range.model_validate({"type": "ECOSYSTEM", "events": [
...     {"introduced": "0"}, {"fixed": "1.0"}]})
>>> evaluate_range("PyPI", r, "0.9").introduced, evaluate_range("PyPI", r, "1.0")
('0', None)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cmp_to_key

from univers.versions import Version

from medsec.vulns.errors import InvalidVersion
from medsec.vulns.records import Event, EventKind, Range, RangeType
from medsec.vulns.versions import SEMVER, Scheme, order, parse, scheme_for

__all__ = [
    "GIT_UNSUPPORTED",
    "Interval",
    "RangeSkipped",
    "evaluate_range",
    "evaluate_sorted",
    "in_versions",
    "range_scheme",
    "sorted_events",
]

GIT_UNSUPPORTED = (
    "GIT ranges are not evaluated: they need the repository's commit graph, and a "
    "component is identified by a released version, not a commit"
)

# At equal versions: introduced first (an empty [X, X) range stays empty).
_TIE = {
    EventKind.INTRODUCED: 0,
    EventKind.LAST_AFFECTED: 1,
    EventKind.FIXED: 2,
    EventKind.LIMIT: 3,
}


@dataclass(frozen=True)
class Interval:
    """Why a version is affected by one range: the event that opened the interval it is
    in and the event that closes it (if any), in the record's own words."""

    range_type: str
    introduced: str
    fixed: str | None = None
    last_affected: str | None = None
    limits: tuple[str, ...] = ()

    def describe(self) -> str:
        upper = (
            f", fixed in {self.fixed}"
            if self.fixed
            else f", last affected {self.last_affected}"
            if self.last_affected
            else ", no fix"
        )
        limit = f", limit {' / '.join(self.limits)}" if self.limits else ""
        start = "every version" if self.introduced == "0" else f"introduced in {self.introduced}"
        return f"{self.range_type} range: {start}{upper}{limit}"


@dataclass(frozen=True)
class RangeSkipped:
    """A range that could not be evaluated, and why."""

    range_type: str
    reason: str


def range_scheme(ecosystem: str, range_type: RangeType) -> Scheme:
    return SEMVER if range_type is RangeType.SEMVER else scheme_for(ecosystem)


@dataclass(frozen=True)
class _Parsed:
    event: Event
    version: Version | None  # None for introduced "0"


def sorted_events(scheme: Scheme, events: tuple[Event, ...]) -> list[_Parsed]:
    """Events in version order (see the module docstring for ties and ``"0"``)."""
    parsed = [
        _Parsed(
            e,
            None if e.kind is EventKind.INTRODUCED and e.value == "0" else parse(scheme, e.value),
        )
        for e in events
    ]

    def cmp(a: _Parsed, b: _Parsed) -> int:
        if a.version is None or b.version is None:
            by_version = (a.version is not None) - (b.version is not None)
        else:
            by_version = order(scheme, a.version, b.version)
        return by_version or _TIE[a.event.kind] - _TIE[b.event.kind]

    return sorted(parsed, key=cmp_to_key(cmp))


def evaluate_range(ecosystem: str, range_: Range, version: str) -> Interval | RangeSkipped | None:
    """The interval of ``range_`` that contains ``version``, or None if unaffected.

    Raises :class:`InvalidVersion` when ``version`` itself does not parse in the range's
    ordering (the caller reports the package's version as unusable).
    """
    if range_.type is RangeType.GIT:
        return RangeSkipped(range_.type.value, GIT_UNSUPPORTED)
    scheme = range_scheme(ecosystem, range_.type)
    v = parse(scheme, version)
    try:
        events = sorted_events(scheme, range_.events)
    except InvalidVersion as e:
        return RangeSkipped(range_.type.value, f"the record's range has a bad event: {e.message}")
    return evaluate_sorted(scheme, range_.type.value, events, v)


def evaluate_sorted(
    scheme: Scheme, range_type: str, events: list[_Parsed], v: Version
) -> Interval | None:
    """:func:`evaluate_range` on events already sorted by :func:`sorted_events`."""
    limits = [p for p in events if p.event.kind is EventKind.LIMIT]
    if limits and not any(
        p.version is not None and order(scheme, v, p.version) < 0 for p in limits
    ):
        return None
    vulnerable = False
    opened: int | None = None
    for i, p in enumerate(events):
        kind = p.event.kind
        if kind is EventKind.INTRODUCED and (p.version is None or order(scheme, v, p.version) >= 0):
            vulnerable, opened = True, i
        elif kind is EventKind.FIXED and p.version and order(scheme, v, p.version) >= 0:
            vulnerable = False
        elif kind is EventKind.LAST_AFFECTED and p.version and order(scheme, v, p.version) > 0:
            vulnerable = False
    if not vulnerable or opened is None:
        return None
    closing = next(
        (
            p.event
            for p in events[opened + 1 :]
            if p.event.kind in (EventKind.FIXED, EventKind.LAST_AFFECTED)
        ),
        None,
    )
    return Interval(
        range_type=range_type,
        introduced=events[opened].event.value,
        fixed=closing.value if closing and closing.kind is EventKind.FIXED else None,
        last_affected=closing.value
        if closing and closing.kind is EventKind.LAST_AFFECTED
        else None,
        limits=tuple(p.event.value for p in limits),
    )


def in_versions(ecosystem: str, versions: tuple[str, ...], version: str) -> str | None:
    """The entry of an explicit ``versions`` list equal to ``version``, or None.

    Equal means the same string, or (when both parse) the same version in the
    ecosystem's ordering (``1.0`` equals ``1.0.0`` on PyPI).
    """
    if version in versions:
        return version
    try:
        scheme = scheme_for(ecosystem)
        v = parse(scheme, version)
    except InvalidVersion:
        return None
    for listed in versions:
        try:
            if order(scheme, v, parse(scheme, listed)) == 0:
                return listed
        except InvalidVersion:
            continue
    return None
