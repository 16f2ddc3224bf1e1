"""Hospital triage that carries over to a new SBOM version while the component is unchanged.

A :class:`TriageRecord` is an analyst's decision (a VEX status with a justification and a
note) about one vulnerability in one component of one product. It is keyed by the
**identity** of the product and of the component — the purl without version (and
qualifiers) where there is one, else the CPE's vendor and product (``cpe:vendor:product``,
lower-cased), else the name (with its group) — and the vulnerability id. The identity
leaves the version out, so the record meets the component again in the next SBOM of the
product.

**"Unchanged" rule.** A record applies to a component of a later SBOM when product,
component and vulnerability keys are equal *and* the component is unchanged:

- when the recorded component and the new one share a hash algorithm, the digests of
  every shared algorithm must be equal (a rebuild under the same version number is a
  change; a re-packaged SBOM with the same bytes is not);
- otherwise the versions must be equal (both known).

A changed component loses the triage: the finding goes back to its raw state and the
analyst decides again. Carried-over records become ``hospital`` VEX statements
(:func:`carried_over`), so conflicts with the manufacturer's VEX follow
:mod:`medsec.vulns.vex.resolve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from medsec.sbom.model import NO_HASHES, Component, Sbom
from medsec.vulns.cpe import parse_cpe
from medsec.vulns.errors import InvalidCpe
from medsec.vulns.vex.model import (
    Justification,
    SourceKind,
    Subject,
    VexStatement,
    VexStatus,
    purl_without_version,
)

__all__ = ["TriageRecord", "carried_over", "component_key", "product_key", "record", "unchanged"]


def component_key(component: Component) -> str:
    """The component's identity across versions: purl without version, else CPE vendor and
    product, else its name.

    >>> component_key(Component(ref=None, type="library", name="zlib",
    ...     purl="pkg:deb/debian/zlib@1.2?arch=amd64"))
    'pkg:deb/debian/zlib'
    >>> component_key(Component(ref=None, type="firmware", name="RTOS",
    ...     cpe="cpe:2.3:o:Acme:RTOS:4.1:*:*:*:*:*:*:*"))
    'cpe:acme:rtos'
    >>> component_key(Component(ref=None, type="library", name="libx", group="acme"))
    'acme/libx'
    """
    if component.purl:
        return purl_without_version(component.purl)
    if component.cpe:
        try:
            cpe = parse_cpe(component.cpe)
        except InvalidCpe:
            pass  # not a CPE the matcher reads either: the name identifies it
        else:
            return f"cpe:{cpe.vendor}:{cpe.product}".casefold()
    return (f"{component.group}/" if component.group else "") + component.name


def product_key(product: Component | None) -> str:
    if product is None:
        return ""
    return component_key(product)


@dataclass(frozen=True)
class TriageRecord:
    product: str
    component: str
    vulnerability: str
    status: VexStatus
    analyst: str
    timestamp: datetime
    component_version: str | None
    component_hashes: Mapping[str, str] = field(default_factory=lambda: NO_HASHES)
    justification: Justification | None = None
    note: str | None = None


def record(
    sbom: Sbom,
    component: Component,
    vulnerability: str,
    status: VexStatus,
    *,
    analyst: str,
    timestamp: datetime,
    justification: Justification | None = None,
    note: str | None = None,
) -> TriageRecord:
    """The triage record of a decision about ``component`` of ``sbom``."""
    return TriageRecord(
        product=product_key(sbom.product),
        component=component_key(component),
        vulnerability=vulnerability,
        status=status,
        analyst=analyst,
        timestamp=timestamp,
        component_version=component.version,
        component_hashes=dict(component.hashes),
        justification=justification,
        note=note,
    )


def unchanged(triage: TriageRecord, component: Component) -> bool:
    """Whether ``component`` is the component the triage was recorded for (see above)."""
    if component_key(component) != triage.component:
        return False
    common = set(triage.component_hashes) & set(component.hashes)
    if common:
        return all(triage.component_hashes[a] == component.hashes[a] for a in common)
    return triage.component_version is not None and triage.component_version == component.version


def carried_over(records: Iterable[TriageRecord], sbom: Sbom) -> list[VexStatement]:
    """The triage records that still apply to ``sbom``, as hospital VEX statements."""
    records = list(records)
    if not records:
        return []
    key = product_key(sbom.product)
    product = (
        Subject(
            purl=sbom.product.purl,
            cpe=sbom.product.cpe,
            ref=sbom.product.ref,
            name=sbom.product.name,
            version=sbom.product.version,
            document=sbom.serial_number,
        )
        if sbom.product is not None
        else None
    )
    by_component: dict[str, list[Component]] = {}
    for c in sbom.components:
        by_component.setdefault(component_key(c), []).append(c)
    out: list[VexStatement] = []
    for t in records:
        if t.product != key:
            continue
        for c in by_component.get(t.component, ()):
            if not unchanged(t, c):
                continue
            out.append(
                VexStatement(
                    vulnerability=t.vulnerability,
                    status=t.status,
                    source=t.analyst,
                    source_kind=SourceKind.HOSPITAL,
                    product=product,
                    component=Subject(
                        purl=c.purl,
                        cpe=c.cpe,
                        ref=c.ref,
                        name=c.name,
                        version=c.version,
                        document=sbom.serial_number,
                        hashes=c.hashes,
                    ),
                    justification=t.justification,
                    impact_statement=t.note if t.status is VexStatus.NOT_AFFECTED else None,
                    action_statement=t.note if t.status is not VexStatus.NOT_AFFECTED else None,
                    timestamp=t.timestamp,
                    original_status=t.status.value,
                    original_justification=t.justification.value if t.justification else None,
                    pointer=f"triage:{t.product}|{t.component}|{t.vulnerability}",
                )
            )
    return out
