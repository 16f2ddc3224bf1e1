"""Pydantic I/O of the monitoring API: device events, the uncatalogued report, alerts
and alert rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class DeviceEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: str
    received_at: dt.datetime
    #: The asset's serial and name (its host name, else vendor and model), when attributed.
    asset_serial: str | None = None
    asset_name: str | None = None
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


class DeliveryOut(BaseModel):
    """One notification of an alert: where, how it went, when it is tried again."""

    model_config = ConfigDict(from_attributes=True)

    channel: str
    target: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None


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
    deliveries: list[DeliveryOut] = Field(default_factory=list)


class AlertRuleIn(BaseModel):
    """A rule as created (``POST``) or replaced (``PUT``); the complaints of the checks
    name the field they are about (the web form shows them next to it)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["severity", "event", "rate", "silence"]
    max_severity: int | None = Field(default=None, ge=0, le=7)
    event_ids: list[str] = Field(default_factory=list, max_length=100)
    threshold: int | None = Field(default=None, ge=1, le=1_000_000)
    window_minutes: int | None = Field(default=None, ge=1, le=100_000)
    asset_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    email_to: list[str] = Field(default_factory=list, max_length=20)
    webhook_url: str | None = Field(default=None, max_length=400)
    #: On ``PUT``: leave out to keep the rule's secret (for the same webhook URL).
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)
    syslog_forward: bool = False
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the name is blank")
        return value.strip()

    @field_validator("event_ids")
    @classmethod
    def _event_ids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value or len(value) > 32 or not all(33 <= ord(c) <= 126 for c in value):
                raise ValueError(
                    f"{value!r} is not an event id (an RFC 5424 MSGID: 1–32 printable "
                    "ASCII characters, no spaces)"
                )
        return list(dict.fromkeys(values))

    @field_validator("email_to")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            local, at, domain = value.rpartition("@")
            if not at or not local or "." not in domain or any(c.isspace() for c in value):
                raise ValueError(f"{value!r} is not an email address")
        return values

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

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
        return self

    def missing_secret(self) -> bool:
        """A webhook without its HMAC key (a new rule, or a changed URL, needs one)."""
        return self.webhook_url is not None and not self.webhook_secret


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
    created_at: dt.datetime
