"""VEX documents of profile versions.

A manufacturer's ``products:write`` holders attach one VEX document (CycloneDX, OpenVEX
or CSAF VEX) to a profile version of their own — drafts and published versions alike,
because VEX says what is known now and changes as analysis goes on; attaching again
replaces it. Whoever sees the version sees its VEX. The feed carries it to subscribers,
whose copy is stored with ``source="feed"`` (:func:`store`).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import NotFound, PermissionDenied
from medsec.feeds.models import ProductVex
from medsec.products import services as products
from medsec.products.models import ProfileVersion
from medsec.vulns.vex import read_vex_bytes
from medsec.vulns.vex.documents import detect, load_json


def current(session: Session, version_id: int) -> ProductVex | None:
    return session.execute(
        select(ProductVex).where(ProductVex.profile_version_id == version_id)
    ).scalar_one_or_none()


def store(
    session: Session,
    version: ProfileVersion,
    filename: str,
    content: bytes,
    *,
    source: str,
    uploaded_by: str | None,
) -> ProductVex:
    """Validate ``content`` as VEX and make it the version's VEX (no permission check).

    :class:`~medsec.vulns.vex.InvalidVex` names the file and the place when it is not a
    readable CycloneDX, OpenVEX or CSAF VEX document.
    """
    statements = read_vex_bytes(content, filename)
    fmt = detect(load_json(content, filename)) or "unknown"
    row = current(session, version.id) or ProductVex(
        organization_id=version.product.organization_id, profile_version_id=version.id
    )
    row.format = fmt
    row.filename = filename[:200]
    row.sha256 = hashlib.sha256(content).hexdigest()
    row.size_bytes = len(content)
    row.document = content
    row.statement_count = len(statements)
    row.source = source
    row.uploaded_by = uploaded_by
    row.uploaded_at = utcnow()
    session.add(row)
    session.flush()
    return row


def attach(
    session: Session, actor: Actor, version_id: int, filename: str, content: bytes
) -> ProductVex:
    """Attach (or replace) the VEX of one of the actor's own profile versions."""
    actor.require(Permission.PRODUCTS_WRITE)
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied("only manufacturer organizations attach VEX to profile versions")
    version = products.get_version(session, actor, version_id)
    if version.product.organization_id != actor.organization_id:
        raise NotFound(f"no profile version {version_id}")
    old = current(session, version.id)
    old_sha = old.sha256 if old is not None else None
    row = store(session, version, filename, content, source="upload", uploaded_by=actor.username)
    record(
        session,
        Tag.VEX_ATTACHED,
        actor.context,
        target=f"profile-version:{version.id}",
        details={
            "sha256": row.sha256,
            "replaced_sha256": old_sha,
            "format": row.format,
            "statements": row.statement_count,
        },
    )
    return row


def visible(session: Session, actor: Actor, version_id: int) -> ProductVex:
    """The VEX of a version the actor may see; NotFound when there is none."""
    version = products.get_version(session, actor, version_id)
    row = current(session, version.id)
    if row is None:
        raise NotFound(
            f"profile version {version_id} has no VEX document",
            hint="the manufacturer attaches one with POST /api/v1/profile-versions/{id}/vex",
        )
    return row
