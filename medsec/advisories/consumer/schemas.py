"""Request and response bodies of ``/api/v1/csaf/...``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: A provider-metadata.json URL, a domain or a site URL.
    url: str = Field(min_length=3, max_length=500)
    #: The fingerprint of the provider's OpenPGP key, as the manufacturer published it.
    fingerprint: str = Field(min_length=40, max_length=80)
    #: The armoured public key; without it, the key the metadata lists under the fingerprint.
    public_key: str | None = Field(default=None, max_length=100_000)


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    requested: str
    discovered_via: str
    metadata_url: str
    publisher: str
    key_fingerprint: str
    created_at: dt.datetime
    created_by: str
    last_fetch_at: dt.datetime | None
    last_fetch_status: str | None
    last_error: str | None


class ReceivedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    tracking_id: str | None
    document_version: str | None
    status: str
    sha256: str | None
    etag: str | None
    last_modified: str | None
    received_at: dt.datetime
    changed_at: dt.datetime


class QuarantineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    url: str
    tracking_id: str | None
    reason: str
    releasable: bool
    detail: str
    findings: list[dict[str, Any]]
    sha256: str
    quarantined_at: dt.datetime
    released_at: dt.datetime | None
    superseded_at: dt.datetime | None
    released_by: str | None
    release_note: str | None


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: Why the document is imported despite its findings (kept in the audit log).
    note: str = Field(min_length=1, max_length=2000)


class MatchOut(BaseModel):
    id: int
    asset_id: int
    serial: str
    vendor: str
    model: str
    firmware_version: str | None
    tracking_id: str
    vulnerability: str
    product_name: str
    status: str
    confidence: str
    matched_on: str
    base_score: float | None
    remediation: str | None
    first_seen: dt.datetime
