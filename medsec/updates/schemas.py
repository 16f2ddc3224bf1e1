"""Pydantic I/O of the updates domain: what a release manifest, a patch list and a
lifecycle notice contain (files, API bodies) and what the API answers."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from medsec.updates.kinds import ApplyMode, Installer, PatchKind, PatchStatus, ReleaseKind
from medsec.updates.ranges import RangeError, parse_range

#: CVE, OSV-style (GHSA-…, PYSEC-…, OSV-…) and vendor advisory ids.
VULN_ID = re.compile(r"^(CVE-\d{4}-\d{4,}|[A-Z][A-Z0-9]{1,15}-[A-Za-z0-9][A-Za-z0-9._:-]{0,80})$")

CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]

SBOM_MEDIA_TYPES = (
    "application/vnd.cyclonedx+json",
    "application/vnd.cyclonedx+xml",
    "application/spdx+json",
    "text/spdx",
)
MAX_SBOM_CHARS = 5_000_000


class Strict(BaseModel):
    # YAML reads ``version: 4.2`` as a number; it is the text the manufacturer wrote.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class SbomIn(Strict):
    media_type: str = Field(description="One of " + ", ".join(SBOM_MEDIA_TYPES))
    document: str = Field(min_length=1, max_length=MAX_SBOM_CHARS, description="Stored raw.")

    @field_validator("media_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SBOM_MEDIA_TYPES:
            raise ValueError(f"unknown SBOM media type; use one of {', '.join(SBOM_MEDIA_TYPES)}")
        return value

    @model_validator(mode="after")
    def _parses(self) -> SbomIn:
        """A JSON SBOM must at least be JSON (its content is checked by the SBOM domain)."""
        if self.media_type.endswith("json"):
            try:
                json.loads(self.document)
            except ValueError as e:
                raise ValueError(f"the SBOM is not JSON ({e})") from e
        return self


class ReleaseIn(Strict):
    """An update release manifest (``medsec updates release import``, ``POST …/updates``)."""

    version: Name
    released_on: dt.date
    kind: ReleaseKind
    title: Short | None = None
    fixes: list[str] = Field(default_factory=list, max_length=2000)
    priority: Name | None = Field(default=None, description="A level of the profile's scale.")
    priority_context: Long | None = None
    applies_to: str | None = Field(
        default=None, description="vers range of installed versions, e.g. vers:generic/<4.2.2"
    )
    hardware_revisions: list[Name] = Field(default_factory=list, max_length=200)
    configurations: list[Name] = Field(default_factory=list, max_length=200)
    cumulative: bool = True
    apply_mode: ApplyMode
    expected_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    reboot: bool | None = None
    installers: list[Installer] = Field(default_factory=list)
    preparation: Long | None = None
    rollback: Long | None = None
    notes: Long | None = None
    sbom: SbomIn | None = None

    @field_validator("fixes")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        out: list[str] = []
        for value in values:
            text = value.strip()
            if not VULN_ID.match(text) or (text.startswith("CVE-") and not CVE.match(text)):
                raise ValueError(f"{value!r} is not a CVE or OSV id (e.g. CVE-2026-12345)")
            if text not in out:
                out.append(text)
        return out

    @field_validator("applies_to")
    @classmethod
    def _range(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return parse_range(value).text
        except RangeError as e:
            raise ValueError(e.message) from e


class ReleaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    version: str
    released_on: dt.date
    kind: str
    title: str | None
    fixes: list[str]
    priority: str | None
    priority_context: str | None
    applies_to: str | None
    hardware_revisions: list[str]
    configurations: list[str]
    cumulative: bool
    apply_mode: str
    expected_minutes: int | None
    reboot: bool | None
    installers: list[str]
    preparation: str | None
    rollback: str | None
    notes: str | None
    sbom_media_type: str | None
    sbom_sha256: str | None
    status: str
    created_by: str | None
    created_at: dt.datetime
    published_at: dt.datetime | None


class PatchIn(Strict):
    kind: PatchKind
    identifier: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
    ] = Field(description="e.g. KB5034441 or a definitions version")
    title: Short | None = None
    status: PatchStatus
    released_on: dt.date | None = None
    checked_on: dt.date | None = Field(default=None, description="When it was (in)validated.")
    note: Long | None = None


class PatchListIn(Strict):
    """A patch list file: ``patches: [...]``. Entries are added or updated by (kind, id)."""

    patches: list[PatchIn] = Field(max_length=5000)


class PatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    profile_version_id: int
    kind: str
    identifier: str
    title: str | None
    status: str
    released_on: dt.date | None
    checked_on: dt.date | None
    note: str | None
    updated_by: str | None
    updated_at: dt.datetime


class NoticeIn(Strict):
    end_of_sale: dt.date | None = None
    end_of_support: dt.date | None = None
    end_of_security_updates: dt.date | None = None
    plan: Long | None = Field(default=None, description="Upgrade or replacement options.")
    risks: Long | None = Field(default=None, description="Risks of continued use.")
    compensating_controls: Long | None = None
    lead_months: int | None = Field(
        default=None, ge=0, le=120, description="Default: the organization's setting."
    )


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    profile_version_id: int
    end_of_sale: dt.date | None
    end_of_support: dt.date | None
    end_of_security_updates: dt.date | None
    plan: str | None
    risks: str | None
    compensating_controls: str | None
    lead_months: int
    publish_on: dt.date
    published_at: dt.datetime | None


class SettingsIn(Strict):
    notice_lead_months: int = Field(ge=0, le=120)
