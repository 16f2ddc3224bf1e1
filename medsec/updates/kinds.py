"""The vocabularies of releases and patch lists, shared by the tables, manifests and the
hospital-side functions."""

from __future__ import annotations

import enum

from medsec.profiles.psp import ApplyMode

__all__ = [
    "ApplyMode",
    "Installer",
    "PatchKind",
    "PatchStatus",
    "ReleaseKind",
    "Status",
    "needs_downtime",
]


class ReleaseKind(enum.StrEnum):
    SECURITY_PATCH = "security-patch"
    FEATURE = "feature"
    FIRMWARE = "firmware"
    OS_PATCH = "os-patch"
    ENDPOINT_PROTECTION = "endpoint-protection-definitions"


def needs_downtime(mode: ApplyMode) -> bool:
    """The device is out of clinical use while a release applied this way is installed."""
    return mode is not ApplyMode.DURING_OPERATION


class Installer(enum.StrEnum):
    CUSTOMER = "customer"
    MANUFACTURER_SERVICE = "manufacturer-service"


class PatchKind(enum.StrEnum):
    OS_PATCH = "os-patch"
    ENDPOINT_PROTECTION = "endpoint-protection"
    OTHER = "other"


class PatchStatus(enum.StrEnum):
    VALIDATED = "validated"
    NOT_VALIDATED = "not-validated"
    INCOMPATIBLE = "incompatible"


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
