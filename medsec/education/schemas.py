"""Pydantic input and output of the education API."""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import BaseModel, ConfigDict, Field


class Framework(enum.StrEnum):
    NIST_RMF = "nist-rmf"
    OCTAVE = "octave"
    FAIR = "fair"
    TARA = "tara"


class ObjectiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    renew_days: int = Field(default=365, ge=1, le=3650)
    active: bool = True


class ObjectiveOut(ObjectiveIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    position: int


class AttestationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objective_id: int = Field(ge=1)
    completed_on: dt.date
    #: Another user's id (needs training:manage); omitted: the caller attests for itself.
    user_id: int | None = Field(default=None, ge=1)
    note: str | None = Field(default=None, max_length=400)


class AttestationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    objective_id: int
    completed_on: dt.date
    expires_on: dt.date
    note: str | None
    recorded_by: str


class StatusRow(BaseModel):
    """One user × objective of the training report."""

    user_id: int
    username: str
    objective_key: str
    objective: str
    #: ``current``, ``due`` (expires within the reminder lead) or ``overdue``
    #: (expired or never attested).
    status: str
    completed_on: dt.date | None
    expires_on: dt.date | None


class ControlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)
    #: The id of a hardening measure of the asset's product profile, when the control is one.
    measure: str | None = Field(default=None, max_length=80)


Score = Field(ge=1, le=5)


class WorksheetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    asset_id: int | None = Field(default=None, ge=1)
    profile_version_id: int | None = Field(default=None, ge=1)
    counterpart_asset_id: int | None = Field(default=None, ge=1)
    counterpart: str | None = Field(default=None, max_length=200)
    framework: Framework
    threats: list[str] = Field(default_factory=list, max_length=100)
    safety_impact: str | None = Field(default=None, max_length=20_000)
    controls: list[ControlIn] = Field(default_factory=list, max_length=100)
    likelihood: int = Score
    impact: int = Score
    residual_likelihood: int = Score
    residual_impact: int = Score
    residual_note: str | None = Field(default=None, max_length=20_000)


class WorksheetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    series: int | None
    revision: int
    title: str
    asset_id: int | None
    profile_version_id: int | None
    counterpart_asset_id: int | None
    counterpart: str | None
    framework: Framework
    threats: list[str]
    safety_impact: str | None
    controls: list[ControlIn]
    likelihood: int
    impact: int
    residual_likelihood: int
    residual_impact: int
    residual_note: str | None
    status: str
    signed_by: str | None
    signed_at: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    inherent_risk: str
    residual_risk: str
