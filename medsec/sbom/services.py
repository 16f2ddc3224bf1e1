"""SBOMs attached to profile versions (manufacturer) and to assets (hospital).

Who may do what (checked here, not only in routes):

- a manufacturer's ``products:write`` holders attach an SBOM to one of its profile
  versions while the version is a draft; a published version's SBOM is immutable (a
  correction is a new version, as for profiles);
- whoever sees a profile version sees its SBOM: the manufacturer's members, and the
  members of hospitals holding the product once the version is published;
- a hospital's ``inventory:write`` holders attach an SBOM to one of its assets
  (replacing the previous one), ``inventory:read`` holders read it; identity reports
  attach theirs through :func:`attach_reported`;
- another organization's SBOM answers :class:`~medsec.errors.NotFound`.

Each owner has at most one SBOM: attaching again replaces it (components included), in
the same transaction as the import, so a failed import leaves the previous one in place.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Conflict, NotFound, PermissionDenied
from medsec.inventory import services as inventory
from medsec.inventory.fields import EventKind
from medsec.inventory.models import Asset, AssetEvent
from medsec.products import services as products
from medsec.products.models import ProfileVersion
from medsec.sbom.importing import (
    Document,
    Source,
    document_of_file,
    source_of_file,
    write_components,
)
from medsec.sbom.models import SbomComponent, StoredSbom
from medsec.sbom.stream import Progress
from medsec.sbom.summary import NtiaTally

SOURCES = ("upload", "identity-report", "release", "feed")


@dataclass(frozen=True)
class Owner:
    """What an SBOM is attached to: exactly one of the two ids is set."""

    organization_id: int
    profile_version_id: int | None = None
    asset_id: int | None = None

    @property
    def target(self) -> str:
        if self.profile_version_id is not None:
            return f"profile-version:{self.profile_version_id}"
        return f"asset:{self.asset_id}"


def current(session: Session, owner: Owner) -> StoredSbom | None:
    stmt = select(StoredSbom)
    if owner.profile_version_id is not None:
        stmt = stmt.where(StoredSbom.profile_version_id == owner.profile_version_id)
    else:
        stmt = stmt.where(StoredSbom.asset_id == owner.asset_id)
    return session.execute(stmt).scalar_one_or_none()


def store(
    session: Session,
    owner: Owner,
    source: Source,
    document: Document,
    *,
    uploaded_by: str | None,
    origin: str = "upload",
) -> StoredSbom:
    """Replace the owner's SBOM by ``source`` (no permission check: callers do that)."""
    if origin not in SOURCES:
        raise ValueError(f"unknown SBOM source {origin!r}")
    previous = current(session, owner)
    if previous is not None:
        session.execute(delete(SbomComponent).where(SbomComponent.sbom_id == previous.id))
        session.delete(previous)
        session.flush()
    product = source.product
    row = StoredSbom(
        organization_id=owner.organization_id,
        profile_version_id=owner.profile_version_id,
        asset_id=owner.asset_id,
        format=source.format.value,
        spec_version=source.spec_version,
        serial_number=(source.serial_number or "")[:400] or None,
        bom_version=source.version,
        filename=document.filename,
        sha256=document.sha256,
        size_bytes=document.size,
        document=document.gzipped,
        document_stored=document.gzipped is not None,
        product_name=product.name[:400] if product is not None else None,
        product_version=product.version[:200] if product and product.version else None,
        product_purl=product.purl if product is not None else None,
        product_cpe=product.cpe if product is not None else None,
        source=origin,
        uploaded_by=uploaded_by,
        uploaded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    tally = NtiaTally()
    row.component_count = write_components(session, row.id, source, tally)
    row.ntia = tally.finish(authors=source.authors, tools=source.tools, timestamp=source.timestamp)
    row.ntia_passed = bool(row.ntia["passed"])
    session.flush()
    return row


def _audit(session: Session, actor: Actor, row: StoredSbom, owner: Owner, old: str | None) -> None:
    record(
        session,
        Tag.SBOM_REPLACED if old else Tag.SBOM_ATTACHED,
        actor.context,
        target=owner.target,
        details={
            "sbom": row.id,
            "sha256": row.sha256,
            "replaced_sha256": old,
            "components": row.component_count,
            "source": row.source,
        },
    )


# --------------------------------------------------------------------------- versions


def _own_draft(session: Session, actor: Actor, version_id: int) -> ProfileVersion:
    actor.require(Permission.PRODUCTS_WRITE)
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied("only manufacturer organizations attach SBOMs to profile versions")
    version = products.get_version(session, actor, version_id)
    if version.product.organization_id != actor.organization_id:
        raise NotFound(f"no profile version {version_id}")
    if version.status == "published":
        raise Conflict(
            f"version {version.version} is published: its SBOM is immutable",
            hint="publish a correction as a new profile version and attach the SBOM to it",
        )
    return version


def attach_to_version(
    session: Session, actor: Actor, version_id: int, source: Source, document: Document
) -> StoredSbom:
    version = _own_draft(session, actor, version_id)
    owner = Owner(actor.organization_id, profile_version_id=version.id)
    old = current(session, owner)
    old_sha = old.sha256 if old is not None else None
    row = store(session, owner, source, document, uploaded_by=actor.username)
    _audit(session, actor, row, owner, old_sha)
    return row


def check_version_attachable(session: Session, actor: Actor, version_id: int) -> None:
    """Refuse early (before reading an upload) what :func:`attach_to_version` refuses."""
    _own_draft(session, actor, version_id)


def version_owner(session: Session, actor: Actor, version_id: int) -> Owner:
    """The owner key of a version the actor may see (NotFound otherwise)."""
    version = products.get_version(session, actor, version_id)
    return Owner(version.product.organization_id, profile_version_id=version.id)


# --------------------------------------------------------------------------- assets


def _asset(session: Session, actor: Actor, asset_id: int, permission: Permission) -> Asset:
    inventory.require(actor, permission)
    return inventory.get_asset(session, actor, asset_id)


def attach_to_asset(
    session: Session, actor: Actor, asset_id: int, source: Source, document: Document
) -> StoredSbom:
    asset = _asset(session, actor, asset_id, Permission.INVENTORY_WRITE)
    return _attach_asset(session, actor, asset, source, document, "upload")


def check_asset_attachable(session: Session, actor: Actor, asset_id: int) -> None:
    _asset(session, actor, asset_id, Permission.INVENTORY_WRITE)


def attach_reported(
    session: Session, actor: Actor, asset: Asset, source: Source, document: Document
) -> StoredSbom:
    """The SBOM of an identity report (the caller checked ``inventory:report-identity``)."""
    return _attach_asset(session, actor, asset, source, document, "identity-report")


def _attach_asset(
    session: Session, actor: Actor, asset: Asset, source: Source, document: Document, origin: str
) -> StoredSbom:
    owner = Owner(asset.organization_id, asset_id=asset.id)
    old = current(session, owner)
    old_sha = old.sha256 if old is not None else None
    row = store(session, owner, source, document, uploaded_by=actor.username, origin=origin)
    if old_sha != row.sha256 and origin == "upload":
        session.add(
            AssetEvent(
                asset_id=asset.id,
                kind=EventKind.SBOM_REPORTED,
                old_value=old_sha,
                new_value=row.sha256,
                source="sbom-upload",
                actor=actor.username,
            )
        )
    _audit(session, actor, row, owner, old_sha)
    return row


def asset_owner(session: Session, actor: Actor, asset_id: int) -> Owner:
    asset = _asset(session, actor, asset_id, Permission.INVENTORY_READ)
    return Owner(asset.organization_id, asset_id=asset.id)


# --------------------------------------------------------------------------- reads


def sboms_of(session: Session, owner: Owner) -> Sequence[StoredSbom]:
    """The owner's SBOMs (today at most one; a list leaves room for several)."""
    found = current(session, owner)
    return [found] if found is not None else []


def sbom_of(session: Session, owner: Owner) -> StoredSbom:
    found = current(session, owner)
    if found is None:
        raise NotFound(
            f"{owner.target} has no SBOM",
            hint="attach one with POST …/sbom or `medsec sbom attach`",
        )
    return found


@dataclass(frozen=True)
class ComponentFilter:
    """``name``: substring, case-insensitive; ``purl``: prefix; ``type``: the component
    type (``library``, ``operating-system``…); ``purl_type``: the purl type (``maven``…)."""

    name: str | None = None
    purl: str | None = None
    type: str | None = None
    purl_type: str | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def components(
    session: Session, sbom: StoredSbom, where: ComponentFilter, offset: int, limit: int
) -> tuple[Sequence[SbomComponent], int]:
    stmt = select(SbomComponent).where(SbomComponent.sbom_id == sbom.id)
    if where.name:
        stmt = stmt.where(
            func.lower(SbomComponent.name).like(
                f"%{_like_escape(where.name.lower())}%", escape="\\"
            )
        )
    if where.purl:
        stmt = stmt.where(SbomComponent.purl.like(f"{_like_escape(where.purl)}%", escape="\\"))
    if where.type:
        stmt = stmt.where(SbomComponent.type == where.type)
    if where.purl_type:
        stmt = stmt.where(SbomComponent.purl_type == where.purl_type.lower())
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(SbomComponent.position).offset(offset).limit(limit)
    ).scalars()
    return rows.all(), int(total)


DOCUMENT_TYPES = {
    "cyclonedx-json": "application/vnd.cyclonedx+json",
    "cyclonedx-xml": "application/vnd.cyclonedx+xml",
    "spdx-json": "application/spdx+json",
    "spdx-tag-value": "text/spdx",
}


def document_chunks(sbom: StoredSbom) -> Iterator[bytes]:
    """The stored document, decompressed piece by piece; NotFound if it was not kept."""
    if not sbom.document_stored or sbom.document is None:
        raise NotFound(
            f"the document of SBOM {sbom.id} was not kept ({sbom.size_bytes} bytes, too large)",
            hint=f"its components are stored; the original has SHA-256 {sbom.sha256}",
        )
    data = sbom.document

    def chunks() -> Iterator[bytes]:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as decompressor:
            while chunk := decompressor.read(1024 * 1024):
                yield chunk

    return chunks()


def read_file(
    path: Path, filename: str, progress: Progress | None = None
) -> tuple[Source, Document]:
    """Source and document of a file (the CLI and the API's spooled uploads)."""
    return source_of_file(path, filename, progress), document_of_file(path, filename)
