"""Which statements apply to a finding, and which one decides when they disagree.

**Scope.** A statement applies to a finding when all three agree:

1. *vulnerability*: its id or one of its aliases is the finding's id or one of its
   aliases (so a statement about ``CVE-2021-44228`` applies to ``GHSA-jfh8-c2jp-5v3q``
   whose aliases list it);
2. *product*: its product identifies the product the SBOM describes (purl — version and
   shared qualifiers must agree —, CPE, hashes, or a ``bom-ref`` of that same BOM). A
   statement whose *product* is the component itself (an OpenVEX statement about
   ``pkg:apk/alpine/libcrypto3@3.0.8-r3``) applies to that component in any product;
3. *component*: a product-level statement (no component) applies to every component of
   the product; otherwise its component must identify the finding's component.

A statement naming only a CVE, or a product other than this one, never applies.

**Conflicts.** :func:`decisive` picks, among the applicable statements, the one with
the **latest timestamp**; at equal time (or both without one) the **more authoritative
source** (manufacturer > hospital > third party); then the **more cautious status**
(affected > under investigation > fixed > not affected). A statement without a
timestamp counts as older than any dated one. Why latest first: a hospital triage
recorded after the manufacturer's statement was made knowing it (for example a
mitigation in the hospital's network); a manufacturer statement published after the
triage is news the analyst has not seen yet, and replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from medsec.vulns.vex.model import Subject, VexStatement, VexStatus

_CAUTION = {
    VexStatus.NOT_AFFECTED: 0,
    VexStatus.FIXED: 1,
    VexStatus.UNDER_INVESTIGATION: 2,
    VexStatus.AFFECTED: 3,
}
_OLDEST = datetime.min.replace(tzinfo=UTC)


def applies(
    statement: VexStatement,
    vulnerability_ids: Iterable[str],
    product: Subject | None,
    component: Subject,
) -> bool:
    """Whether ``statement`` is about this vulnerability in this component of ``product``."""
    if statement.vulnerability_ids.isdisjoint(vulnerability_ids):
        return False
    stated = statement.product
    if stated is None:
        # Embedded in the SBOM itself: refs point into the same BOM.
        in_product = True
    elif product is not None and stated.identifies(product):
        in_product = True
    elif statement.component is None and stated.identifies(component):
        return True  # a statement about the component as a product of its own
    else:
        in_product = False
    if not in_product:
        return False
    return statement.component is None or statement.component.identifies(component)


def precedence(statement: VexStatement) -> tuple[datetime, int, int]:
    return (
        statement.timestamp or _OLDEST,
        int(statement.source_kind),
        _CAUTION[statement.status],
    )


def ordered(statements: Sequence[VexStatement]) -> tuple[VexStatement, ...]:
    """The statements, the deciding one first."""
    return tuple(sorted(statements, key=precedence, reverse=True))


def decisive(statements: Sequence[VexStatement]) -> VexStatement | None:
    return max(statements, key=precedence) if statements else None
