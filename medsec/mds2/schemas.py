"""API models of the MDS2 domain."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class Mds2DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    product_id: int | None
    asset_id: int | None
    filename: str
    sha256: str
    warnings: list[str]
    uploaded_by: str | None
    created_at: dt.datetime


class PresetOut(BaseModel):
    name: str
    title: str
    conditions: list[str]
