"""Update releases, patch lists and lifecycle notices in the service.

Who sees what (enforced here, whatever the caller — route, CLI or worker):

- a manufacturer's members see its products' releases (drafts included), patch lists
  and notices, and with ``updates:write``/``updates:publish`` change them;
- a healthcare provider's members see, for the products it holds, the published releases,
  the patch lists of published profile versions and the published notices;
- another organization's objects do not exist (404), as for products;
- a published release is immutable (a correction is a new release).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied
from medsec.products import services as products
from medsec.products.models import Product, ProfileVersion
from medsec.updates import reminders
from medsec.updates.applicability import ReleaseFacts
from medsec.updates.kinds import ApplyMode, ReleaseKind, Status
from medsec.updates.models import LifecycleNotice, ThirdPartyPatch, UpdateRelease, UpdateSettings
from medsec.updates.schemas import NoticeIn, PatchListIn, ReleaseIn

DEFAULT_LEAD_MONTHS = 12


def _own(product: Product, actor: Actor) -> bool:
    return product.organization_id == actor.organization_id


def _manufacturer(actor: Actor, permission: Permission) -> None:
    actor.require(permission)
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied("only manufacturer organizations publish update information")


def _writable_product(session: Session, actor: Actor, product_id: int) -> Product:
    _manufacturer(actor, Permission.UPDATES_WRITE)
    product = session.get(Product, product_id)
    if product is None or not _own(product, actor):
        raise NotFound(f"no product {product_id}")
    return product


def _own_version(
    session: Session, actor: Actor, version_id: int, permission: Permission
) -> ProfileVersion:
    """A profile version of the actor's own organization, for changing its information."""
    _manufacturer(actor, permission)
    version = session.get(ProfileVersion, version_id)
    if version is None or not _own(version.product, actor):
        raise NotFound(f"no profile version {version_id}")
    return version


# --------------------------------------------------------------------------- releases


def create_release(
    session: Session, actor: Actor, product_id: int, data: ReleaseIn
) -> UpdateRelease:
    """Store a release as a draft (replacing a draft of the same kind and version)."""
    product = _writable_product(session, actor, product_id)
    existing = session.execute(
        select(UpdateRelease).where(
            UpdateRelease.product_id == product.id,
            UpdateRelease.kind == data.kind.value,
            UpdateRelease.version == data.version,
        )
    ).scalar_one_or_none()
    if existing is not None and existing.status == Status.PUBLISHED:
        raise Conflict(
            f"{data.kind.value} {data.version} of {product.name} is published and immutable",
            hint="publish a correction as a new release (another version)",
        )
    release = existing or UpdateRelease(product_id=product.id)
    fields = data.model_dump(exclude={"sbom"})
    for key, value in fields.items():
        setattr(release, key, value.value if hasattr(value, "value") else value)
    release.installers = [i.value for i in data.installers]
    if data.sbom is not None:
        release.sbom = data.sbom.document
        release.sbom_media_type = data.sbom.media_type
        release.sbom_sha256 = hashlib.sha256(data.sbom.document.encode()).hexdigest()
    else:
        release.sbom = release.sbom_media_type = release.sbom_sha256 = None
    release.created_by = actor.username
    release.created_at = utcnow()
    session.add(release)
    session.flush()
    record(
        session,
        Tag.UPDATE_RELEASE_CREATED,
        actor.context,
        target=f"update-release:{release.id}",
        details={"product": product.name, "version": release.version, "kind": release.kind},
    )
    return release


def releases(session: Session, actor: Actor, product_id: int) -> Sequence[UpdateRelease]:
    product = products.visible_product(session, actor, product_id)
    stmt = select(UpdateRelease).where(UpdateRelease.product_id == product.id)
    if not _own(product, actor):
        stmt = stmt.where(UpdateRelease.status == Status.PUBLISHED.value)
    order = (UpdateRelease.released_on, UpdateRelease.version, UpdateRelease.id)
    return session.execute(stmt.order_by(*order)).scalars().all()


def get_release(session: Session, actor: Actor, release_id: int) -> UpdateRelease:
    release = session.get(UpdateRelease, release_id)
    if release is None:
        raise NotFound(f"no update release {release_id}")
    product = products.visible_product(session, actor, release.product_id)
    if not _own(product, actor) and release.status != Status.PUBLISHED:
        raise NotFound(f"no update release {release_id}")
    return release


