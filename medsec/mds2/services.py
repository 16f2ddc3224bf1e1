"""MDS2s in the service: derived from published versions, uploaded as spreadsheets,
queried across everything an organization holds, and compared.

A *subject* of a fleet query is

* each **device** of the inventory (for people who may read it): the MDS2 attached to that
  asset, else the derived MDS2 of the profile version the asset is linked to;
* the latest published version of each product the organization makes or holds (its MDS2
  derived from the profile);
* each uploaded MDS2 document not attached to a device.

Everything is scoped to the actor's organization.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Error, NotFound
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset
from medsec.mds2.answers import Mds2Document
from medsec.mds2.compare import Difference, compare
from medsec.mds2.derive import derive
from medsec.mds2.fleet import FleetQuery, FleetResult, Subject, run
from medsec.mds2.importer import read_mds2_bytes
from medsec.mds2.models import Mds2Upload
from medsec.products import services as products
from medsec.products.models import ProfileVersion
from medsec.profiles.loader import build_profile, parse_document


class BadReference(Error):
    kind = "invalid-mds2-reference"
    status = 422
    title = "Not an MDS2 reference"


def derived_mds2(version: ProfileVersion) -> Mds2Document:
    """The MDS2 of a stored profile version (computed once per process and content)."""
    return _derived(version.id, version.sha256, version.source, version.filename)


@lru_cache(maxsize=256)
def _derived(version_id: int, sha256: str, source: str, filename: str) -> Mds2Document:
    del version_id, sha256  # part of the cache key only
    return derive(build_profile(parse_document(source, filename)), file=filename)


def _version_label(version: ProfileVersion) -> str:
    return f"{version.product.manufacturer} {version.product.name} {version.version}"


def subjects(session: Session, actor: Actor) -> list[Subject]:
    """Everything the organization has an MDS2 for, in a stable order: devices first."""
    actor.require(Permission.PRODUCTS_READ)
    uploads = list_uploads(session, actor)
    found = _device_subjects(session, actor, uploads)
    for product in products.list_products(session, actor):
        published = [v for v in product.versions if v.status == "published"]
        if published:
            latest = published[-1]
            found.append(
                Subject("version", latest.id, _version_label(latest), derived_mds2(latest))
            )
    found.extend(
        Subject("document", row.id, row.label, _document_of(row))
        for row in uploads
        if row.asset_id is None
    )
    return found


def _device_subjects(
    session: Session, actor: Actor, uploads: Sequence[Mds2Upload]
) -> list[Subject]:
    if not (actor.can(Permission.INVENTORY_READ) and actor.organization_kind.is_provider):
        return []
    attached = {row.asset_id: row for row in uploads if row.asset_id is not None}
    devices = []
    for asset in session.execute(
        select(Asset)
        .options(selectinload(Asset.profile_version).selectinload(ProfileVersion.product))
        .where(Asset.organization_id == actor.organization_id)
        .order_by(Asset.vendor, Asset.model, Asset.serial)
    ).scalars():
        label = f"{asset.vendor} {asset.model} S/N {asset.serial}"
        if asset.id in attached:
            devices.append(Subject("asset", asset.id, label, _document_of(attached[asset.id])))
        elif asset.profile_version is not None and asset.profile_version.status == "published":
            devices.append(Subject("asset", asset.id, label, derived_mds2(asset.profile_version)))
    return devices


def fleet(session: Session, actor: Actor, query: FleetQuery) -> FleetResult:
    return run(query, subjects(session, actor))


# --------------------------------------------------------------------------- uploads


def upload(
    session: Session,
    actor: Actor,
    filename: str,
    content: bytes,
    *,
    label: str | None = None,
    product_id: int | None = None,
    asset_id: int | None = None,
) -> Mds2Upload:
    """Read an MDS2 spreadsheet (any manufacturer's layout) and keep its answers, for a
    product and/or one device of the inventory."""
    actor.require(Permission.HOLDINGS_MANAGE)
    product = products.visible_product(session, actor, product_id) if product_id else None
    asset = inventory.get_asset(session, actor, asset_id) if asset_id else None
    imported = read_mds2_bytes(content, filename)
    document = imported.document
    name = (label or "").strip() or (
        f"{asset.vendor} {asset.model} S/N {asset.serial}"
        if asset
        else f"{product.manufacturer} {product.name}"
        if product
        else (document.product or filename)
    )
    row = Mds2Upload(
        organization_id=actor.organization_id,
        product_id=product.id if product else None,
        asset_id=asset.id if asset else None,
        label=name[:300],
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        answers=document.model_dump(mode="json"),
        warnings=list(imported.skipped),
        uploaded_by=actor.username,
    )
    session.add(row)
    session.flush()
    record(
        session,
        Tag.MDS2_UPLOADED,
        actor.context,
        target=f"mds2-document:{row.id}",
        details={"label": row.label, "file": row.filename, "answers": len(document.answers)},
    )
    return row


def list_uploads(session: Session, actor: Actor) -> Sequence[Mds2Upload]:
    actor.require(Permission.PRODUCTS_READ)
    return (
        session.execute(
            select(Mds2Upload)
            .where(Mds2Upload.organization_id == actor.organization_id)
            .order_by(Mds2Upload.label, Mds2Upload.id)
        )
        .scalars()
        .all()
    )


def get_upload(session: Session, actor: Actor, document_id: int) -> Mds2Upload:
    actor.require(Permission.PRODUCTS_READ)
    row = session.get(Mds2Upload, document_id)
    if row is None or row.organization_id != actor.organization_id:
        raise NotFound(f"no MDS2 document {document_id}")
    return row


def delete_upload(session: Session, actor: Actor, document_id: int) -> None:
    actor.require(Permission.HOLDINGS_MANAGE)
    row = get_upload(session, actor, document_id)
    record(
        session,
        Tag.MDS2_DELETED,
        actor.context,
        target=f"mds2-document:{row.id}",
        details={"label": row.label, "file": row.filename},
    )
    session.delete(row)


def _document_of(row: Mds2Upload) -> Mds2Document:
    return Mds2Document.model_validate(row.answers)


# --------------------------------------------------------------------------- compare


def resolve(session: Session, actor: Actor, reference: str) -> tuple[str, Mds2Document]:
    """``version:ID`` (a profile version's derived MDS2), ``document:ID`` (an upload) or
    ``asset:ID`` (a device's MDS2, as in the fleet query)."""
    kind, _, number = reference.partition(":")
    if kind not in ("version", "document", "asset") or not number.isdigit():
        raise BadReference(
            f"{reference!r} is not an MDS2 reference",
            hint="write version:ID for a profile version, document:ID for an upload or "
            "asset:ID for a device",
        )
    if kind == "version":
        version = products.get_version(session, actor, int(number))
        return _version_label(version), derived_mds2(version)
    if kind == "asset":
        asset = inventory.get_asset(session, actor, int(number))
        for subject in _device_subjects(session, actor, list_uploads(session, actor)):
            if subject.id == asset.id:
                return subject.label, subject.mds2
        raise NotFound(
            f"asset {asset.id} has no MDS2",
            hint="link it to a published product version or attach an MDS2 document",
        )
    row = get_upload(session, actor, int(number))
    return row.label, _document_of(row)


def compare_references(
    session: Session, actor: Actor, before: str, after: str
) -> tuple[str, str, list[Difference]]:
    before_label, before_doc = resolve(session, actor, before)
    after_label, after_doc = resolve(session, actor, after)
    return before_label, after_label, compare(before_doc, after_doc)
