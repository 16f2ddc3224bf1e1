"""Manufacturer VEX in the service: a product security officer attaches a CycloneDX VEX,
OpenVEX or CSAF VEX document to one of its product versions; hospitals' findings for
devices of that version are annotated or suppressed by it.

A statement is kept when it is about the version: its product identifies the version (the
profile's product purl or CPE, the product name and version, or the BOM serial number of
the version's SBOM), or it names no product beyond a component (an OpenVEX statement about
``pkg:deb/debian/openssl@…``: the component in this version). Statements about other
products are counted and left out; a document with none about the version is refused.
The whole document is stored or nothing is (the caller's transaction): its statements and
its bytes, in one row — the newest document of a version is what the version's feed
serves (:mod:`medsec.feeds.vex`).

>>> from medsec.vulns.vex.model import Subject
>>> pump = Subject(purl="pkg:generic/acme/pump@2.0")
>>> about_version(Subject(purl="pkg:generic/acme/pump"), [pump])
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Conflict, Error, NotFound, PermissionDenied
from medsec.findings.errors import VexNotAboutVersion
from medsec.findings.models import VexDocumentRow, VexStatementRow
from medsec.products import services as products
from medsec.products.models import ProfileVersion
from medsec.profiles.loader import load_profile_text
from medsec.sbom import services as sboms
from medsec.vulns.vex import read_vex_bytes
from medsec.vulns.vex.documents import MAX_VEX_BYTES, detect, load_json
from medsec.vulns.vex.model import SourceKind, Subject, VexStatement


def about_version(stated: Subject | None, version: Sequence[Subject]) -> bool:
    """Whether a statement's product names the version (any of its identities)."""
    return stated is None or any(stated.identifies(v) for v in version)


def version_subjects(session: Session, version: ProfileVersion) -> list[Subject]:
    """The identities of a product version: the profile's product, its SBOM's product."""
    found: list[Subject] = []
    try:
        product = load_profile_text(version.source, version.filename).product
        found.append(
            Subject(purl=product.purl, cpe=product.cpe, name=product.name, version=product.version)
        )
    except Error:
        found.append(Subject(name=version.product.name, version=version.version))
    owner = sboms.Owner(version.product.organization_id, profile_version_id=version.id)
    stored = sboms.current(session, owner)
    if stored is not None:
        found.append(
            Subject(
                name=stored.product_name,
                version=stored.product_version,
                document=stored.serial_number,
            )
        )
    return found


def _component_json(subject: Subject | None) -> dict[str, object] | None:
    if subject is None:
        return None
    data = asdict(subject)
    data["hashes"] = dict(subject.hashes)
    return {k: v for k, v in data.items() if v}


def _scope(statement: VexStatement, version: Sequence[Subject]) -> tuple[bool, Subject | None]:
    """(kept?, the component it is about) for one statement."""
    if about_version(statement.product, version):
        return True, statement.component
    stated = statement.product
    if statement.component is None and stated is not None and (stated.purl or stated.cpe):
        return True, stated  # about a component, in whatever product: here, this one
    return False, None


def _own_version(session: Session, actor: Actor, version_id: int) -> ProfileVersion:
    actor.require(Permission.PRODUCTS_WRITE)
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied("only manufacturer organizations attach VEX to product versions")
    version = products.get_version(session, actor, version_id)
    if version.product.organization_id != actor.organization_id:
        raise NotFound(f"no profile version {version_id}")
    return version


def check_attachable(session: Session, actor: Actor, version_id: int) -> None:
    """Refuse early (before reading an upload) what :func:`attach` refuses."""
    _own_version(session, actor, version_id)


def attach(
    session: Session, actor: Actor, version_id: int, data: bytes, filename: str
) -> VexDocumentRow:
    """Store a VEX document (its statements about the version, its bytes) as the one the
    version's feed carries from now on (:mod:`medsec.feeds.vex`)."""
    version = _own_version(session, actor, version_id)
    row = store_document(session, version, data, filename, uploaded_by=actor.username)
    record(
        session,
        Tag.VEX_ATTACHED,
        actor.context,
        target=f"profile-version:{version.id}",
        details={
            "vex_document": row.id,
            "sha256": row.sha256,
            "format": row.format,
            "statements": row.statement_count,
            "skipped": row.skipped_count,
        },
    )
    return row


