"""Principle 3 — monitoring: identity reporting, SBOM, log transport and event catalog.

A hospital watches its devices centrally: it needs to read what each device is
(vendor, model, serial, firmware), what software it contains (SBOM), where its logs go
and over what, and for each event what it means and what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterator

from medsec.profiles.lint.findings import Severity
from medsec.profiles.lint.registry import Issue, LintContext, rule
from medsec.profiles.psp import EncryptionKind, EventCategory, LogTransport, ProductSecurityProfile

P3 = "White paper principle 3 (monitoring)"


def encrypted_transport(profile: ProductSecurityProfile, transport: LogTransport) -> bool:
    """RFC 5425 syslog over TLS, or a transport whose service states encryption."""
    if transport.protocol == "syslog-rfc5424-tls":
        return True
    service = profile.service(transport.service) if transport.service else None
    return (
        service is not None
        and service.encryption is not None
        and service.encryption is not EncryptionKind.NONE
    )


@rule(
    "PSP-MON-001",
    Severity.ERROR,
    "Every catalog event has a severity, a meaning and a recommended action",
    f"{P3}: an event the hospital receives but cannot interpret is noise; the catalog "
    "must say what each event means and what the operator should do.",
    applies=lambda ctx: bool(ctx.profile.monitoring.events),
)
def events_explained(ctx: LintContext) -> Iterator[Issue]:
    # The schema already requires ``severity``; meaning and action are what can be left out.
    for index, event in enumerate(ctx.profile.monitoring.events):
        path = ("monitoring", "events", index)
        if not (event.meaning or "").strip():
            yield Issue((*path, "meaning"), f"event '{event.id}' does not say what it means")
        if not (event.recommended_action or "").strip():
            yield Issue(
                (*path, "recommended_action"),
                f"event '{event.id}' does not say what the operator should do",
            )


@rule(
    "PSP-MON-002",
    Severity.WARNING,
    "The event catalog is not empty",
    f"{P3}: central monitoring needs the list of events the device emits; without it "
    "the hospital cannot write a single SIEM rule for the device.",
)
def catalog_present(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.monitoring.events:
        yield Issue(
            ("monitoring", "events"),
            "monitoring.events is empty: list the security and operational events the device logs",
        )


@rule(
    "PSP-MON-003",
    Severity.ERROR,
    "An SBOM reference says where the SBOM is",
    f"{P3}: the hospital can only track vulnerabilities in the device's components if "
    "it has the software bill of materials (which the FDA requires for cyber devices "
    "under FD&C Act §524B).",
)
def sbom_reference(ctx: LintContext) -> Iterator[Issue]:
    sbom = ctx.profile.monitoring.sbom
    if sbom is None:
        yield Issue(
            ("monitoring", "sbom"),
            "monitoring.sbom is missing: give the SBOM's format and its url, path or availability",
        )
    elif not (sbom.url or sbom.path or (sbom.availability or "").strip()):
        yield Issue(
            ("monitoring", "sbom", "url"),
            "monitoring.sbom gives no url, path or availability: say where customers get it",
        )


@rule(
    "PSP-MON-004",
    Severity.WARNING,
    "Log transport is declared",
    f"{P3}: to collect events centrally the hospital must know how the device sends "
    "them (syslog RFC 5424 over TLS, ATNA, …).",
)
def log_transport_declared(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.monitoring.log_transport:
        yield Issue(
            ("monitoring", "log_transport"),
            "monitoring.log_transport is empty: say how the device sends its logs",
        )


@rule(
    "PSP-MON-005",
    Severity.WARNING,
    "At least one log transport is encrypted",
    f"{P3}: security logs carry user names and sometimes patient context, and forged "
    "logs mislead investigations; at least one transport should be syslog over TLS "
    "(RFC 5425) or otherwise encrypted.",
    applies=lambda ctx: bool(ctx.profile.monitoring.log_transport),
)
def log_transport_encrypted(ctx: LintContext) -> Iterator[Issue]:
    transports = ctx.profile.monitoring.log_transport
    if not any(encrypted_transport(ctx.profile, t) for t in transports):
        yield Issue(
            ("monitoring", "log_transport", 0, "protocol"),
            "no log transport is encrypted: offer syslog-rfc5424-tls or a transport over an "
            "encrypted service",
        )


@rule(
    "PSP-MON-006",
    Severity.WARNING,
    "Identity reporting is declared",
    f"{P3}: asset inventory and vulnerability matching need vendor, model, serial and "
    "firmware read centrally, not by walking to each device.",
)
def identity_reporting(ctx: LintContext) -> Iterator[Issue]:
    if ctx.profile.monitoring.identity_reporting is None:
        yield Issue(
            ("monitoring", "identity_reporting"),
            "monitoring.identity_reporting is missing: say how vendor, model, serial and "
            "firmware can be read centrally",
        )


@rule(
    "PSP-MON-007",
    Severity.WARNING,
    "A device with user accounts logs authentication events",
    f"{P3}: failed and successful logins are the first thing a security analyst looks "
    "for; a catalog without them leaves account misuse invisible.",
    applies=lambda ctx: bool(ctx.profile.monitoring.events and ctx.profile.users.roles),
)
def authentication_events(ctx: LintContext) -> Iterator[Issue]:
    events = ctx.profile.monitoring.events
    if not any(e.category is EventCategory.AUTHENTICATION for e in events):
        yield Issue(
            ("monitoring", "events"),
            "the device has user roles but the catalog has no authentication event "
            "(login failure, lockout)",
        )


@rule(
    "PSP-MON-008",
    Severity.WARNING,
    "The product has a CPE or package URL",
    f"{P3}: vulnerability databases and advisories name products by CPE or purl; "
    "without one the hospital cannot match advisories to its inventory automatically.",
)
def product_identifier(ctx: LintContext) -> Iterator[Issue]:
    product = ctx.profile.product
    if not (product.cpe or product.purl):
        yield Issue(("product", "cpe"), "the product has neither cpe nor purl: give at least one")
