"""Pydantic I/O of the monitoring API: device events, the uncatalogued report, alerts
and alert rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator


class DeviceEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: str
    received_at: dt.datetime
    sent_at: dt.datetime | None
    source_address: str | None
    asset_id: int | None
    attributed_by: str | None
    profile_version_id: int | None
    product: str
    format: str
    facility: int | None
    message_severity: int | None
    hostname: str | None
    app_name: str | None
    procid: str | None
    msgid: str | None
    structured_data: list[Any]
    msg: str
    raw: str
    parse_error: str | None
    status: str
    event_id: str | None
    severity: int | None
    category: str | None
    description: str | None
    meaning: str | None
    recommended_action: str | None
    matched_by: str | None
    captures: dict[str, str]
    uncatalogued_reason: str | None
    reason_text: str | None


class UncataloguedOut(BaseModel):
    product: str
    app_name: str | None
    msgid: str | None
    reason: str
    count: int
    example: str


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule_id: int | None
    dedup_key: str
    status: str
    asset_id: int | None
    device_event_id: int | None
    event_id: str | None
    severity: int | None
    summary: str
    recommended_action: str | None
    count: int
    first_at: dt.datetime
    last_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None


class AlertRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["severity", "event", "rate", "silence"]
    max_severity: int | None = Field(default=None, ge=0, le=7)
    event_ids: list[str] = Field(default_factory=list, max_length=100)
    threshold: int | None = Field(default=None, ge=1, le=1_000_000)
    window_minutes: int | None = Field(default=None, ge=1, le=100_000)
    asset_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    email_to: list[str] = Field(default_factory=list, max_length=20)
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)
    syslog_forward: bool = False

    @model_validator(mode="after")
    def _complete(self) -> AlertRuleIn:
        if self.kind == "severity" and self.max_severity is None:
            raise ValueError("a severity rule needs max_severity (0 emergency … 7 debug)")
        if self.kind == "event" and not self.event_ids:
            raise ValueError("an event rule needs event_ids")
        if self.kind == "rate" and (self.threshold is None or self.window_minutes is None):
            raise ValueError("a rate rule needs threshold and window_minutes")
        if self.kind == "silence" and self.window_minutes is None:
            raise ValueError("a silence rule needs window_minutes")
        if self.webhook_url is not None and not self.webhook_secret:
            raise ValueError("a webhook needs webhook_secret (the HMAC key, 16+ characters)")
        return self


class AlertRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    max_severity: int | None
    event_ids: list[str]
    threshold: int | None
    window_minutes: int | None
    asset_id: int | None
    email_to: list[str]
    webhook_url: str | None
    syslog_forward: bool
    enabled: bool
