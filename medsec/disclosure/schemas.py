"""API models of the disclosure domain."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from medsec.api.params import MAX_ID
from medsec.disclosure.intake import MAX_ATTACHMENTS, MAX_KEY_CHARS, MAX_MESSAGE_CHARS
from medsec.disclosure.states import Flag, State


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(description="The file's bytes, base64 (RFC 4648 §4).")


class ReportIn(BaseModel):
    """A vulnerability report. Only ``title`` and ``description`` are required; leave
    ``contact`` empty to stay anonymous (then only the tracking link reaches you)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    description: str = Field(max_length=20_000)
    affected: str = Field(default="", max_length=500, description="Product and version.")
    impact: str = Field(default="", max_length=5_000)
    reproduction: str = Field(default="", max_length=20_000)
    contact: str = Field(default="", max_length=500)
    reporter_key: str = Field(
        default="",
        max_length=MAX_KEY_CHARS,
        description="Your ASCII-armoured OpenPGP public key, for encrypted e-mail from the team.",
    )
    product_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS + 1)


class ReceiptOut(BaseModel):
    tracking_token: str = Field(description="Keep it secret: it opens the case. Shown once.")
    tracking_url: str
    acknowledge_by: dt.datetime


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=MAX_MESSAGE_CHARS)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    author: str
    body: str
    created_at: dt.datetime


class TrackingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    title: str
    organization: str
    state: State
    received_at: dt.datetime
    acknowledged: bool
    embargo_until: dt.date | None
    advisories: list[str]
    messages: list[MessageOut]


class CaseSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    state: State
    product_id: int | None
    product: str | None
    received_at: dt.datetime
    acknowledge_by: dt.datetime
    acknowledged_at: dt.datetime | None
    overdue: bool
    embargo_until: dt.date | None
    flags: list[Flag]
    advisories: list[str]


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    media_type: str
    size: int


class CaseOut(BaseModel):
    summary: CaseSummaryOut
    description: str
    affected: str
    impact: str
    reproduction: str
    contact: str | None
    reporter_key: str | None
    reporter_key_fingerprint: str | None
    messages: list[MessageOut]
    attachments: list[AttachmentOut]
    next_states: list[State]


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(max_length=32)


class CaseUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    embargo_until: dt.date | None = None
    flags: list[Flag] = Field(default_factory=list)


class AdvisoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_id: str = Field(max_length=200)
