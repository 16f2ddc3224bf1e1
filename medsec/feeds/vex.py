"""The VEX document a profile version's feed carries.

A manufacturer attaches VEX through :func:`medsec.findings.vex.attach` (API, web page,
``medsec vex attach``), which keeps its statements for the findings and stores the
document here as the version's current VEX — the one the feed lists; a later document
replaces it, because VEX says what is known now. A subscriber's copy is stored with
``source="feed"`` (:func:`store`), and its statements go to the subscriber's findings the
same way.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.db.base import utcnow
from medsec.feeds.models import ProductVex
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
