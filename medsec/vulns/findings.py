"""Findings: an SBOM's components × vulnerability records, with VEX, triage and priority.

:func:`scan` is a pure function (no database, no network): give it an SBOM, an OSV
:class:`~medsec.vulns.matcher.Index` and optionally VEX statements, hospital triage
records, the KEV catalog, EPSS scores and the asset's context. Each
:class:`Finding` is one component × one record with the match evidence, the statements
that apply (the deciding one first), the resulting state and the priority with every
factor that made it.

- A component without a version (or with one its ecosystem cannot order) is
  ``unknown-version``: shown, never ``affected``, unless a VEX statement decides.
- A statement applies by product + component + vulnerability (aliases considered), see
  :mod:`medsec.vulns.vex.resolve`, which also documents how conflicts are decided.

>>> from medsec.sbom import read_sbom_bytes
>>> from medsec.vulns.matcher import Index
>>> from medsec.vulns.records import Record
>>> index = Index()
>>> _ = index.add(Record.model_validate({"id": "PYSEC-0-1", "modified": "2024-01-01T00:00:00Z",
...     "aliases": ["CVE-2024-1"], "affected": [{"package": {"ecosystem": "PyPI", "name": "jinja2"},
...     "versions": ["2.10"]}]}))
>>> sbom = read_sbom_bytes(b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": '
...     b'[{"type": "library", "name": "jinja2", "version": "2.10",'
...     b' "purl": "pkg:pypi/jinja2@2.10"}]}', "s.json")
>>> [(f.vulnerability, f.state.value, f.priority.level.value) for f in scan(sbom, index)]
[('PYSEC-0-1', 'affected', 'medium')]
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from medsec.errors import Error
from medsec.sbom.model import Component, Sbom
from medsec.vulns.matcher import Index, Match, MatchStatus, match, match_cpe
from medsec.vulns.packages import Package
from medsec.vulns.priority import AssetContext, EpssScores, Priority, prioritise
from medsec.vulns.sources.kev import KevCatalog
from medsec.vulns.sources.nvd import NvdCve
from medsec.vulns.triage import TriageRecord, carried_over
from medsec.vulns.vex.model import Subject, VexStatement, VexStatus
from medsec.vulns.vex.resolve import applies, ordered

__all__ = ["Finding", "FindingState", "Matcher", "matches_of", "package_of", "scan", "subject_of"]


#: The matches of one component (see :func:`scan`).
Matcher = Callable[[Component], list[Match]]


class FindingState(enum.StrEnum):
    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"
    UNKNOWN_VERSION = "unknown-version"


def subject_of(component: Component, document: str | None = None) -> Subject:
    """A component (or an SBOM's product) as a VEX statement would name it."""
    return Subject(
        purl=component.purl,
        cpe=component.cpe,
        ref=component.ref,
        name=component.name,
        version=component.version,
        document=document,
        hashes=component.hashes,
    )


def component_ref(component: Component) -> str:
    """A stable name for a component in reports: bom-ref, else purl, else name@version."""
    return (
        component.ref
        or component.purl
        or component.cpe
        or f"{component.name}@{component.version or 'unknown'}"
    )


@dataclass(frozen=True)
class Finding:
    component: Component
    vulnerability: str
    aliases: tuple[str, ...]
    match: Match
    #: Applicable VEX/triage statements, the deciding one first.
    statements: tuple[VexStatement, ...]
    state: FindingState
    priority: Priority
    known_exploited: bool = False
    epss: float | None = None

    @property
    def component_ref(self) -> str:
        return component_ref(self.component)

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.vulnerability, *self.aliases)

    @property
    def decisive(self) -> VexStatement | None:
        return self.statements[0] if self.statements else None

    @property
    def vex_status(self) -> VexStatus | None:
        """The state as a VEX status (None for an undecided unknown version)."""
        if self.state is FindingState.UNKNOWN_VERSION:
            return None
        return VexStatus(self.state.value)

    @property
    def is_open(self) -> bool:
        """Affected or under investigation: what a hospital has to act on."""
        return self.state in (FindingState.AFFECTED, FindingState.UNDER_INVESTIGATION)

    def detail(self) -> str:
        """Why the finding is in its state, in one line."""
        d = self.decisive
        if d is not None:
            why = d.justification.value if d.justification else d.original_status or ""
            words = d.impact_statement or d.action_statement or ""
            head = f"{d.source_kind.label} {d.source}: {d.status.value}"
            return "; ".join(x for x in (head + (f" ({why})" if why else ""), words) if x)
        return self.match.explanation


