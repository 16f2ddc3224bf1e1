"""The values of an asset, normalised and checked one at a time.

Each function takes what a person typed (in a form, a CSV cell, a JSON value) and
returns the stored form, or raises :class:`InvalidValue` saying what is wrong and how
to fix it.

>>> normalise_mac("00-1A-2B-3C-4D-5E")
'00:1a:2b:3c:4d:5e'
>>> normalise_ips("10.0.0.5; fe80::1")
['10.0.0.5', 'fe80::1']
>>> normalise_criticality("Life sustaining").value
'life-sustaining'
"""

from __future__ import annotations

import enum
import ipaddress
import re
import zoneinfo

from medsec.errors import Error


class InvalidValue(Error):
    kind = "invalid-value"
    status = 422
    title = "A value is not valid"


class Criticality(enum.StrEnum):
    """Clinical criticality: what happens to patients when the device is unavailable."""

    LIFE_SUSTAINING = "life-sustaining"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


CRITICALITY_MEANING: dict[Criticality, str] = {
    Criticality.LIFE_SUSTAINING: "keeps a patient alive (ventilator, infusion of vital drugs)",
    Criticality.HIGH: "diagnosis or therapy is delayed at once (CT, PACS, patient monitor)",
    Criticality.MEDIUM: "care goes on with workarounds (lab analyser, printer of labels)",
    Criticality.LOW: "no direct effect on care (digital signage, office equipment)",
}


class EventKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    IMPORTED = "imported"
    FIRMWARE_CHANGED = "firmware-changed"
    IDENTITY_REPORTED = "identity-reported"
    SBOM_REPORTED = "sbom-reported"
    #: A reported SBOM could not be read: the report was accepted, the SBOM not imported.
    SBOM_INVALID = "sbom-invalid"


_MAC_HEX = re.compile(r"[0-9a-f]{12}")
_HOSTNAME_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_CRITICALITY_ALIASES = {
    "life-sustaining": Criticality.LIFE_SUSTAINING,
    "lifesustaining": Criticality.LIFE_SUSTAINING,
    "life-support": Criticality.LIFE_SUSTAINING,
    "critical": Criticality.LIFE_SUSTAINING,
    "high": Criticality.HIGH,
    "medium": Criticality.MEDIUM,
    "moderate": Criticality.MEDIUM,
    "low": Criticality.LOW,
}
_SCALE = ", ".join(c.value for c in Criticality)


def text(value: str, label: str, max_length: int, *, required: bool = False) -> str | None:
    """Trimmed text; None when empty (unless ``required``)."""
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise InvalidValue(f"{label} is empty", hint=f"give the asset's {label}")
        return None
    if len(cleaned) > max_length:
        raise InvalidValue(
            f"{label} is {len(cleaned)} characters long", hint=f"shorten it to {max_length}"
        )
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in cleaned):
        raise InvalidValue(f"{label} contains control characters", hint="remove them")
    return cleaned


def normalise_mac(value: str) -> str | None:
    """``00:1a:2b:3c:4d:5e`` from colon, hyphen, dot (Cisco) or bare notation."""
    cleaned = value.strip().lower()
    if not cleaned:
        return None
    digits = re.sub(r"[:\-.]", "", cleaned)
    if not _MAC_HEX.fullmatch(digits) or not re.fullmatch(
        r"[0-9a-f]{2}(:[0-9a-f]{2}){5}|[0-9a-f]{2}(-[0-9a-f]{2}){5}"
        r"|[0-9a-f]{4}(\.[0-9a-f]{4}){2}|[0-9a-f]{12}",
        cleaned,
    ):
        raise InvalidValue(
            f"'{value.strip()[:40]}' is not a MAC address",
            hint="write six hexadecimal pairs, e.g. 00:1a:2b:3c:4d:5e",
        )
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def normalise_ips(value: str | list[str]) -> list[str]:
    """IPv4/IPv6 addresses (separated by ``,``, ``;`` or spaces), compressed, deduplicated."""
    parts = value if isinstance(value, list) else re.split(r"[,;\s]+", value)
    found: list[str] = []
    for part in parts:
        cleaned = part.strip() if isinstance(part, str) else ""
        if not cleaned:
            continue
        try:
            address = str(ipaddress.ip_address(cleaned))
        except ValueError as e:
            raise InvalidValue(
                f"'{cleaned[:60]}' is not an IP address",
                hint="write IPv4 (10.0.0.5) or IPv6 (fd00::5) addresses, separated by ';'",
            ) from e
        if address not in found:
            found.append(address)
    if len(found) > 16:
        raise InvalidValue(f"{len(found)} IP addresses", hint="at most 16 per asset")
    return found


def normalise_hostname(value: str) -> str | None:
    cleaned = value.strip().lower().rstrip(".")
    if not cleaned:
        return None
    labels = cleaned.split(".")
    if len(cleaned) > 253 or not all(_HOSTNAME_LABEL.fullmatch(label) for label in labels):
        raise InvalidValue(
            f"'{value.strip()[:60]}' is not a host name",
            hint="letters, digits and hyphens, labels separated by dots (pump-0042.icu.local)",
        )
    return cleaned


def normalise_criticality(value: str) -> Criticality:
    key = re.sub(r"[\s_]+", "-", value.strip().lower())
    if not key:
        return Criticality.MEDIUM
    found = _CRITICALITY_ALIASES.get(key)
    if found is None:
        raise InvalidValue(
            f"'{value.strip()[:40]}' is not a clinical criticality", hint=f"use one of {_SCALE}"
        )
    return found


def normalise_timezone(value: str) -> str:
    cleaned = value.strip() or "UTC"
    try:
        zoneinfo.ZoneInfo(cleaned)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as e:
        raise InvalidValue(
            f"'{cleaned[:60]}' is not an IANA time zone", hint="e.g. Europe/Berlin or UTC"
        ) from e
    return cleaned


def normalise_cidrs(values: list[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        try:
            network = str(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as e:
            raise InvalidValue(
                f"'{value.strip()[:60]}' is not a network", hint="write CIDRs, e.g. 10.20.0.0/24"
            ) from e
        if network not in found:
            found.append(network)
    return found


def check_vlans(values: list[int]) -> list[int]:
    for vlan in values:
        if not 1 <= vlan <= 4094:
            raise InvalidValue(f"VLAN {vlan} is out of range", hint="VLAN ids are 1–4094")
    return sorted(set(values))


def check_security_level(value: int) -> int:
    if not 1 <= value <= 4:
        raise InvalidValue(
            f"security level {value} is not one of IEC 62443's", hint="use 1, 2, 3 or 4"
        )
    return value
