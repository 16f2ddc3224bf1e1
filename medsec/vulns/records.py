"""The OSV record model (schema 1.x), immutable, validated by pydantic.

The model follows ``validation/schema.json`` of ossf/osv-schema: the constraints the
evaluation depends on are enforced here (one key per event, an ``introduced`` in every
range, ``fixed`` and ``last_affected`` never together, ``repo`` on GIT ranges), so an
invalid record is refused before it can match anything.
``tests/conformance/test_osv_databases.py`` checks that this model and the published JSON
Schema agree on the linter fixtures and the real databases.

>>> r = Record.model_validate({"id": "PYSEC-0-1", "modified": "2024-01-01T00:00:00Z",
...     "affected": [{"package": {"ecosystem": "PyPI", "name": "x"},
...                   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
...                                                               {"fixed": "1.0"}]}]}]})
>>> r.affected[0].ranges[0].events[1].kind.value, r.affected[0].ranges[0].events[1].value
('fixed', '1.0')
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_serializer,
    model_validator,
)

__all__ = [
    "Affected",
    "Event",
    "EventKind",
    "OsvPackage",
    "Range",
    "RangeType",
    "Record",
    "Reference",
    "Severity",
    "ValidationError",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class EventKind(enum.StrEnum):
    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


class RangeType(enum.StrEnum):
    ECOSYSTEM = "ECOSYSTEM"
    SEMVER = "SEMVER"
    GIT = "GIT"


class Event(_Frozen):
    """One range event: exactly one of introduced, fixed, last_affected or limit."""

    kind: EventKind
    value: str

    @model_validator(mode="before")
    @classmethod
    def _one_key(cls, data: Any) -> Any:
        if isinstance(data, Event):
            return data
        if not isinstance(data, dict):
            raise ValueError("an event is an object such as {'introduced': '1.0'}")
        keys = [k for k in data if k in EventKind.__members__.values()]
        if len(keys) != 1:
            raise ValueError(
                "an event has exactly one of introduced, fixed, last_affected, limit; "
                f"found {sorted(data) or 'none'}"
            )
        value = data[keys[0]]
        if not isinstance(value, str):
            raise ValueError(f"{keys[0]} must be a string, found {type(value).__name__}")
        return {"kind": keys[0], "value": value}

    @model_serializer
    def _as_osv(self) -> dict[str, str]:
        # Serialised as OSV writes it: {"fixed": "1.0"}.
        return {self.kind.value: self.value}


class Range(_Frozen):
    type: RangeType
    repo: str | None = None
    events: tuple[Event, ...] = Field(min_length=1)
    database_specific: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _schema_rules(self) -> Range:
        kinds = {e.kind for e in self.events}
        if EventKind.INTRODUCED not in kinds:
            raise ValueError("events must contain an introduced event")
        if EventKind.FIXED in kinds and EventKind.LAST_AFFECTED in kinds:
            raise ValueError("last_affected and fixed events are mutually exclusive")
        if self.type is RangeType.GIT and not self.repo:
            raise ValueError("GIT ranges require a repo")
        return self


class OsvPackage(_Frozen):
    ecosystem: str = Field(min_length=1)
    name: str
    purl: str | None = None


class Severity(_Frozen):
    type: Literal["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"]
    score: str


class Affected(_Frozen):
    package: OsvPackage | None = None
    severity: tuple[Severity, ...] | None = None
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    ecosystem_specific: dict[str, Any] | None = None
    database_specific: dict[str, Any] | None = None


class Reference(_Frozen):
    type: str
    url: str


class Record(_Frozen):
    """One OSV vulnerability record."""

    schema_version: str | None = None
    id: str = Field(min_length=1)
    modified: datetime
    published: datetime | None = None
    withdrawn: datetime | None = None
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    upstream: tuple[str, ...] = ()
    summary: str | None = None
    details: str | None = None
    severity: tuple[Severity, ...] | None = None
    affected: tuple[Affected, ...] = ()
    references: tuple[Reference, ...] | None = None
    database_specific: dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_empty(cls, data: Any) -> Any:
        # Several databases write `"aliases": null`; the schema's arrays may be absent.
        if isinstance(data, dict):
            for key in ("aliases", "related", "upstream", "affected"):
                if key in data and data[key] is None:
                    data = {**data, key: ()}
        return data

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn is not None
