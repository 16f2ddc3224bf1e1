"""Pydantic input and output of update planning (windows, groups, plans, tasks)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from medsec.updates.tasks import TaskState

MAX_ID = 2**31 - 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WindowIn(Strict):
    """A window on the site (no zone or asset), one zone, or one asset."""

    name: str = Field(min_length=1, max_length=120)
    #: ``tue``, ``mon-fri``, ``tue,thu``.
    days: str = Field(min_length=1, max_length=60)
    start: dt.time
    end: dt.time
    #: IANA zone; absent: the site's.
    timezone: str | None = Field(default=None, max_length=64)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    asset_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    downtime: bool = True


class WindowPatch(Strict):
    """Fields to change; those left out keep their value. Giving ``zone_id`` or
    ``asset_id`` (``null`` for both: the whole site) moves the window to that target."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    days: str | None = Field(default=None, min_length=1, max_length=60)
    start: dt.time | None = None
    end: dt.time | None = None
    #: IANA zone; an empty string: the site's again.
    timezone: str | None = Field(default=None, max_length=64)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    asset_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    downtime: bool | None = None


class WindowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    name: str
    scope: str
    zone_id: int | None
    asset_id: int | None
    weekdays: list[int]
    start_time: dt.time
    end_time: dt.time
    timezone: str | None
    downtime: bool


class GroupIn(Strict):
    """Assets of the site, of one zone and/or of one product, at most ``max_concurrent``
    of them updated at once."""

    name: str = Field(min_length=1, max_length=120)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    product_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    max_concurrent: int = Field(ge=1, le=1000)


class GroupPatch(Strict):
    """Fields to change; those left out keep their value (``null`` for ``zone_id`` or
    ``product_id``: no longer limited to one)."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    zone_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    product_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    max_concurrent: int | None = Field(default=None, ge=1, le=1000)


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    name: str
    zone_id: int | None
    product_id: int | None
    max_concurrent: int


class PlanIn(Strict):
    """What to plan: the releases (absent: each asset's newest applicable one), the
    assets (absent: every out-of-date asset of the site) and the horizon."""

    release_ids: list[int] | None = Field(default=None, max_length=200)
    asset_ids: list[int] | None = Field(default=None, max_length=5000)
    #: The start of the horizon (aware); absent: now.
    start: dt.datetime | None = None
    days: int = Field(default=28, ge=1, le=366)


class TaskEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    from_state: str | None
    to_state: str
    reason: str | None
    evidence: str | None
    by: str | None


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan_id: int
    asset_id: int
    release_id: int
    window_id: int | None
    start: dt.datetime
    end: dt.datetime
    occurrence_start: dt.datetime
    occurrence_end: dt.datetime
    local_date: dt.date
    assignee: str | None
    state: str
    reason: str | None
    evidence: str | None
    evidence_ref: str | None
    history: list[TaskEventOut]


class UnplacedOut(BaseModel):
    asset_id: int
    release_id: int | None
    reason: str


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    horizon_start: dt.datetime
    horizon_end: dt.datetime
    limits: dict[str, int]
    unplaced: list[UnplacedOut]
    tasks: list[TaskOut]
    created_by: str | None


class TransitionIn(Strict):
    to: TaskState
    reason: str | None = Field(default=None, max_length=4000)
    evidence: str | None = Field(default=None, max_length=20000)
    #: Where the evidence file is (a document id, a ticket number, a path).
    evidence_ref: str | None = Field(default=None, max_length=400)
    assignee: str | None = Field(default=None, max_length=200)


class AssetUpdateOut(BaseModel):
    release_id: int
    version: str
    kind: str
    title: str | None
    released_on: dt.date
    priority: str | None
    fixes: list[str]
    superseded_by: int | None
    closes: list[str]
    why: str


class AssetStatusOut(BaseModel):
    asset_id: int
    serial: str
    model: str
    zone: str | None
    criticality: str
    installed: str | None
    product: str | None
    out_of_date: bool
    open_findings: list[str]
    problem: str | None
    updates: list[AssetUpdateOut]


class ExposureOut(BaseModel):
    asset_id: int
    serial: str
    model: str
    zone: str | None
    product: str
    version: str
    milestone: str
    date: dt.date
    past: bool
    source: str
    plan: str | None
    open_findings: list[str]
