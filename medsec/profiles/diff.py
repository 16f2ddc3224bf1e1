"""What changed between two versions of a profile that matters to a customer.

:func:`diff_profiles` compares two profiles and returns one :class:`Change` per fact a
hospital has to know about: a port moved, a flow lost its encryption, an event its SIEM
rule matches on disappeared, end of support came earlier. Items are matched by their
``id`` (services, flows, events, remote-access methods, roles) or by their natural key
(storage: category and location), so renaming an id reads as removed + added.

Each kind of change always has the same :class:`Severity`:

* ``breaking`` — an existing deployment stops working, or loses a protection it relied
  on, unless the customer acts (a firewall rule no longer matches, a SIEM rule no longer
  fires, data now travels in clear text);
* ``attention`` — the customer should review it (new attack surface, new data leaving
  the device, a changed contact);
* ``info`` — an improvement or a neutral change.

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> old = load_profile_text(EXAMPLE_MINIMAL)
>>> diff_profiles(old, old)
[]
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from medsec.profiles.loader import PathKey, format_path
from medsec.profiles.psp import EncryptionKind, ProductSecurityProfile, Service, Storage


class Severity(enum.StrEnum):
    BREAKING = "breaking"
    ATTENTION = "attention"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


BREAKING, ATTENTION, INFO = Severity.BREAKING, Severity.ATTENTION, Severity.INFO


class ChangeKind(enum.StrEnum):
    """A kind of change, with the one severity every change of that kind has."""

    severity: Severity

    def __new__(cls, value: str, severity: Severity) -> ChangeKind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.severity = severity
        return member

    # network (principle 1)
    SERVICE_ADDED = "service-added", ATTENTION
    INBOUND_SERVICE_ADDED = "inbound-service-added", ATTENTION
    SERVICE_REMOVED = "service-removed", ATTENTION
    PORT_CHANGED = "port-changed", BREAKING
    PORT_RANGE_CHANGED = "port-range-changed", INFO
    DIRECTION_CHANGED = "direction-changed", BREAKING
    PORT_OPENED = "port-opened", ATTENTION
    PORT_CLOSED = "port-closed", INFO
    SERVICE_ENABLED_BY_DEFAULT = "service-enabled-by-default", ATTENTION
    SERVICE_DISABLED_BY_DEFAULT = "service-disabled-by-default", INFO
    SERVICE_CANNOT_BE_DISABLED = "service-cannot-be-disabled", ATTENTION
    AUTHENTICATION_WEAKENED = "authentication-weakened", BREAKING
    AUTHENTICATION_STRENGTHENED = "authentication-strengthened", INFO
    AUTHENTICATION_CHANGED = "authentication-changed", ATTENTION
    ENCRYPTION_WEAKENED = "encryption-weakened", BREAKING
    ENCRYPTION_STRENGTHENED = "encryption-strengthened", INFO
    ENCRYPTION_CHANGED = "encryption-changed", ATTENTION
    REMOTE_ACCESS_ADDED = "remote-access-added", ATTENTION
    REMOTE_ACCESS_REMOVED = "remote-access-removed", INFO
    # data (2)
    FLOW_ADDED = "flow-added", ATTENTION
    FLOW_REMOVED = "flow-removed", INFO
    FLOW_REDIRECTED = "flow-redirected", ATTENTION
    FLOW_CATEGORIES_CHANGED = "flow-categories-changed", ATTENTION
    FLOW_ENCRYPTION_DROPPED = "flow-encryption-dropped", BREAKING
    FLOW_ENCRYPTION_ADDED = "flow-encryption-added", INFO
    PHI_STORED_UNENCRYPTED = "phi-stored-unencrypted", BREAKING
    PHI_ENCRYPTED_AT_REST = "phi-encrypted-at-rest", INFO
    # monitoring (3)
    EVENT_ADDED = "event-added", INFO
    EVENT_REMOVED = "event-removed", BREAKING
    EVENT_SEVERITY_CHANGED = "event-severity-changed", ATTENTION
    SBOM_ADDED = "sbom-added", INFO
    SBOM_REMOVED = "sbom-removed", ATTENTION
    SBOM_MOVED = "sbom-moved", ATTENTION
    # users (4)
    MFA_DROPPED = "mfa-dropped", BREAKING
    MFA_ADDED = "mfa-added", INFO
    MFA_NO_LONGER_REQUIRED = "mfa-no-longer-required", BREAKING
    MFA_NOW_REQUIRED = "mfa-now-required", INFO
    DEFAULT_PASSWORD_ENFORCEMENT_DROPPED = "default-password-enforcement-dropped", BREAKING
    DEFAULT_PASSWORD_INTRODUCED = "default-password-introduced", ATTENTION
    DEFAULT_PASSWORD_REMOVED = "default-password-removed", INFO
    PASSWORD_MIN_LENGTH_LOWERED = "password-min-length-lowered", ATTENTION
    PASSWORD_MIN_LENGTH_RAISED = "password-min-length-raised", INFO
    # updates (6)
    END_OF_SUPPORT_EARLIER = "end-of-support-earlier", BREAKING
    END_OF_SUPPORT_LATER = "end-of-support-later", INFO
    END_OF_SUPPORT_ANNOUNCED = "end-of-support-announced", ATTENTION
    END_OF_SUPPORT_WITHDRAWN = "end-of-support-withdrawn", ATTENTION
    # recovery (7)
    CVD_CONTACT_CHANGED = "cvd-contact-changed", ATTENTION


K = ChangeKind


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    severity: Severity
    message: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.kind.value}: {self.path}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
        }


def _change(kind: ChangeKind, message: str, path: PathKey) -> Change:
    return Change(kind, kind.severity, message, format_path(path))


def diff_profiles(old: ProductSecurityProfile, new: ProductSecurityProfile) -> list[Change]:
    """Every customer-relevant change from ``old`` to ``new``, breaking ones first."""
    changes = [
        *_services(old, new),
        *_remote_access(old, new),
        *_flows(old, new),
        *_storage(old, new),
        *_events(old, new),
        *_sbom(old, new),
        *_users(old, new),
        *_lifecycle(old, new),
        *_cvd(old, new),
    ]
    return sorted(changes, key=lambda c: c.severity.rank)  # stable: profile order within


# --------------------------------------------------------------------------- matching


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def _matched(
    old: Sequence[T], new: Sequence[T]
) -> tuple[list[tuple[int, T]], list[tuple[int, T]], list[tuple[int, T, T]]]:
    """(removed with old index, added with new index, kept as (new index, old, new))."""
    old_by_id = {item.id: item for item in old}
    new_ids = {item.id for item in new}
    removed = [(i, item) for i, item in enumerate(old) if item.id not in new_ids]
    added = [(i, item) for i, item in enumerate(new) if item.id not in old_by_id]
    kept = [(i, old_by_id[item.id], item) for i, item in enumerate(new) if item.id in old_by_id]
    return removed, added, kept


def _encrypted(kind: EncryptionKind | None) -> bool:
    return kind is not None and kind is not EncryptionKind.NONE


def _shown(kind: EncryptionKind | None) -> str:
    return "not stated" if kind is None else kind.value


def _authenticated(text: str | None) -> bool:
    return text is not None and text.strip().lower() not in {"", "none", "no", "n/a"}


def _port(service: Service) -> str:
    protocol = service.protocol.value
    return f"{protocol}/{service.default_port}" if service.default_port is not None else protocol


# --------------------------------------------------------------------------- network


def _services(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    removed, added, kept = _matched(old.network.services, new.network.services)
    base: PathKey = ("network", "services")
    for i, s in removed:
        yield _change(
            K.SERVICE_REMOVED,
            f"service '{s.id}' ({s.name}, {s.direction.value} {_port(s)}) was removed",
            (*base, i),
        )
    for i, s in added:
        default = "enabled" if s.enabled_by_default else "disabled"
        if s.listening:
            yield _change(
                K.INBOUND_SERVICE_ADDED,
                f"new inbound service '{s.id}' ({s.name}): the device listens on {_port(s)} "
                f"({default} by default)",
                (*base, i),
            )
        else:
            yield _change(
                K.SERVICE_ADDED,
                f"new outbound service '{s.id}' ({s.name}) connects to {_port(s)} "
                f"({default} by default)",
                (*base, i),
            )
    for i, a, b in kept:
        yield from _service_changes((*base, i), a, b)


def _service_changes(path: PathKey, a: Service, b: Service) -> Iterator[Change]:
    name = f"service '{b.id}'"
    if (a.protocol, a.default_port) != (b.protocol, b.default_port):
        yield _change(
            K.PORT_CHANGED,
            f"{name} moved from {_port(a)} to {_port(b)}; update firewall rules",
            (*path, "default_port"),
        )
    if a.configurable_range != b.configurable_range:
        yield _change(
            K.PORT_RANGE_CHANGED,
            f"{name} configurable range changed from {a.configurable_range or 'none'} "
            f"to {b.configurable_range or 'none'}",
            (*path, "configurable_range"),
        )
    if a.direction != b.direction:
        yield _change(
            K.DIRECTION_CHANGED,
            f"{name} changed from {a.direction.value} to {b.direction.value}; "
            "directional firewall rules no longer match",
            (*path, "direction"),
        )
    listened = a.listening and a.enabled_by_default
    listens = b.listening and b.enabled_by_default
    if listens and not listened:
        yield _change(
            K.PORT_OPENED,
            f"the device now listens on {_port(b)} by default ({name})",
            (*path, "enabled_by_default"),
        )
    elif listened and not listens:
        yield _change(
            K.PORT_CLOSED,
            f"the device no longer listens on {_port(b)} by default ({name})",
            (*path, "enabled_by_default"),
        )
    elif not b.listening and b.enabled_by_default != a.enabled_by_default:
        kind = (
            K.SERVICE_ENABLED_BY_DEFAULT if b.enabled_by_default else K.SERVICE_DISABLED_BY_DEFAULT
        )
        state = "now" if b.enabled_by_default else "no longer"
        yield _change(
            kind,
            f"{name} is {state} enabled by default: the device connects out on {_port(b)}",
            (*path, "enabled_by_default"),
        )
    if a.can_be_disabled is True and b.can_be_disabled is not True:
        yield _change(
            K.SERVICE_CANNOT_BE_DISABLED,
            f"{name} can no longer be disabled (was optional)",
            (*path, "can_be_disabled"),
        )
    yield from _auth_change(path, name, a.authentication, b.authentication)
    yield from _encryption_change(path, name, a, b)


def _auth_change(path: PathKey, name: str, a: str | None, b: str | None) -> Iterator[Change]:
    if a == b:
        return
    shown = f"was {a or 'not stated'!r}, now {b or 'not stated'!r}"
    if _authenticated(a) and not _authenticated(b):
        yield _change(
            K.AUTHENTICATION_WEAKENED,
            f"{name} authentication weakened: {shown}",
            (*path, "authentication"),
        )
    elif _authenticated(b) and not _authenticated(a):
        yield _change(
            K.AUTHENTICATION_STRENGTHENED,
            f"{name} now authenticates peers: {shown}",
            (*path, "authentication"),
        )
    elif _authenticated(a):
        yield _change(
            K.AUTHENTICATION_CHANGED,
            f"{name} authentication changed: {shown}",
            (*path, "authentication"),
        )


def _encryption_change(path: PathKey, name: str, a: Service, b: Service) -> Iterator[Change]:
    where = (*path, "encryption")
    if _encrypted(a.encryption) and not _encrypted(b.encryption):
        yield _change(
            K.ENCRYPTION_WEAKENED,
            f"{name} is no longer encrypted (was {_shown(a.encryption)}, "
            f"now {_shown(b.encryption)})",
            where,
        )
    elif _encrypted(b.encryption) and not _encrypted(a.encryption):
        yield _change(
            K.ENCRYPTION_STRENGTHENED, f"{name} is now encrypted ({_shown(b.encryption)})", where
        )
    elif _encrypted(b.encryption) and (
        (a.encryption, a.encryption_detail) != (b.encryption, b.encryption_detail)
    ):
        before = f"{_shown(a.encryption)} {a.encryption_detail or ''}".strip()
        after = f"{_shown(b.encryption)} {b.encryption_detail or ''}".strip()
        yield _change(
            K.ENCRYPTION_CHANGED, f"{name} encryption changed from {before!r} to {after!r}", where
        )


def _remote_access(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    old_ra, new_ra = old.network.remote_access, new.network.remote_access
    removed, added, _ = _matched(old_ra.methods if old_ra else [], new_ra.methods if new_ra else [])
    base: PathKey = ("network", "remote_access", "methods")
    for i, m in added:
        yield _change(
            K.REMOTE_ACCESS_ADDED,
            f"new remote access method '{m.id}' initiated by {m.initiated_by}: {m.description}",
            (*base, i),
        )
    for i, m in removed:
        yield _change(
            K.REMOTE_ACCESS_REMOVED, f"remote access method '{m.id}' was removed", (*base, i)
        )


# --------------------------------------------------------------------------- data


def _personal(profile: ProductSecurityProfile, category_id: str) -> str | None:
    """``PHI``/``PII`` when the category is personal data, else None."""
    category = profile.category(category_id)
    if category is None or not category.kind.personal:
        return None
    return category.kind.value.upper()


def _flows(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    removed, added, kept = _matched(old.data.flows, new.data.flows)
    base: PathKey = ("data", "flows")
    for i, f in removed:
        yield _change(K.FLOW_REMOVED, f"data flow '{f.id}' was removed", (*base, i))
    for i, f in added:
        yield _change(
            K.FLOW_ADDED,
            f"new data flow '{f.id}' from {new.endpoint_name(f.source)} to "
            f"{new.endpoint_name(f.destination)} carrying {', '.join(f.categories)}",
            (*base, i),
        )
    for i, a, b in kept:
        path: PathKey = (*base, i)
        name = f"data flow '{b.id}'"
        if (a.source, a.destination) != (b.source, b.destination):
            yield _change(
                K.FLOW_REDIRECTED,
                f"{name} now goes from {new.endpoint_name(b.source)} to "
                f"{new.endpoint_name(b.destination)} (was {old.endpoint_name(a.source)} to "
                f"{old.endpoint_name(a.destination)})",
                (*path, "destination"),
            )
        gained = [c for c in b.categories if c not in a.categories]
        lost = [c for c in a.categories if c not in b.categories]
        if gained or lost:
            personal = sorted({p for c in gained if (p := _personal(new, c))})
            note = f"; it now carries {'/'.join(personal)}" if personal else ""
            yield _change(
                K.FLOW_CATEGORIES_CHANGED,
                f"{name} categories changed (added: {', '.join(gained) or 'none'}; "
                f"removed: {', '.join(lost) or 'none'}){note}",
                (*path, "categories"),
            )
        if _encrypted(a.encryption) and not _encrypted(b.encryption):
            yield _change(
                K.FLOW_ENCRYPTION_DROPPED,
                f"{name} is no longer encrypted (was {_shown(a.encryption)}, "
                f"now {_shown(b.encryption)})",
                (*path, "encryption"),
            )
        elif _encrypted(b.encryption) and not _encrypted(a.encryption):
            yield _change(
                K.FLOW_ENCRYPTION_ADDED,
                f"{name} is now encrypted ({_shown(b.encryption)})",
                (*path, "encryption"),
            )


def _exposed(profile: ProductSecurityProfile, stored: Storage) -> str | None:
    """``PHI``/``PII`` when ``stored`` keeps personal data unencrypted, else None."""
    return None if stored.encrypted_at_rest else _personal(profile, stored.category)


def _storage(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    before = {(s.category, s.location): s for s in old.data.storage}
    for i, stored in enumerate(new.data.storage):
        previous = before.get((stored.category, stored.location))
        exposed = _exposed(new, stored)
        was_exposed = _exposed(old, previous) if previous is not None else None
        where = f"'{stored.category}' in {stored.location}"
        if exposed and not was_exposed:
            yield _change(
                K.PHI_STORED_UNENCRYPTED,
                f"{exposed} {where} is now stored unencrypted",
                ("data", "storage", i, "encrypted_at_rest"),
            )
        elif was_exposed and not exposed and stored.encrypted_at_rest:
            yield _change(
                K.PHI_ENCRYPTED_AT_REST,
                f"{was_exposed} {where} is now encrypted at rest",
                ("data", "storage", i, "encrypted_at_rest"),
            )


# --------------------------------------------------------------------------- monitoring


def _events(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    removed, added, kept = _matched(old.monitoring.events, new.monitoring.events)
    base: PathKey = ("monitoring", "events")
    for i, e in removed:
        yield _change(
            K.EVENT_REMOVED,
            f"event '{e.id}' was removed; SIEM rules matching MSGID {e.id} will no longer fire",
            (*base, i),
        )
    for i, e in added:
        yield _change(K.EVENT_ADDED, f"new event '{e.id}': {e.description}", (*base, i))
    for i, a, b in kept:
        if a.severity != b.severity:
            yield _change(
                K.EVENT_SEVERITY_CHANGED,
                f"event '{b.id}' severity changed from {a.severity} to {b.severity}",
                (*base, i, "severity"),
            )


def _sbom(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    a, b = old.monitoring.sbom, new.monitoring.sbom
    before = (a.url or a.path) if a else None
    after = (b.url or b.path) if b else None
    path: PathKey = ("monitoring", "sbom")
    if before and not after:
        yield _change(K.SBOM_REMOVED, f"the SBOM reference {before} was removed", path)
    elif after and not before:
        yield _change(K.SBOM_ADDED, f"an SBOM is now referenced: {after}", path)
    elif before != after:
        yield _change(K.SBOM_MOVED, f"the SBOM moved from {before} to {after}", path)


# --------------------------------------------------------------------------- users


def _users(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    a, b = old.users, new.users
    had_mfa = a.mfa is not None and a.mfa.supported
    has_mfa = b.mfa is not None and b.mfa.supported
    if had_mfa and not has_mfa:
        yield _change(
            K.MFA_DROPPED,
            "multi-factor authentication is no longer supported",
            ("users", "mfa", "supported"),
        )
    elif has_mfa and not had_mfa:
        yield _change(
            K.MFA_ADDED,
            "multi-factor authentication is now supported",
            ("users", "mfa", "supported"),
        )
    if had_mfa and has_mfa and a.mfa is not None and b.mfa is not None:
        for role in a.mfa.required_for:
            if role not in b.mfa.required_for:
                yield _change(
                    K.MFA_NO_LONGER_REQUIRED,
                    f"MFA is no longer required for role '{role}'",
                    ("users", "mfa", "required_for"),
                )
        for role in b.mfa.required_for:
            if role not in a.mfa.required_for:
                yield _change(
                    K.MFA_NOW_REQUIRED,
                    f"MFA is now required for role '{role}'",
                    ("users", "mfa", "required_for"),
                )
    yield from _default_password(old, new)
    if a.password_policy is not None and b.password_policy is not None:
        before, after = a.password_policy.min_length, b.password_policy.min_length
        path: PathKey = ("users", "password_policy", "min_length")
        if after < before:
            yield _change(
                K.PASSWORD_MIN_LENGTH_LOWERED,
                f"minimum password length lowered from {before} to {after}",
                path,
            )
        elif after > before:
            yield _change(
                K.PASSWORD_MIN_LENGTH_RAISED,
                f"minimum password length raised from {before} to {after}",
                path,
            )


def _default_password(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    a, b = old.users.default_password, new.users.default_password
    existed = a is not None and a.exists
    exists = b is not None and b.exists
    enforced = existed and a is not None and a.change_enforced
    path: PathKey = ("users", "default_password")
    if exists and not existed:
        yield _change(
            K.DEFAULT_PASSWORD_INTRODUCED,
            "the device now ships with a default password",
            (*path, "exists"),
        )
    elif existed and b is not None and not b.exists:
        yield _change(
            K.DEFAULT_PASSWORD_REMOVED,
            "the device no longer has a default password",
            (*path, "exists"),
        )
    elif enforced and (b is None or not b.change_enforced):
        yield _change(
            K.DEFAULT_PASSWORD_ENFORCEMENT_DROPPED,
            "the device no longer forces the default password to be changed before use",
            (*path, "change_enforced"),
        )


# --------------------------------------------------------------------------- updates, recovery


def _lifecycle(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    a, b = old.updates.lifecycle, new.updates.lifecycle
    for field, label in (
        ("end_of_support", "end of support"),
        ("end_of_security_updates", "end of security updates"),
    ):
        before: dt.date | None = getattr(a, field) if a else None
        after: dt.date | None = getattr(b, field) if b else None
        path: PathKey = ("updates", "lifecycle", field)
        if before and after and after < before:
            yield _change(
                K.END_OF_SUPPORT_EARLIER, f"{label} moved earlier: {before} → {after}", path
            )
        elif before and after and after > before:
            yield _change(K.END_OF_SUPPORT_LATER, f"{label} moved later: {before} → {after}", path)
        elif after and not before:
            yield _change(K.END_OF_SUPPORT_ANNOUNCED, f"{label} announced: {after}", path)
        elif before and not after:
            yield _change(
                K.END_OF_SUPPORT_WITHDRAWN, f"{label} ({before}) is no longer stated", path
            )


def _cvd(old: ProductSecurityProfile, new: ProductSecurityProfile) -> Iterator[Change]:
    before = old.recovery.cvd.contacts if old.recovery.cvd else []
    after = new.recovery.cvd.contacts if new.recovery.cvd else []
    if before != after:
        yield _change(
            K.CVD_CONTACT_CHANGED,
            f"vulnerability-report contacts changed from {_listed(before)} to {_listed(after)}",
            ("recovery", "cvd", "contacts"),
        )


def _listed(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"
