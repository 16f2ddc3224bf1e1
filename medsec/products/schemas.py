"""API models of the products domain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from medsec.api.params import MAX_ID


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    manufacturer: str
    organization_id: int
    created_at: dt.datetime


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    version: str
    status: str
    filename: str
    sha256: str
    uploaded_by: str | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    lint: dict[str, Any]


class CatalogOut(BaseModel):
    product_id: int
    name: str
    manufacturer: str
    latest_version: str
    latest_version_id: int


class HoldingIn(BaseModel):
    product_id: int = Field(ge=1, le=MAX_ID)
    note: str | None = Field(default=None, max_length=400)
