"""The NTIA minimum elements of an SBOM (NTIA, "The Minimum Elements For a Software Bill of
Materials", July 2021), checked on the model.

Per component: supplier name, component name, version, other unique identifiers (a purl
or a CPE; hashes are integrity data, not identifiers), dependency relationship (the
component is the source or target of an edge, or nested in a parent). Per SBOM: author
of the SBOM data (a person or organisation; a tool alone does not say who is
accountable) and timestamp. The product (``metadata.component``) is checked with the
components.

>>> from medsec.sbom.model import Component, Sbom, SbomFormat
>>> sbom = Sbom(SbomFormat.CYCLONEDX_JSON, "1.6",
...             components=(Component("a", "library", "zlib", "1.3.1", supplier="zlib"),))
>>> [(e.element, e.passed) for e in ntia_report(sbom).elements][:3]
[('supplier', True), ('name', True), ('version', True)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from medsec.sbom.model import Component, Sbom


@dataclass(frozen=True)
class ElementResult:
    """One minimum element: passed, how many items were checked, which ones fail."""

    element: str
    title: str
    passed: bool
    checked: int
    failing: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class NtiaReport:
    elements: tuple[ElementResult, ...]

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.elements)


def label(c: Component) -> str:
    """How a report names a component: ``name@version (ref)``."""
    text = c.name or "(no name)"
    if c.version:
        text += f"@{c.version}"
    return f"{text} ({c.ref})" if c.ref else text


def _per_component(
    element: str, title: str, items: list[Component], ok: Callable[[Component], bool]
) -> ElementResult:
    failing = tuple(label(c) for c in items if not ok(c))
    return ElementResult(element, title, not failing, len(items), failing)


def ntia_report(sbom: Sbom) -> NtiaReport:
    """Every minimum element, pass/fail with counts and the failing components."""
    items = ([sbom.product] if sbom.product is not None else []) + list(sbom.components)
    related = {e.source for e in sbom.edges} | {e.target for e in sbom.edges}
    related |= {c.parent for c in sbom.components if c.parent}
    elements = [
        _per_component("supplier", "Supplier name", items, lambda c: bool(c.supplier)),
        _per_component("name", "Component name", items, lambda c: bool(c.name)),
        _per_component("version", "Version of the component", items, lambda c: bool(c.version)),
        _per_component(
            "identifiers",
            "Other unique identifiers (purl, CPE)",
            items,
            lambda c: bool(c.identifiers()),
        ),
        _per_component(
            "relationships",
            "Dependency relationship",
            items,
            lambda c: c.parent is not None or (c.ref is not None and c.ref in related),
        ),
    ]
    if not items:
        elements[-1] = ElementResult(
            "relationships", "Dependency relationship", False, 0, (), "the SBOM lists no components"
        )
    elements.append(
        ElementResult(
            "author",
            "Author of SBOM data",
            bool(sbom.authors),
            1,
            () if sbom.authors else ("(the SBOM)",),
            ", ".join(sbom.authors)
            or ("only tools are named: " + ", ".join(sbom.tools) if sbom.tools else "none named"),
        )
    )
    elements.append(
        ElementResult(
            "timestamp",
            "Timestamp",
            sbom.timestamp is not None,
            1,
            () if sbom.timestamp else ("(the SBOM)",),
            sbom.timestamp.isoformat() if sbom.timestamp else "none",
        )
    )
    return NtiaReport(tuple(elements))
