"""API models of the feeds domain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SubscribeIn(BaseModel):
    url: str = Field(
        min_length=1,
        max_length=2000,
        examples=["https://psirt.acme.example/public/feeds/acme-medical/index.json"],
    )
    #: The feed's ASCII-armoured OpenPGP public key (``key.asc``), obtained out of band.
    key: str = Field(min_length=1, max_length=64 * 1024)


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    fingerprint: str
    publisher_name: str | None
    publisher_organization_id: int | None
    csaf_provider_url: str | None
    last_status: str
    last_error: str | None
    last_fetched_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    entry_key: str
    product: str
    version: str
    kind: str
    url: str
    sha256: str
    size_bytes: int
    published: dt.datetime | None
    state: str
    reason: str | None
    profile_version_id: int | None
    previous_version_id: int | None
    devices: int
    received_at: dt.datetime


class EntryDetailOut(EntryOut):
    #: The profile diff against the previous received version (profile entries).
    changes: list[dict[str, Any]] | None