def publish_release(session: Session, actor: Actor, release_id: int) -> UpdateRelease:
    actor.require(Permission.UPDATES_PUBLISH)
    if not actor.recently_authenticated:
        raise AuthenticationRequired(
            "publishing needs a recent login", hint="log in again, then publish"
        )
    release = get_release(session, actor, release_id)
    if not _own(release.product, actor):
        raise NotFound(f"no update release {release_id}")
    if release.status == Status.PUBLISHED:
        raise Conflict(f"release {release.version} is already published")
    release.status = Status.PUBLISHED.value
    release.published_at = utcnow()
    record(
        session,
        Tag.UPDATE_RELEASE_PUBLISHED,
        actor.context,
        target=f"update-release:{release.id}",
        details={
            "product": release.product.name,
            "version": release.version,
            "kind": release.kind,
            "fixes": release.fixes,
        },
    )
    return release


def facts(release: UpdateRelease) -> ReleaseFacts:
    """The release as :mod:`medsec.updates.applicability` takes it."""
    return ReleaseFacts(
        release.id,
        release.version,
        release.released_on,
        ReleaseKind(release.kind),
        tuple(release.fixes),
        release.applies_to,
        tuple(release.hardware_revisions),
        tuple(release.configurations),
        release.cumulative,
        ApplyMode(release.apply_mode),
        release.expected_minutes,
    )


# --------------------------------------------------------------------------- patch lists


def patches(session: Session, actor: Actor, version_id: int) -> Sequence[ThirdPartyPatch]:
    version = products.get_version(session, actor, version_id)
    return (
        session.execute(
            select(ThirdPartyPatch)
            .where(ThirdPartyPatch.profile_version_id == version.id)
            .order_by(ThirdPartyPatch.kind, ThirdPartyPatch.identifier)
        )
        .scalars()
        .all()
    )


def import_patches(
    session: Session, actor: Actor, version_id: int, data: PatchListIn
) -> list[ThirdPartyPatch]:
    """Add or update entries by (kind, identifier); entries not in ``data`` stay. Returns
    the entries that were added or changed (each change is an audit event)."""
    version = _own_version(session, actor, version_id, Permission.UPDATES_WRITE)
    existing = {
        (p.kind, p.identifier): p
        for p in session.execute(
            select(ThirdPartyPatch).where(ThirdPartyPatch.profile_version_id == version.id)
        ).scalars()
    }
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(data.patches):  # every check before the first write
        key = (entry.kind.value, entry.identifier)
        if key in seen:
            raise Conflict(
                f"patches[{index}]: {entry.kind.value} {entry.identifier} is listed twice",
                hint="keep one entry per kind and identifier",
            )
        seen.add(key)
    changed: list[ThirdPartyPatch] = []
    for entry in data.patches:
        key = (entry.kind.value, entry.identifier)
        patch = existing.get(key) or ThirdPartyPatch(
            profile_version_id=version.id, kind=key[0], identifier=key[1]
        )
        fields = ("title", "status", "note", "released_on", "checked_on")
        before = {name: getattr(patch, name) for name in fields}
        patch.title, patch.status, patch.note = entry.title, entry.status.value, entry.note
        patch.released_on, patch.checked_on = entry.released_on, entry.checked_on
        after = {name: getattr(patch, name) for name in fields}
        if before == after:
            continue  # unchanged: no write, no event
        patch.updated_by, patch.updated_at = actor.username, utcnow()
        session.add(patch)
        changed.append(patch)
        record(
            session,
            Tag.UPDATE_PATCH_CHANGED,
            actor.context,
            target=f"profile-version:{version.id}",
            details={
                "patch": entry.identifier,
                "kind": entry.kind.value,
                "from": before["status"],
                "to": patch.status,
                "changed": sorted(k for k in fields if before[k] != after[k]),
            },
        )
    session.flush()
    return changed


# --------------------------------------------------------------------------- settings


def lead_months(session: Session, organization_id: int) -> int:
    found = session.get(UpdateSettings, organization_id)
    return found.notice_lead_months if found else DEFAULT_LEAD_MONTHS


