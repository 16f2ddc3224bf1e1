"""The NTIA minimum-elements report computed while components stream past.

:func:`medsec.sbom.ntia.ntia_report` needs the whole :class:`~medsec.sbom.model.Sbom`;
the service imports SBOMs of hundreds of thousands of components without holding them,
so it feeds each component to an :class:`NtiaTally` and the dependency edges after them.
The rules are the same as :mod:`medsec.sbom.ntia` (a test checks both agree); the tally
keeps counts and the first :data:`MAX_LISTED` failing components per element, and for
the relationship element only the refs not yet seen in a relationship.

>>> from medsec.sbom.model import Component, Edge
>>> tally = NtiaTally()
>>> tally.add(Component("a", "library", "zlib", "1.3.1", supplier="zlib"))
>>> tally.add_edge(Edge("a", "b"))
>>> summary = tally.finish(authors=("Northwind",), tools=(), timestamp=None)
>>> [(e["element"], e["passed"]) for e in summary["elements"]][-2:]
[('author', True), ('timestamp', False)]
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from medsec.sbom.model import Component, Edge
from medsec.sbom.ntia import NtiaReport, label

#: How many failing components a stored summary names per element.
MAX_LISTED = 50

_PER_COMPONENT: tuple[tuple[str, str, Callable[[Component], bool]], ...] = (
    ("supplier", "Supplier name", lambda c: bool(c.supplier)),
    ("name", "Component name", lambda c: bool(c.name)),
    ("version", "Version of the component", lambda c: bool(c.version)),
    ("identifiers", "Other unique identifiers (purl, CPE)", lambda c: bool(c.identifiers())),
)


class NtiaTally:
    """Counts of the NTIA elements over components given one at a time."""

    def __init__(self) -> None:
        self.checked = 0
        self._failing: dict[str, list[str]] = {e: [] for e, _, _ in _PER_COMPONENT}
        self._failed: dict[str, int] = dict.fromkeys(self._failing, 0)
        #: ref → label of components with a ref, no parent, not yet in an edge.
        self._unrelated: dict[str, str | None] = {}
        self._related: set[str] = set()
        self._no_ref_failing: list[str] = []
        self._no_ref_failed = 0

    def add(self, c: Component) -> None:
        self.checked += 1
        for element, _, ok in _PER_COMPONENT:
            if not ok(c):
                self._failed[element] += 1
                if len(self._failing[element]) < MAX_LISTED:
                    self._failing[element].append(label(c))
        if c.parent is not None:
            self._related.add(c.parent)
        elif c.ref is None:
            self._no_ref_failed += 1
            if len(self._no_ref_failing) < MAX_LISTED:
                self._no_ref_failing.append(label(c))
        elif c.ref not in self._related:
            # The label is kept only for the first few; the rest are named by count.
            self._unrelated[c.ref] = label(c) if len(self._unrelated) < MAX_LISTED else None

    def add_edge(self, edge: Edge) -> None:
        for ref in (edge.source, edge.target):
            self._related.add(ref)
            self._unrelated.pop(ref, None)

    def _relationships(self) -> dict[str, Any]:
        for ref in self._related:
            self._unrelated.pop(ref, None)
        listed = self._no_ref_failing + [
            text for text in self._unrelated.values() if text is not None
        ]
        failed = self._no_ref_failed + len(self._unrelated)
        note = "" if self.checked else "the SBOM lists no components"
        return _element(
            "relationships", "Dependency relationship", self.checked, failed, listed, note
        )

    def finish(
        self, *, authors: tuple[str, ...], tools: tuple[str, ...], timestamp: datetime | None
    ) -> dict[str, Any]:
        """The summary as stored: ``{"passed": …, "elements": [...]}``."""
        elements = [
            _element(e, title, self.checked, self._failed[e], self._failing[e])
            for e, title, _ in _PER_COMPONENT
        ]
        elements.append(self._relationships())
        author_note = ", ".join(authors) or (
            "only tools are named: " + ", ".join(tools) if tools else "none named"
        )
        elements.append(
            _element(
                "author",
                "Author of SBOM data",
                1,
                0 if authors else 1,
                [] if authors else ["(the SBOM)"],
                author_note,
            )
        )
        elements.append(
            _element(
                "timestamp",
                "Timestamp",
                1,
                0 if timestamp else 1,
                [] if timestamp else ["(the SBOM)"],
                timestamp.isoformat() if timestamp else "none",
            )
        )
        return {"passed": all(e["passed"] for e in elements), "elements": elements}


def _element(
    element: str, title: str, checked: int, failed: int, failing: list[str], note: str = ""
) -> dict[str, Any]:
    passed = failed == 0 and not (element == "relationships" and checked == 0)
    return {
        "element": element,
        "title": title,
        "passed": passed,
        "checked": checked,
        "failed": failed,
        "failing": failing[:MAX_LISTED],
        "note": note,
    }


def summary_of(report: NtiaReport) -> dict[str, Any]:
    """A whole-document :class:`~medsec.sbom.ntia.NtiaReport` in the stored form."""
    elements = [
        _element(e.element, e.title, e.checked, len(e.failing), list(e.failing), e.note)
        for e in report.elements
    ]
    return {"passed": report.passed, "elements": elements}
