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

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

from medsec.vulns.errors import InvalidVersion, UnknownEcosystem
from medsec.vulns.records import EventKind, Range, RangeType
from medsec.vulns.versions import SEMVER, Scheme, order, scheme_for, sort_key

__all__ = [
    "GIT_UNSUPPORTED",
    "CompiledRange",
    "Interval",
    "RangeSkipped",
    "compile_range",
    "evaluate_range",
    "range_scheme",
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
    """The ordering of a range: SemVer for SEMVER ranges, else the ecosystem's."""
    return SEMVER if range_type is RangeType.SEMVER else scheme_for(ecosystem)


#: One event after sorting: kind, the record's text, and its sort key (None for "0").
_Event = tuple[EventKind, str, Any]


@dataclass(frozen=True, slots=True)
class CompiledRange:
    """A range's events parsed and sorted once, ready for many evaluations."""

    range_type: str
    scheme: Scheme
    events: tuple[_Event, ...]
    limits: tuple[_Event, ...]

    def evaluate(self, v: Any) -> Interval | None:
        """The pseudocode on sort keys: ``v`` is :func:`sort_key` of the version."""
        if self.limits and not any(v < key for _, _, key in self.limits):
            return None
        vulnerable = False
        opened = -1
        for i, (kind, _, key) in enumerate(self.events):
            if kind is EventKind.INTRODUCED:
                if key is None or not v < key:
                    vulnerable, opened = True, i
            elif kind is EventKind.FIXED:
                if not v < key:
                    vulnerable = False
            elif kind is EventKind.LAST_AFFECTED and key < v:
                vulnerable = False
        if not vulnerable:
            return None
        closing = next(
            (
                (kind, text)
                for kind, text, _ in self.events[opened + 1 :]
                if kind is EventKind.FIXED or kind is EventKind.LAST_AFFECTED
            ),
            None,
        )
        return Interval(
            range_type=self.range_type,
            introduced=self.events[opened][1],
            fixed=closing[1] if closing and closing[0] is EventKind.FIXED else None,
            last_affected=closing[1] if closing and closing[0] is EventKind.LAST_AFFECTED else None,
            limits=tuple(text for _, text, _ in self.limits),
        )


def compile_range(
    ecosystem: str, range_type: RangeType, events: Sequence[tuple[EventKind, str]]
) -> CompiledRange | RangeSkipped:
    """Parse and sort a range's events (see the module docstring for ties and ``"0"``)."""
    if range_type is RangeType.GIT:
        return RangeSkipped(range_type.value, GIT_UNSUPPORTED)
    try:
        scheme = range_scheme(ecosystem, range_type)
        parsed: list[_Event] = [
            (
                kind,
                value,
                None if kind is EventKind.INTRODUCED and value == "0" else sort_key(scheme, value),
            )
            for kind, value in events
        ]
    except (InvalidVersion, UnknownEcosystem) as e:
        return RangeSkipped(range_type.value, f"the record's range has a bad event: {e.message}")

    def cmp(a: _Event, b: _Event) -> int:
        if a[2] is None or b[2] is None:
            by_version = (a[2] is not None) - (b[2] is not None)
        else:
            by_version = order(scheme, a[2], b[2])
        return by_version or _TIE[a[0]] - _TIE[b[0]]

    try:
        ordered = tuple(sorted(parsed, key=cmp_to_key(cmp)))
    except InvalidVersion as e:
        return RangeSkipped(range_type.value, f"the record's range cannot be ordered: {e.message}")
    return CompiledRange(
        range_type=range_type.value,
        scheme=scheme,
        events=ordered,
        limits=tuple(e for e in ordered if e[0] is EventKind.LIMIT),
    )


def evaluate_range(ecosystem: str, range_: Range, version: str) -> Interval | RangeSkipped | None:
    """The interval of ``range_`` that contains ``version``, or None if unaffected.

    Raises :class:`InvalidVersion` when ``version`` itself does not parse in the range's
    ordering (the caller reports the package's version as unusable).
    """
    compiled = compile_range(ecosystem, range_.type, [(e.kind, e.value) for e in range_.events])
    if isinstance(compiled, RangeSkipped):
        return compiled
    return compiled.evaluate(sort_key(compiled.scheme, version))
