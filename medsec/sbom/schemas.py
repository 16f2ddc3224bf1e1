"""API models of the SBOM service."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class SbomOut(BaseModel):
    """An attached SBOM: where it came from, what it is, how it fares on NTIA."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    profile_version_id: int | None
    asset_id: int | None
    format: str
    spec_version: str
    serial_number: str | None
    bom_version: int | None
    filename: str
    sha256: str
    size_bytes: int
    document_stored: bool
    product_name: str | None
    product_version: str | None
    product_purl: str | None = None
    product_cpe: str | None = None
    component_count: int
    ntia_passed: bool
    source: str
    uploaded_by: str | None
    uploaded_at: dt.datetime


class ComponentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    bom_ref: str | None
    parent_ref: str | None
    type: str | None
    name: str
    version: str | None
    namespace: str | None
    purl: str | None
    purl_type: str | None
    cpe: str | None
    supplier: str | None
    scope: str | None
    hashes: dict[str, str]
    licenses: list[str]


class NtiaElementOut(BaseModel):
    element: str
    title: str
    passed: bool
    checked: int
    #: How many items fail; ``failing`` names at most the first 50 of them.
    failed: int
    failing: list[str]
    note: str


class NtiaOut(BaseModel):
    sbom_id: int
    passed: bool
    elements: list[NtiaElementOut]
