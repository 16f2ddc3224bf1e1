"""Risk-assessment worksheets of integration points, at a hospital.

An integration point is a device (an asset, or a held product version) and the system it
connects to (another asset, or a system named in words). Likelihood and impact are each
1–5; their product is the risk score, in levels:

======== ========
score    level
======== ========
1–4      low
5–9      medium
10–16    high
17–25    critical
======== ========

A worksheet is a draft until a named user signs it off (``risk:write`` and a login of the
last minutes); a signed-off revision is read-only, and saving changes to it makes the next
revision, a draft, while the signed one stays as it was.

>>> level(2, 2), level(3, 3), level(4, 4), level(5, 4)
('low', 'medium', 'high', 'critical')
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.education.models import RiskWorksheet
from medsec.education.schemas import ControlIn, WorksheetIn, WorksheetOut
from medsec.errors import AuthenticationRequired, Conflict, Error, NotFound, PermissionDenied
from medsec.inventory.models import Asset
from medsec.products import services as products


class InvalidWorksheet(Error):
    kind = "invalid-worksheet"
    status = 422
    title = "The risk worksheet is not valid"


def level(likelihood: int, impact: int) -> str:
    score = likelihood * impact
    return (
        "low" if score <= 4 else "medium" if score <= 9 else "high" if score <= 16 else "critical"
    )


def _provider(actor: Actor, permission: Permission) -> None:
    actor.require(permission)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied("risk worksheets are kept by healthcare-provider organizations")


def _asset(session: Session, actor: Actor, asset_id: int | None) -> Asset | None:
    if asset_id is None:
        return None
    found = session.get(Asset, asset_id)
    if found is None or found.organization_id != actor.organization_id:
        raise NotFound(f"no asset {asset_id}")
    return found


def measure_ids(session: Session, actor: Actor, version_id: int | None) -> list[str]:
    """Hardening measures of the device's profile a control may link to."""
    if version_id is None:
        return []
    version = products.get_version(session, actor, version_id)
    return [m.id for m in products.profile_of(version).hardening.measures]


def _check(session: Session, actor: Actor, data: WorksheetIn) -> int | None:
    """Validate the references; the device's profile version (for hardening measures)."""
    asset = _asset(session, actor, data.asset_id)
    _asset(session, actor, data.counterpart_asset_id)
    if asset is None and data.profile_version_id is None:
        raise InvalidWorksheet(
            "a worksheet needs a device: asset_id or profile_version_id",
            hint="name the asset (or the held product version) of the integration point",
        )
    if data.counterpart_asset_id is None and not (data.counterpart or "").strip():
        raise InvalidWorksheet(
            "a worksheet needs the system the device connects to",
            hint="give counterpart_asset_id or counterpart (free text)",
        )
    version_id = data.profile_version_id or (asset.profile_version_id if asset else None)
    if data.profile_version_id is not None:
        products.get_version(session, actor, data.profile_version_id)  # visible, or 404
    known = set(measure_ids(session, actor, version_id))
    for index, control in enumerate(data.controls):
        if control.measure is not None and control.measure not in known:
            raise InvalidWorksheet(
                f"controls[{index}].measure: {control.measure} is not a hardening measure of "
                "the device's profile",
                hint="one of: " + (", ".join(sorted(known)) or "(the profile lists none)"),
            )
    return version_id


def _fill(row: RiskWorksheet, data: WorksheetIn) -> None:
    for key, value in data.model_dump(exclude={"controls", "framework"}).items():
        setattr(row, key, value)
    row.framework = data.framework.value
    row.controls = [c.model_dump() for c in data.controls]
    row.threats = [t.strip() for t in data.threats if t.strip()]


def create(session: Session, actor: Actor, data: WorksheetIn) -> RiskWorksheet:
    _provider(actor, Permission.RISK_WRITE)
    _check(session, actor, data)
    row = RiskWorksheet(organization_id=actor.organization_id, revision=1)
    _fill(row, data)
    row.created_by, row.created_at = actor.username, utcnow()
    session.add(row)
    session.flush()
    row.series = row.id
    _saved(session, actor, row)
    return row


def _saved(session: Session, actor: Actor, row: RiskWorksheet) -> None:
    session.flush()
    record(
        session, Tag.RISK_WORKSHEET_SAVED, actor.context, target=f"risk-worksheet:{row.id}",
        details={
            "series": row.series, "revision": row.revision, "framework": row.framework,
            "residual_risk": level(row.residual_likelihood, row.residual_impact),
        },
    )  # fmt: skip


