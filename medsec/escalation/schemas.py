"""Pydantic input and output of the escalation API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from medsec.escalation.kinds import PatientSafety, Severity, State


class CaseIn(BaseModel):
    """A new case: about an asset (its linked product version) or a held product version."""

    model_config = ConfigDict(extra="forbid")

    asset_id: int | None = Field(default=None, ge=1)
    profile_version_id: int | None = Field(default=None, ge=1)
    title: str = Field(min_length=1, max_length=200)
    symptoms: str = Field(min_length=1, max_length=20_000)
    severity: Severity
    patient_safety: PatientSafety
    patient_safety_detail: str | None = Field(default=None, max_length=20_000)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: State
    note: str | None = Field(default=None, max_length=20_000)
    #: Closing needs after-action notes (here, or saved before).
    after_action: str | None = Field(default=None, max_length=50_000)


class AfterActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after_action: str = Field(min_length=1, max_length=50_000)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    side: str
    author: str
    body: str
    kind: str
    created_at: dt.datetime


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    side: str
    filename: str
    media_type: str
    size: int
    sha256: str
    item: int | None
    uploaded_by: str
    created_at: dt.datetime


class TimerOut(BaseModel):
    name: str
    target_minutes: int | None
    due_at: dt.datetime | None
    met_at: dt.datetime | None
    overdue: bool


class CaseSummary(BaseModel):
    id: int
    title: str
    hospital: str
    manufacturer: str
    product: str
    version: str
    asset_serial: str | None
    severity: Severity
    patient_safety: PatientSafety
    state: State
    created_at: dt.datetime
    updated_at: dt.datetime
    overdue: bool
    timers: list[TimerOut]


class CaseOut(CaseSummary):
    symptoms: str
    patient_safety_detail: str | None
    sla_text: str | None
    sla_calendar: str
    after_action: str | None
    opened_by: str
    #: The profile's "what to send during an incident" list, and which items have a file.
    what_to_send: list[str]
    items_covered: list[int]
    allowed_states: list[State]
    messages: list[MessageOut]
    attachments: list[AttachmentOut]