def is_stored(session: Session, version_id: int, data: bytes) -> bool:
    digest = hashlib.sha256(data).hexdigest()
    return (
        session.scalar(
            select(VexDocumentRow.id).where(
                VexDocumentRow.profile_version_id == version_id, VexDocumentRow.sha256 == digest
            )
        )
        is not None
    )


def store_document(
    session: Session,
    version: ProfileVersion,
    data: bytes,
    filename: str,
    *,
    uploaded_by: str | None,
) -> VexDocumentRow:
    """Read, scope and store a VEX document about ``version``: its statements and its
    bytes (no permission check: :func:`attach` for a manufacturer's upload, the feed
    receiver for a copy). The only place a VEX document is stored."""
    name = (filename or "vex.json")[:200]
    if len(data) > MAX_VEX_BYTES:
        raise Error(
            f"{name}: {len(data)} bytes, more than the {MAX_VEX_BYTES} allowed",
            hint="split the document by product version",
        )
    statements = read_vex_bytes(data, name, SourceKind.MANUFACTURER)
    fmt = detect(load_json(data, name)) or "unknown"
    digest = hashlib.sha256(data).hexdigest()
    duplicate = session.scalar(
        select(VexDocumentRow.id).where(
            VexDocumentRow.profile_version_id == version.id, VexDocumentRow.sha256 == digest
        )
    )
    if duplicate is not None:
        raise Conflict(
            f"{name} is already attached to version {version.version} (document {duplicate})",
            hint="a changed document has another SHA-256; attach that one",
        )
    subjects = version_subjects(session, version)
    kept: list[tuple[VexStatement, Subject | None]] = []
    for s in statements:
        ok, component = _scope(s, subjects)
        if ok:
            kept.append((s, component))
    if not kept:
        named = sorted({s.product.describe() for s in statements if s.product is not None})
        raise VexNotAboutVersion(
            f"{name}: none of its {len(statements)} statements is about "
            f"{version.product.name} {version.version}"
            + (f" (it names {', '.join(named[:5])})" if named else ""),
            hint="name the product by the purl or CPE of its profile, or attach the document "
            "to the version it is about",
        )
    row = VexDocumentRow(
        organization_id=version.product.organization_id,
        profile_version_id=version.id,
        format=fmt,
        filename=name,
        sha256=digest,
        size_bytes=len(data),
        document=data,
        statement_count=len(kept),
        skipped_count=len(statements) - len(kept),
        uploaded_by=uploaded_by,
    )
    for s, component in kept:
        row.statements.append(
            VexStatementRow(
                profile_version_id=version.id,
                vulnerability=s.vulnerability[:200],
                aliases=list(s.aliases),
                status=s.status.value,
                justification=s.justification.value if s.justification else None,
                impact_statement=s.impact_statement,
                action_statement=s.action_statement,
                timestamp=s.timestamp,
                original_status=(s.original_status or "")[:64] or None,
                original_justification=(s.original_justification or "")[:64] or None,
                source=s.source[:400],
                component=_component_json(component),
                product=s.product.describe() if s.product is not None else None,
                pointer=s.pointer[:400],
            )
        )
    session.add(row)
    session.flush()
    return row


def documents(session: Session, actor: Actor, version_id: int) -> list[VexDocumentRow]:
    """The VEX documents of a version the actor may see (manufacturer, holding hospitals)."""
    actor.require(Permission.PRODUCTS_READ)
    version = products.get_version(session, actor, version_id)
    return list(
        session.scalars(
            select(VexDocumentRow)
            .where(VexDocumentRow.profile_version_id == version.id)
            .order_by(VexDocumentRow.id)
        )
    )