def get(session: Session, actor: Actor, worksheet_id: int) -> RiskWorksheet:
    _provider(actor, Permission.RISK_READ)
    row = session.get(RiskWorksheet, worksheet_id)
    if row is None or row.organization_id != actor.organization_id:
        raise NotFound(f"no risk worksheet {worksheet_id}")
    return row


def latest(session: Session, actor: Actor) -> Sequence[RiskWorksheet]:
    """The newest revision of each worksheet of the organization."""
    _provider(actor, Permission.RISK_READ)
    newest = (
        select(RiskWorksheet.series, func.max(RiskWorksheet.revision).label("rev"))
        .where(RiskWorksheet.organization_id == actor.organization_id)
        .group_by(RiskWorksheet.series)
        .subquery()
    )
    return (
        session.execute(
            select(RiskWorksheet)
            .join(
                newest,
                (RiskWorksheet.series == newest.c.series)
                & (RiskWorksheet.revision == newest.c.rev),
            )
            .where(RiskWorksheet.organization_id == actor.organization_id)
            .order_by(RiskWorksheet.title, RiskWorksheet.id)
        )
        .scalars()
        .all()
    )


def revisions(session: Session, actor: Actor, worksheet_id: int) -> Sequence[RiskWorksheet]:
    row = get(session, actor, worksheet_id)
    return (
        session.execute(
            select(RiskWorksheet)
            .where(RiskWorksheet.series == row.series)
            .order_by(RiskWorksheet.revision)
        )
        .scalars()
        .all()
    )


def update(session: Session, actor: Actor, worksheet_id: int, data: WorksheetIn) -> RiskWorksheet:
    """Change a draft in place; a change to a signed-off worksheet makes a new revision."""
    _provider(actor, Permission.RISK_WRITE)
    row = get(session, actor, worksheet_id)
    newest = revisions(session, actor, worksheet_id)[-1]
    if newest.id != row.id:
        raise Conflict(
            f"revision {row.revision} is not the newest ({newest.revision})",
            hint=f"change worksheet {newest.id}",
        )
    _check(session, actor, data)
    if row.status == "signed-off":
        row = RiskWorksheet(
            organization_id=actor.organization_id, series=row.series, revision=row.revision + 1
        )
        row.created_by, row.created_at = actor.username, utcnow()
        session.add(row)
    _fill(row, data)
    _saved(session, actor, row)
    return row


def sign_off(session: Session, actor: Actor, worksheet_id: int) -> RiskWorksheet:
    """Sign the residual risk off as the acting user (needs a recent login)."""
    actor.require(Permission.RISK_WRITE)
    # Before anything else, as for every sensitive action.
    if not actor.recently_authenticated:
        raise AuthenticationRequired(
            "signing a risk worksheet off needs a recent login", hint="log in again, then sign"
        )
    _provider(actor, Permission.RISK_WRITE)
    row = get(session, actor, worksheet_id)
    if row.status == "signed-off":
        raise Conflict(f"revision {row.revision} is already signed off by {row.signed_by}")
    row.status, row.signed_by, row.signed_at = "signed-off", actor.username, utcnow()
    session.flush()
    record(
        session, Tag.RISK_WORKSHEET_SIGNED, actor.context, target=f"risk-worksheet:{row.id}",
        details={
            "series": row.series, "revision": row.revision,
            "residual_risk": level(row.residual_likelihood, row.residual_impact),
        },
    )  # fmt: skip
    return row


def present(row: RiskWorksheet) -> WorksheetOut:
    return WorksheetOut(
        id=row.id, series=row.series, revision=row.revision, title=row.title,
        asset_id=row.asset_id, profile_version_id=row.profile_version_id,
        counterpart_asset_id=row.counterpart_asset_id, counterpart=row.counterpart,
        framework=row.framework,
        threats=list(row.threats), safety_impact=row.safety_impact,
        controls=[ControlIn.model_validate(c) for c in row.controls],
        likelihood=row.likelihood, impact=row.impact,
        residual_likelihood=row.residual_likelihood, residual_impact=row.residual_impact,
        residual_note=row.residual_note, status=row.status, signed_by=row.signed_by,
        signed_at=row.signed_at, created_by=row.created_by, created_at=row.created_at,
        inherent_risk=level(row.likelihood, row.impact),
        residual_risk=level(row.residual_likelihood, row.residual_impact),
    )  # fmt: skip
