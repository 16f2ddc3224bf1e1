"""Hospital triage in the service: an analyst records a state, a justification and a note
on one finding; the decision is stored by product + component + vulnerability (the keys of
:mod:`medsec.vulns.triage`) and carries over to a new SBOM while the component is
unchanged — :func:`medsec.vulns.triage.carried_over` decides, on every scan.

Recording again on the same product, component and vulnerability replaces the decision;
every decision is in the audit log (``findings:triage:recorded``) with the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.findings import services
from medsec.findings.errors import InvalidTriage
from medsec.findings.models import TriageRow
from medsec.inventory import services as inventory
from medsec.vulns import triage
from medsec.vulns.vex.model import Justification, VexStatus


@dataclass(frozen=True)
class TriageDecision:
    status: VexStatus
    justification: Justification | None = None
    note: str | None = None


def record_triage(
    session: Session,
    actor: Actor,
    asset_id: int,
    component_id: int,
    vulnerability: str,
    decision: TriageDecision,
) -> TriageRow:
    """Record ``decision`` on the asset's finding (NotFound if it has no such finding)."""
    inventory.require(actor, Permission.FINDINGS_TRIAGE)
    if decision.status is VexStatus.NOT_AFFECTED and decision.justification is None:
        raise InvalidTriage(
            "a not_affected decision needs a justification",
            hint="choose why: component_not_present, vulnerable_code_not_present, "
            "vulnerable_code_not_in_execute_path, "
            "vulnerable_code_cannot_be_controlled_by_adversary or "
            "inline_mitigations_already_exist",
        )
    note = (decision.note or "").strip()[:4000] or None
    detail = services.finding(session, actor, asset_id, component_id, vulnerability)
    found = detail.item.finding
    decided = triage.record(
        detail.bom.sbom,
        found.component,
        found.vulnerability,
        decision.status,
        analyst=actor.username,
        timestamp=utcnow(),
        justification=decision.justification,
        note=note,
    )
    row = session.scalar(
        select(TriageRow).where(
            TriageRow.organization_id == actor.organization_id,
            TriageRow.product_key == decided.product[:400],
            TriageRow.component_key == decided.component[:400],
            TriageRow.vulnerability == decided.vulnerability[:200],
        )
    )
    previous = (row.status, row.justification) if row is not None else None
    if row is None:
        row = TriageRow(
            organization_id=actor.organization_id,
            product_key=decided.product[:400],
            component_key=decided.component[:400],
            vulnerability=decided.vulnerability[:200],
        )
        session.add(row)
    row.status = decided.status.value
    row.justification = decided.justification.value if decided.justification else None
    row.note = note
    row.analyst = actor.username
    row.recorded_at = decided.timestamp
    row.component_version = (decided.component_version or "")[:200] or None
    row.component_hashes = dict(decided.component_hashes)
    session.flush()
    record(
        session,
        Tag.FINDING_TRIAGED,
        actor.context,
        target=f"asset:{asset_id}",
        details={
            "vulnerability": found.vulnerability,
            "product": row.product_key,
            "component": row.component_key,
            "component_version": row.component_version,
            "status": row.status,
            "justification": row.justification,
            "previous": list(previous) if previous else None,
        },
    )
    return row
