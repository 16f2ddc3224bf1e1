"""An asset as entered (form, API body, import row) → a normalised :class:`AssetDraft`,
or every problem with it at once.

>>> draft, issues = build_draft({"vendor": "Northwind", "model": "LVP-3000",
...     "serial": "SN1", "mac": "001A.2B3C.4D5E", "criticality": "HIGH"})
>>> draft.mac, draft.criticality.value, issues
('00:1a:2b:3c:4d:5e', 'high', [])
>>> build_draft({"vendor": "x", "model": "y", "serial": "", "mac": "nope"})[1][0].field
'serial'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from medsec.errors import DocumentError, Location, Problem
from medsec.inventory import fields as f
from medsec.inventory.fields import Criticality, InvalidValue

#: Every field an import row or a form may set, with what it means (for docs and help).
FIELDS: dict[str, str] = {
    "serial": "serial number (required; unique in the organization; re-imports match on it)",
    "vendor": "manufacturer (required)",
    "model": "model name or number (required)",
    "firmware_version": "firmware or software version",
    "hardware_revision": "hardware revision (update releases may be limited to some)",
    "configuration": "configuration, as the manufacturer names it (releases may be limited)",
    "ip_addresses": "IPv4/IPv6 addresses, separated by ';'",
    "mac": "MAC address (any common notation)",
    "hostname": "host name",
    "zone": "name of a zone of the site",
    "location": "where the device is (ward, room, bed)",
    "owner": "who is responsible (department, person)",
    "criticality": "clinical criticality: life-sustaining, high, medium (default) or low",
    "product_version_id": "id of a published profile version of a held product",
}


@dataclass(frozen=True)
class AssetDraft:
    serial: str
    vendor: str
    model: str
    firmware_version: str | None = None
    hardware_revision: str | None = None
    configuration: str | None = None
    ip_addresses: tuple[str, ...] = ()
    mac: str | None = None
    hostname: str | None = None
    zone: str | None = None
    location: str | None = None
    owner: str | None = None
    criticality: Criticality = Criticality.MEDIUM
    product_version_id: int | None = None


@dataclass(frozen=True)
class FieldIssue:
    field: str
    value: str
    message: str
    hint: str | None = None


def _required(label: str, max_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        cleaned = f.text(value, label, max_length, required=True)
        if cleaned is None:  # required=True never returns None
            raise InvalidValue(f"{label} is empty")
        return cleaned

    return check


def _optional(label: str, max_length: int) -> Callable[[str], str | None]:
    return lambda value: f.text(value, label, max_length)


def _version_id(value: str) -> int | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= 2**31 - 1:
        raise InvalidValue(
            f"'{cleaned[:20]}' is not a profile version id",
            hint="give the number shown on the version's page, or leave it empty to match",
        )
    return int(cleaned)


_CHECKS: dict[str, Callable[[str], Any]] = {
    "serial": _required("serial", 120),
    "vendor": _required("vendor", 200),
    "model": _required("model", 200),
    "firmware_version": _optional("firmware version", 120),
    "hardware_revision": _optional("hardware revision", 40),
    "configuration": _optional("configuration", 80),
    "ip_addresses": lambda v: tuple(f.normalise_ips(v)),
    "mac": f.normalise_mac,
    "hostname": f.normalise_hostname,
    "zone": _optional("zone", 120),
    "location": _optional("location", 200),
    "owner": _optional("owner", 200),
    "criticality": f.normalise_criticality,
    "product_version_id": _version_id,
}


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_as_text(v) for v in value)
    return str(value)


def build_draft(values: Mapping[str, object]) -> tuple[AssetDraft | None, list[FieldIssue]]:
    """Check every field of ``values`` (missing ones are empty); the draft, or the issues."""
    checked: dict[str, Any] = {}
    issues: list[FieldIssue] = []
    for name, check in _CHECKS.items():
        raw = _as_text(values.get(name))
        try:
            checked[name] = check(raw)
        except InvalidValue as e:
            issues.append(FieldIssue(name, raw, e.message, e.hint))
    if issues:
        return None, issues
    return AssetDraft(**checked), []


class AssetInvalid(DocumentError):
    """An asset from a form or the API has invalid fields (each a problem at its field)."""

    def __init__(self, issues: list[FieldIssue], source: str = "asset") -> None:
        super().__init__(
            source,
            [
                Problem(
                    Location(source, 0, 0, issue.field),
                    f"{issue.message}" + (f" (fix: {issue.hint})" if issue.hint else ""),
                )
                for issue in issues
            ],
        )
        self.issues = issues


def require_draft(values: Mapping[str, object]) -> AssetDraft:
    draft, issues = build_draft(values)
    if draft is None:
        raise AssetInvalid(issues)
    return draft
