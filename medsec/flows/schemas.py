"""Pydantic output of the flow-check API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class FlowViolationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    asset: str
    direction: str
    peer: str
    peer_asset: str | None
    peer_zone: str | None
    protocol: str
    port: int | None
    services: list[str]
    cls: str = Field(serialization_alias="class")
    flows: int
    bytes: int
    first_seen: dt.datetime
    last_seen: dt.datetime


class FlowCheckSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    filename: str
    format: str
    sha256: str
    flows_read: int
    flows_checked: int
    malformed: int
    violation_count: int
    checked_by: str | None
    created_at: dt.datetime


class FlowCheckOut(FlowCheckSummary):
    violations: list[FlowViolationOut]
    uninventoried: list[dict[str, object]]
