"""Pydantic I/O of the network API: conduits, bindings, the flow map, site-file imports."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from medsec.api.params import MAX_ID


class ConduitServiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=64, description="IANA service name.")
    protocol: str = Field(default="any", description="tcp, udp, icmp or any.")
    ports: list[int | str] = Field(
        default_factory=list, max_length=64, description="443 or '1024-2048'; empty: all."
    )


class ConduitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    from_zone_id: int = Field(ge=1, le=MAX_ID)
    to_zone_id: int = Field(ge=1, le=MAX_ID)
    bidirectional: bool = False
    services: list[ConduitServiceIn] = Field(min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=2000)


class ConduitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    name: str
    from_zone_id: int
    to_zone_id: int
    bidirectional: bool
    services: list[dict[str, Any]]
    description: str | None


class BindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(min_length=1, max_length=64, description="The profile's endpoint id.")
    asset_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Bind for this asset only; empty: site-wide."
    )
    asset_ids: list[int] = Field(default_factory=list, max_length=256)
    cidrs: list[str] = Field(default_factory=list, max_length=256)
    dns_names: list[str] = Field(default_factory=list, max_length=64)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class BindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    asset_id: int | None
    endpoint: str
    asset_ids: list[int]
    cidrs: list[str]
    dns_names: list[str]
    zone_id: int | None


class SiteImportOut(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    not_in_file: list[str]
    conduits: int
    bindings: int
