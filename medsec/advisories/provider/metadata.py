"""``provider-metadata.json`` (CSAF 2.0 requirement 7) as a pydantic model.

The OASIS schema (``provider_json_schema.json``) is not shipped with medsec: OASIS
publishes its work products under its IPR policy and copyright notice, not an open-source
licence, so medsec validates with this model (it writes the JSON itself, so that URLs keep
the exact spelling of the documents, which pydantic would normalise) and the conformance
test checks what medsec writes against the OASIS schema in ``../shared/data``. The model
follows that schema: the same required fields, enums, URL patterns and key-fingerprint
pattern; no ``extra="forbid"``, since the schema allows additional properties.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, field_validator

TlpLabel = Literal["UNLABELED", "WHITE", "GREEN", "AMBER", "RED"]
Role = Literal["csaf_publisher", "csaf_provider", "csaf_trusted_provider"]


def _json_url(value: AnyUrl) -> AnyUrl:
    if not str(value).endswith(".json"):
        raise ValueError("must be the URL of a .json file")
    return value


class RolieFeed(BaseModel):
    model_config = ConfigDict(frozen=True)
    summary: str | None = None
    tlp_label: TlpLabel
    url: AnyUrl

    _url = field_validator("url")(_json_url)


class Rolie(BaseModel):
    model_config = ConfigDict(frozen=True)
    categories: list[AnyUrl] | None = Field(default=None, min_length=1)
    feeds: list[RolieFeed] = Field(min_length=1)
    services: list[AnyUrl] | None = Field(default=None, min_length=1)

    @field_validator("categories", "services")
    @classmethod
    def _json_urls(cls, value: list[AnyUrl] | None) -> list[AnyUrl] | None:
        for url in value or []:
            _json_url(url)
        return value


class Distribution(BaseModel):
    model_config = ConfigDict(frozen=True)
    directory_url: AnyUrl | None = None
    rolie: Rolie | None = None


class PublicKey(BaseModel):
    model_config = ConfigDict(frozen=True)
    fingerprint: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{40,}$")
    url: AnyUrl


class Publisher(BaseModel):
    """CSAF 2.0 ``document.publisher``."""

    model_config = ConfigDict(frozen=True)
    category: Literal["coordinator", "discoverer", "other", "translator", "user", "vendor"]
    contact_details: str | None = Field(default=None, min_length=1)
    issuing_authority: str | None = Field(default=None, min_length=1)
    name: str = Field(min_length=1)
    namespace: AnyUrl


class ProviderMetadata(BaseModel):
    model_config = ConfigDict(frozen=True)
    canonical_url: AnyUrl
    distributions: list[Distribution] | None = Field(default=None, min_length=1)
    last_updated: dt.datetime
    list_on_CSAF_aggregators: bool
    metadata_version: Literal["2.0"]
    mirror_on_CSAF_aggregators: bool
    public_openpgp_keys: list[PublicKey] | None = None
    publisher: Publisher
    role: Role

    @field_validator("canonical_url")
    @classmethod
    def _provider_url(cls, value: AnyUrl) -> AnyUrl:
        if not str(value).endswith("/provider-metadata.json"):
            raise ValueError("must end with /provider-metadata.json")
        return value

    def feeds(self) -> list[RolieFeed]:
        return [f for d in self.distributions or [] if d.rolie for f in d.rolie.feeds]

    def directory_urls(self) -> list[str]:
        return [str(d.directory_url) for d in self.distributions or [] if d.directory_url]
