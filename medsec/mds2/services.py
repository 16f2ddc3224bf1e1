"""MDS2s in the service: derived from published versions, uploaded as spreadsheets,
queried across everything an organization holds, and compared.

A *subject* of a fleet query is the latest published version of each product the
organization makes or holds (its MDS2 derived from the profile) and each MDS2 document
the organization uploaded. Everything is scoped to the actor's organization.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Error, NotFound
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
    """Everything the organization has an MDS2 for, in a stable order."""
    actor.require(Permission.PRODUCTS_READ)
    found: list[Subject] = []
    for product in products.list_products(session, actor):
        published = [v for v in product.versions if v.status == "published"]
        if published:
            latest = published[-1]
            found.append(
                Subject("version", latest.id, _version_label(latest), derived_mds2(latest))
            )
    found.extend(
        Subject("document", row.id, row.label, _document_of(row))
        for row in list_uploads(session, actor)
    )
    return found


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
) -> Mds2Upload:
    """Read an MDS2 spreadsheet (any manufacturer's layout) and keep its answers."""
    actor.require(Permission.HOLDINGS_MANAGE)
    product = products.visible_product(session, actor, product_id) if product_id else None
    imported = read_mds2_bytes(content, filename)
    document = imported.document
    name = (label or "").strip() or (
        f"{product.manufacturer} {product.name}" if product else (document.product or filename)
    )
    row = Mds2Upload(
        organization_id=actor.organization_id,
        product_id=product.id if product else None,
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
    """``version:ID`` (a profile version's derived MDS2) or ``document:ID`` (an upload)."""
    kind, _, number = reference.partition(":")
    if kind not in ("version", "document") or not number.isdigit():
        raise BadReference(
            f"{reference!r} is not an MDS2 reference",
            hint="write version:ID for a profile version or document:ID for an upload",
        )
    if kind == "version":
        version = products.get_version(session, actor, int(number))
        return _version_label(version), derived_mds2(version)
    row = get_upload(session, actor, int(number))
    return row.label, _document_of(row)


def compare_references(
    session: Session, actor: Actor, before: str, after: str
) -> tuple[str, str, list[Difference]]:
    before_label, before_doc = resolve(session, actor, before)
    after_label, after_doc = resolve(session, actor, after)
    return before_label, after_label, compare(before_doc, after_doc)