def package_of(c: Component) -> Package | None:
    """What the matcher is asked about a component (None: no purl of a known type, no CPE)."""
    if c.purl:
        try:
            p = Package.from_purl(c.purl, cpe=c.cpe)
        except Error:
            return None
        if p.version is None and c.version:
            return Package(p.name, c.version, p.ecosystem, p.purl, p.cpe)
        return p
    if c.cpe:
        return Package(name=c.name, version=c.version, cpe=c.cpe)
    return None


def matches_of(index: Index, cves: Sequence[NvdCve], package: Package | None) -> list[Match]:
    """The records (OSV by package, NVD by CPE) that concern ``package``, one per record."""
    if package is None:
        return []
    found = match(index, package)
    if cves and package.cpe:
        found += match_cpe(cves, package)
    # One finding per record: an affected entry wins over an undecided one.
    by_id: dict[str, Match] = {}
    for m in found:
        kept = by_id.get(m.record_id)
        if kept is None or (
            kept.status is MatchStatus.UNKNOWN_VERSION and m.status is MatchStatus.AFFECTED
        ):
            by_id[m.record_id] = m
    return list(by_id.values())


def scan(
    sbom: Sbom,
    index: Index,
    *,
    vex: Iterable[VexStatement] = (),
    kev: KevCatalog | None = None,
    epss: EpssScores | None = None,
    context: AssetContext | None = None,
    triage: Iterable[TriageRecord] = (),
    cves: Sequence[NvdCve] = (),
    matcher: Matcher | None = None,
) -> list[Finding]:
    """Every finding of ``sbom``, highest priority first.

    ``matcher`` answers the matches of one component in place of matching it against
    ``index`` and ``cves`` (the service passes one that matches each distinct package of a
    fleet once)."""
    document = sbom.serial_number
    product = subject_of(sbom.product, document) if sbom.product is not None else None
    statements = [*vex, *carried_over(triage, sbom)]
    by_vuln: dict[str, list[VexStatement]] = {}
    for s in statements:
        for i in s.vulnerability_ids:
            by_vuln.setdefault(i, []).append(s)
    out: list[Finding] = []
    for c in sbom.components:
        matches = matcher(c) if matcher is not None else matches_of(index, cves, package_of(c))
        if not matches:
            continue
        subject = subject_of(c, document)
        for m in matches:
            ids = (m.record_id, *m.aliases)
            candidates = {id(s): s for i in ids for s in by_vuln.get(i, ())}
            applicable = ordered(
                [s for s in candidates.values() if applies(s, ids, product, subject)]
            )
            out.append(_finding(c, m, applicable, index, kev, epss, context))
    out.sort(
        key=lambda f: (
            -f.priority.level.rank,
            -f.priority.score,
            f.component_ref,
            f.vulnerability,
        )
    )
    return out


def _finding(
    c: Component,
    m: Match,
    applicable: tuple[VexStatement, ...],
    index: Index,
    kev: KevCatalog | None,
    epss: EpssScores | None,
    context: AssetContext | None,
) -> Finding:
    ids = (m.record_id, *m.aliases)
    if applicable:
        state = FindingState(applicable[0].status.value)
    elif m.status is MatchStatus.AFFECTED:
        state = FindingState.AFFECTED
    else:
        state = FindingState.UNKNOWN_VERSION
    exploited = bool(kev.exploited(ids)) if kev is not None else False
    probability = epss.probability(ids) if epss is not None else None
    manufacturer = None
    if context is not None and context.manufacturer_priority:
        manufacturer = next(
            (context.manufacturer_priority[i] for i in ids if i in context.manufacturer_priority),
            None,
        )
    suppressed = None
    if state in (FindingState.NOT_AFFECTED, FindingState.FIXED):
        d = applicable[0]
        why = f" ({d.justification.value})" if d.justification else ""
        suppressed = f"none: {state.value} per {d.source_kind.label} {d.source}{why}"
    priority = prioritise(
        index.cvss_vectors(m.record_id),
        kev=exploited,
        epss=probability,
        manufacturer=manufacturer,
        context=context,
        suppressed=suppressed,
    )
    return Finding(
        component=c,
        vulnerability=m.record_id,
        aliases=m.aliases,
        match=m,
        statements=applicable,
        state=state,
        priority=priority,
        known_exploited=exploited,
        epss=probability,
    )