def set_lead_months(session: Session, actor: Actor, months: int) -> UpdateSettings:
    _manufacturer(actor, Permission.UPDATES_PUBLISH)
    found = session.get(UpdateSettings, actor.organization_id) or UpdateSettings(
        organization_id=actor.organization_id
    )
    before = found.notice_lead_months
    found.notice_lead_months = months
    session.add(found)
    session.flush()
    record(
        session,
        Tag.UPDATE_SETTINGS_CHANGED,
        actor.context,
        target=f"organization:{actor.organization_id}",
        details={"notice_lead_months": {"from": before, "to": months}},
    )
    return found


# --------------------------------------------------------------------------- notices


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` less ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def publication_date(data: NoticeIn, lead: int) -> dt.date:
    dates = [d for d in (data.end_of_sale, data.end_of_support, data.end_of_security_updates) if d]
    if not dates:
        raise Conflict(
            "a lifecycle notice needs at least one date",
            hint="give end_of_sale, end_of_support or end_of_security_updates",
        )
    return months_before(min(dates), lead)


def get_notice(session: Session, actor: Actor, version_id: int) -> LifecycleNotice:
    version = products.get_version(session, actor, version_id)
    notice = session.execute(
        select(LifecycleNotice).where(LifecycleNotice.profile_version_id == version.id)
    ).scalar_one_or_none()
    if notice is None or (not _own(version.product, actor) and notice.published_at is None):
        raise NotFound(f"no lifecycle notice for profile version {version_id}")
    return notice


def set_notice(session: Session, actor: Actor, version_id: int, data: NoticeIn) -> LifecycleNotice:
    version = _own_version(session, actor, version_id, Permission.UPDATES_WRITE)
    lead = (
        data.lead_months
        if data.lead_months is not None
        else lead_months(session, actor.organization_id)
    )
    publish_on = publication_date(data, lead)
    notice = session.execute(
        select(LifecycleNotice).where(LifecycleNotice.profile_version_id == version.id)
    ).scalar_one_or_none() or LifecycleNotice(profile_version_id=version.id)
    for key, value in data.model_dump(exclude={"lead_months"}).items():
        setattr(notice, key, value)
    notice.lead_months, notice.publish_on = lead, publish_on
    notice.updated_by, notice.updated_at = actor.username, utcnow()
    session.add(notice)
    session.flush()
    record(
        session,
        Tag.UPDATE_NOTICE_SAVED,
        actor.context,
        target=f"profile-version:{version.id}",
        details={"publish_on": publish_on.isoformat(), "lead_months": lead},
    )
    return notice


def publish_notice(session: Session, actor: Actor, version_id: int) -> LifecycleNotice:
    """Publish now, before its publication date."""
    version = _own_version(session, actor, version_id, Permission.UPDATES_PUBLISH)
    notice = get_notice(session, actor, version.id)
    if notice.published_at is not None:
        raise Conflict("the lifecycle notice is already published")
    _publish_notice(session, notice, actor.context, due=False)
    return notice


def _publish_notice(
    session: Session, notice: LifecycleNotice, context: Context, *, due: bool
) -> None:
    notice.published_at = utcnow()
    version = notice.profile_version
    record(
        session,
        Tag.UPDATE_NOTICE_PUBLISHED,
        context,
        target=f"profile-version:{version.id}",
        organization_id=version.product.organization_id,
        details={
            "product": version.product.name,
            "version": version.version,
            "publish_on": notice.publish_on.isoformat(),
            "by": "schedule" if due else "manufacturer",
        },
    )
    reminders.end_of_support_published(session, notice)


def due_notices(session: Session, today: dt.date) -> list[LifecycleNotice]:
    """Unpublished notices whose publication date has come, oldest first."""
    return list(
        session.execute(
            select(LifecycleNotice)
            .where(LifecycleNotice.published_at.is_(None), LifecycleNotice.publish_on <= today)
            .order_by(LifecycleNotice.publish_on, LifecycleNotice.id)
        ).scalars()
    )


def publish_due(session: Session, today: dt.date, context: Context) -> list[LifecycleNotice]:
    """Publish every notice that has become due (the worker runs this daily)."""
    found = due_notices(session, today)
    for notice in found:
        _publish_notice(session, notice, context, due=True)
    return found
