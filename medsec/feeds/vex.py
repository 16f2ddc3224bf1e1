"""The VEX document a profile version's feed carries: the newest VEX document kept with
its bytes for the version (:class:`medsec.findings.models.VexDocumentRow`).

There is one store, :func:`medsec.findings.vex.store_document`: a manufacturer's upload
(:func:`medsec.findings.vex.attach`: API, web page, ``medsec vex attach``) and a copy a
subscriber receives from a feed both keep the statements and the bytes in one row. A
later document takes over the feed's entry, because VEX says what is known now; the
earlier documents' statements stay with the findings.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, undefer

from medsec.findings.models import VexDocumentRow

#: Every VEX format the findings read (CycloneDX, OpenVEX, CSAF) is JSON.
MEDIA_TYPE = "application/json"


def _newest_first() -> Select[VexDocumentRow]:
    return (
        select(VexDocumentRow)
        .where(VexDocumentRow.document.is_not(None))
        .order_by(VexDocumentRow.uploaded_at.desc(), VexDocumentRow.id.desc())
    )


def current(session: Session, version_id: int) -> VexDocumentRow | None:
    """The version's feed VEX, with its bytes loaded."""
    return session.scalars(
        _newest_first()
        .where(VexDocumentRow.profile_version_id == version_id)
        .options(undefer(VexDocumentRow.document))
        .limit(1)
    ).first()


def current_of(session: Session, version_ids: Collection[int]) -> dict[int, VexDocumentRow]:
    """The feed VEX of each of the versions that has one (bytes not loaded)."""
    found: dict[int, VexDocumentRow] = {}
    for row in session.scalars(
        _newest_first().where(VexDocumentRow.profile_version_id.in_(version_ids))
    ):
        found.setdefault(row.profile_version_id, row)
    return found
