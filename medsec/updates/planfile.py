"""A planning file for ``medsec updates plan``: windows, group limits and assets (YAML or
JSON), until the hospital inventory supplies them from its own tables.

>>> text = '''
... windows:
...   - {id: tue-night, scope: site, target: north, days: tue, start: "01:00",
...      end: "05:00", timezone: Europe/Berlin}
... limits: {ward-3-pumps: 2}
... assets:
...   - {id: pump-1, site: north, zone: ward-3, groups: [ward-3-pumps], minutes: 30}
... '''
>>> spec = read_planfile(text, "plan.yaml")
>>> spec.windows[0].rule.weekdays, spec.assets[0].duration
(frozenset({1}), datetime.timedelta(seconds=1800))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from medsec.errors import DocumentError, Error
from medsec.profiles.loader import parse_document, read_text
from medsec.updates.manifest import problems_of
from medsec.updates.planner import PlanAsset, Scope, Window
from medsec.updates.windows import WindowRule, parse_weekdays, zone


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class WindowIn(_Strict):
    id: str = Field(min_length=1, max_length=80)
    scope: Scope
    target: str = Field(min_length=1, max_length=200)
    days: str = Field(description="e.g. tue, mon-fri, sat,sun")
    start: dt.time
    end: dt.time
    timezone: str
    downtime: bool = True

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        try:
            parse_weekdays(value)
        except Error as e:
            raise ValueError(e.message) from e
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zone(value)
        except Error as e:
            raise ValueError(e.message) from e
        return value


class AssetIn(_Strict):
    id: str = Field(min_length=1, max_length=200)
    site: str = Field(min_length=1, max_length=200)
    zone: str | None = None
    groups: list[str] = Field(default_factory=list)
    life_sustaining: bool = False
    minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    needs_downtime: bool = True


class PlanFileIn(_Strict):
    windows: list[WindowIn] = Field(min_length=1)
    limits: dict[str, int] = Field(default_factory=dict)
    assets: list[AssetIn]


@dataclass(frozen=True)
class PlanSpec:
    windows: tuple[Window, ...]
    limits: dict[str, int]
    assets: tuple[PlanAsset, ...]


def read_planfile(text: str, file: str = "<plan>") -> PlanSpec:
    parsed = parse_document(text, file)
    if not isinstance(parsed.data, dict):
        raise DocumentError(file, [parsed.source.problem((), "a planning file is a mapping")])
    try:
        data = PlanFileIn.model_validate(parsed.data)
    except pydantic.ValidationError as e:
        raise DocumentError(file, problems_of(e, parsed.source)) from e
    windows = tuple(
        Window(
            WindowRule(w.id, parse_weekdays(w.days), w.start, w.end, w.timezone, w.downtime),
            w.scope,
            w.target,
        )
        for w in data.windows
    )
    assets = tuple(
        PlanAsset(
            a.id,
            a.site,
            a.zone,
            tuple(a.groups),
            a.life_sustaining,
            dt.timedelta(minutes=a.minutes),
            a.needs_downtime,
        )
        for a in data.assets
    )
    return PlanSpec(windows, dict(data.limits), assets)


def load_planfile(path: Path) -> PlanSpec:
    return read_planfile(read_text(path), str(path))
