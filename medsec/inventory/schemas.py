"""API models of the inventory domain."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from medsec.api.params import MAX_ID


class SiteIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="UTC", max_length=64, description="IANA time zone name.")
    address: str | None = Field(default=None, max_length=400)
    notes: str | None = Field(default=None, max_length=4000)


class SitePatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=400)
    notes: str | None = Field(default=None, max_length=4000)


class ZoneIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    purpose: str | None = Field(default=None, max_length=400)
    security_level: int = Field(default=2, description="Target IEC 62443 security level, 1–4.")
    cidrs: list[str] = Field(default_factory=list, max_length=64)
    vlan_ids: list[int] = Field(default_factory=list, max_length=64)


class ZoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    name: str
    purpose: str | None
    security_level: int
    cidrs: list[str]
    vlan_ids: list[int]


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organization_id: int
    name: str
    timezone: str
    address: str | None
    notes: str | None
    created_at: dt.datetime
    zones: list[ZoneOut]


class AssetIn(BaseModel):
    """A new asset. Values are checked and normalised by the service (MAC, IPs, …)."""

    site_id: int = Field(ge=1, le=MAX_ID)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    serial: str = Field(max_length=400)
    vendor: str = Field(max_length=400)
    model: str = Field(max_length=400)
    firmware_version: str | None = Field(default=None, max_length=400)
    hardware_revision: str | None = Field(default=None, max_length=400)
    configuration: str | None = Field(default=None, max_length=400)
    ip_addresses: list[str] = Field(default_factory=list, max_length=16)
    mac: str | None = Field(default=None, max_length=64)
    hostname: str | None = Field(default=None, max_length=400)
    location: str | None = Field(default=None, max_length=400)
    owner: str | None = Field(default=None, max_length=400)
    criticality: str = Field(default="medium", max_length=40)
    product_version_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class AssetPatch(BaseModel):
    """Fields to change; those left out keep their value."""

    site_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    serial: str | None = Field(default=None, max_length=400)
    vendor: str | None = Field(default=None, max_length=400)
    model: str | None = Field(default=None, max_length=400)
    firmware_version: str | None = Field(default=None, max_length=400)
    hardware_revision: str | None = Field(default=None, max_length=400)
    configuration: str | None = Field(default=None, max_length=400)
    ip_addresses: list[str] | None = Field(default=None, max_length=16)
    mac: str | None = Field(default=None, max_length=64)
    hostname: str | None = Field(default=None, max_length=400)
    location: str | None = Field(default=None, max_length=400)
    owner: str | None = Field(default=None, max_length=400)
    criticality: str | None = Field(default=None, max_length=40)
    product_version_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class AssetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organization_id: int
    site_id: int
    zone_id: int | None
    serial: str
    vendor: str
    model: str
    firmware_version: str | None
    hardware_revision: str | None
    configuration: str | None
    ip_addresses: list[str]
    mac: str | None
    hostname: str | None
    location: str | None
    owner: str | None
    criticality: str
    profile_version_id: int | None
    profile_link: str | None
    sbom_media_type: str | None
    sbom_sha256: str | None
    sbom_reported_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class AssetEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    asset_id: int
    at: dt.datetime
    kind: str
    old_value: str | None
    new_value: str | None
    source: str
    actor: str | None


class SbomIn(BaseModel):
    media_type: str = Field(
        max_length=120,
        description="e.g. application/vnd.cyclonedx+json, application/spdx+json, "
        "application/vnd.cyclonedx+xml",
    )
    content: str = Field(description="The SBOM document as text (JSON or XML).")


class IdentityIn(BaseModel):
    """What a device (or its manufacturer's central server) reports about itself."""

    serial: str = Field(max_length=400)
    vendor: str = Field(max_length=400)
    model: str = Field(max_length=400)
    firmware_version: str | None = Field(default=None, max_length=400)
    hardware_revision: str | None = Field(default=None, max_length=400)
    configuration: str | None = Field(
        default=None,
        max_length=400,
        description="The configuration the device runs, as its update releases name it.",
    )
    hostname: str | None = Field(default=None, max_length=400)
    ip_addresses: list[str] = Field(default_factory=list, max_length=16)
    mac: str | None = Field(default=None, max_length=64)
    site: str | None = Field(
        default=None,
        max_length=200,
        description="Site name for a device not yet in the inventory (optional when the "
        "organization has one site).",
    )
    sbom: SbomIn | None = None


class IdentityOut(BaseModel):
    asset: AssetOut
    created: bool
    firmware_changed: bool
    sbom_stored: bool
    #: Why a reported SBOM was not imported (the report itself is accepted), if it was not.
    sbom_problem: str | None = None


class RowIssueOut(BaseModel):
    row: int
    line: int
    column: str
    value: str
    message: str
    hint: str | None


class RowOutcomeOut(BaseModel):
    row: int
    serial: str
    outcome: str
    changes: list[str]


class ImportReportOut(BaseModel):
    source: str
    site: str
    dry_run: bool
    committed: bool
    created: int
    updated: int
    unchanged: int
    ignored_columns: list[str]
    rows: list[RowOutcomeOut]
    issues: list[RowIssueOut]
