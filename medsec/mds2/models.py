"""Tables of the MDS2 domain: MDS2 documents a hospital received as spreadsheets, for a
product and optionally one asset of its inventory.

MDS2s derived from published profiles are not stored: they are a pure function of the
(immutable) published version and computed when asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from medsec.db.base import Base, utcnow


class Mds2Upload(Base):
    """An MDS2 file an organization uploaded (a manufacturer's spreadsheet), read into
    answers; linked to a product of the catalog when there is one, else labelled."""

    __tablename__ = "mds2_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    #: The one device of the inventory this MDS2 describes, when it is attached to one.
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    #: ``Mds2Document.model_dump(mode="json")``.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Warnings of the import (rows that were skipped, answers that were not understood).
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    uploaded_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
