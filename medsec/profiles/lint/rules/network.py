"""Principle 1 — segmenting networks: interfaces, services, remote access, deployment.

A hospital can only place a device in a zone and write its conduit rules if the
manufacturer lists every interface and service with who talks to it, why, and how it
is protected — and declares every remote access path, for there must be no secret
backdoors.
"""

from __future__ import annotations

from collections.abc import Iterator

from medsec.profiles.lint.findings import Severity
from medsec.profiles.lint.registry import Issue, LintContext, rule
from medsec.profiles.psp import Direction, EncryptionKind, InterfaceKind

WIRELESS = frozenset({InterfaceKind.WIFI, InterfaceKind.BLUETOOTH, InterfaceKind.CELLULAR})

P1 = "White paper principle 1 (segmenting networks)"


def _has_services(ctx: LintContext) -> bool:
    return bool(ctx.profile.network.services)


def _has_inbound(ctx: LintContext) -> bool:
    return any(s.direction is Direction.INBOUND for s in ctx.profile.network.services)


def _has_outbound(ctx: LintContext) -> bool:
    return any(s.direction is Direction.OUTBOUND for s in ctx.profile.network.services)


def _has_interfaces(ctx: LintContext) -> bool:
    return bool(ctx.profile.network.interfaces)


def says_none(text: str | None) -> bool:
    """True when a free-text field explicitly states "none"."""
    return text is not None and text.strip().lower() in {"none", "no", "n/a"}


@rule(
    "PSP-NET-001",
    Severity.ERROR,
    "Every service names the endpoints it talks to",
    f"{P1}: zones and conduits are drawn from who talks to whom; a service without an "
    "expected client (inbound) or server (outbound) cannot be turned into a firewall rule.",
    applies=_has_services,
)
def service_peers(ctx: LintContext) -> Iterator[Issue]:
    for index, svc in enumerate(ctx.profile.network.services):
        if svc.direction is Direction.INBOUND and not svc.expected_client:
            yield Issue(
                ("network", "services", index, "expected_client"),
                f"inbound service '{svc.id}' lists no expected_client: "
                "name the endpoints that connect to it",
            )
        elif svc.direction is Direction.OUTBOUND and not svc.server:
            yield Issue(
                ("network", "services", index, "server"),
                f"outbound service '{svc.id}' lists no server: "
                "name the endpoints the device connects to",
            )


@rule(
    "PSP-NET-002",
    Severity.WARNING,
    "Every service states why it exists",
    f"{P1}: the hospital decides which ports to open by weighing each service's purpose; "
    "a port without a reason is a port the hospital cannot justify.",
    applies=_has_services,
)
def service_reason(ctx: LintContext) -> Iterator[Issue]:
    for index, svc in enumerate(ctx.profile.network.services):
        if not (svc.reason or "").strip():
            yield Issue(
                ("network", "services", index, "reason"),
                f"service '{svc.id}' does not say why it exists: add reason:",
            )


@rule(
    "PSP-NET-003",
    Severity.ERROR,
    "Remote and manufacturer service access is declared",
    f"{P1}: remote service access crosses the hospital perimeter and must be planned "
    "for; every path has to be declared (or its absence stated) — no secret backdoors.",
)
def remote_access_declared(ctx: LintContext) -> Iterator[Issue]:
    ra = ctx.profile.network.remote_access
    if ra is None:
        yield Issue(
            ("network", "remote_access"),
            "network.remote_access is missing: list every remote and manufacturer service "
            "access method, or state none: true",
        )
    elif not ra.methods and not ra.none:
        yield Issue(
            ("network", "remote_access", "methods"),
            "remote_access lists no methods and does not state none: true; "
            "declare the methods or that there are none",
        )


@rule(
    "PSP-NET-004",
    Severity.ERROR,
    "Every listening service states authentication and encryption",
    f"{P1}: a service that accepts connections is an entry point into the device; the "
    "hospital must know who may connect and whether the traffic is protected.",
    applies=_has_inbound,
)
def listening_protection(ctx: LintContext) -> Iterator[Issue]:
    for index, svc in enumerate(ctx.profile.network.services):
        if svc.direction is not Direction.INBOUND:
            continue
        if not (svc.authentication or "").strip():
            yield Issue(
                ("network", "services", index, "authentication"),
                f"listening service '{svc.id}' does not state its authentication "
                "(write 'none' if there is none)",
            )
        if svc.encryption is None:
            yield Issue(
                ("network", "services", index, "encryption"),
                f"listening service '{svc.id}' does not state its encryption (tls, ssh, … or none)",
            )


@rule(
    "PSP-NET-005",
    Severity.WARNING,
    "Every remote access method says how the customer controls it and whether it is logged",
    f"{P1}: remote access is acceptable to a hospital when it can enable, approve or "
    "disable it and can see afterwards who used it.",
    applies=lambda ctx: bool(
        ctx.profile.network.remote_access and ctx.profile.network.remote_access.methods
    ),
)
def remote_access_controls(ctx: LintContext) -> Iterator[Issue]:
    ra = ctx.profile.network.remote_access
    for index, method in enumerate(ra.methods if ra else []):
        path = ("network", "remote_access", "methods", index)
        if not (method.customer_controls or "").strip():
            yield Issue(
                (*path, "customer_controls"),
                f"remote access '{method.id}' does not say how the customer enables, "
                "approves or disables it",
            )
        if method.logged is None:
            yield Issue(
                (*path, "logged"), f"remote access '{method.id}' does not say whether it is logged"
            )


@rule(
    "PSP-NET-006",
    Severity.WARNING,
    "Every interface states whether it can be disabled",
    f"{P1}: an unused interface the hospital can switch off is one less way in; the "
    "hospital needs to know which ones it may disable.",
    applies=_has_interfaces,
)
def interfaces_disable(ctx: LintContext) -> Iterator[Issue]:
    for index, interface in enumerate(ctx.profile.network.interfaces):
        if interface.can_be_disabled is None:
            yield Issue(
                ("network", "interfaces", index, "can_be_disabled"),
                f"interface '{interface.id}' does not state can_be_disabled",
            )


@rule(
    "PSP-NET-007",
    Severity.WARNING,
    "Every service states whether it can be disabled",
    f"{P1}: the hospital closes services it does not use; it must know which ones it "
    "can close without breaking the device.",
    applies=_has_services,
)
def services_disable(ctx: LintContext) -> Iterator[Issue]:
    for index, svc in enumerate(ctx.profile.network.services):
        if svc.can_be_disabled is None:
            yield Issue(
                ("network", "services", index, "can_be_disabled"),
                f"service '{svc.id}' does not state can_be_disabled",
            )


@rule(
    "PSP-NET-008",
    Severity.WARNING,
    "Every outbound service states its encryption",
    f"{P1}: traffic leaving the device crosses hospital conduits; the hospital must know "
    "whether it needs protecting on the way (segmentation, VPN, TLS inspection policy).",
    applies=_has_outbound,
)
def outbound_encryption(ctx: LintContext) -> Iterator[Issue]:
    for index, svc in enumerate(ctx.profile.network.services):
        if svc.direction is Direction.OUTBOUND and svc.encryption is None:
            yield Issue(
                ("network", "services", index, "encryption"),
                f"outbound service '{svc.id}' does not state its encryption (tls, … or none)",
            )


@rule(
    "PSP-NET-009",
    Severity.WARNING,
    "A listening service without authentication or encryption names compensating controls",
    f"{P1}: an open, unauthenticated or cleartext entry point must be contained by the "
    "network; the manufacturer says which controls make up for it.",
    applies=_has_inbound,
)
def listening_compensation(ctx: LintContext) -> Iterator[Issue]:
    for index, svc in enumerate(ctx.profile.network.services):
        if svc.direction is not Direction.INBOUND or svc.compensating_controls:
            continue
        gaps = []
        if says_none(svc.authentication):
            gaps.append("no authentication")
        if svc.encryption is EncryptionKind.NONE:
            gaps.append("no encryption")
        if gaps:
            yield Issue(
                ("network", "services", index, "compensating_controls"),
                f"listening service '{svc.id}' has {' and '.join(gaps)} but lists no "
                "compensating_controls",
            )


@rule(
    "PSP-NET-010",
    Severity.WARNING,
    "The device's network interfaces are declared",
    f"{P1}: segmentation starts from the list of physical and wireless interfaces; "
    "an interface left out is a path nobody plans for.",
)
def interfaces_declared(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.network.interfaces:
        yield Issue(
            ("network", "interfaces"),
            "network.interfaces is empty: list every ethernet, Wi-Fi, Bluetooth, USB, "
            "serial and cellular interface",
        )


@rule(
    "PSP-NET-011",
    Severity.WARNING,
    "Deployment guidance names zones or firewall rules",
    f"{P1}: the manufacturer knows which zone the device belongs in and which "
    "intermediaries (DMZ) it needs; the hospital should not have to guess.",
    applies=_has_interfaces,
)
def deployment_guidance(ctx: LintContext) -> Iterator[Issue]:
    deployment = ctx.profile.network.deployment
    if deployment is None or not (deployment.zones or (deployment.firewall_guidance or "").strip()):
        yield Issue(
            ("network", "deployment"),
            "no deployment guidance: state the recommended zones or firewall_guidance",
        )


@rule(
    "PSP-NET-012",
    Severity.WARNING,
    "Wireless interfaces come with wireless guidance",
    f"{P1}: a wireless interface ignores cabling; its segmentation depends on SSIDs, "
    "802.1X and pairing, which the hospital must configure as the manufacturer intends.",
    applies=lambda ctx: any(i.kind in WIRELESS for i in ctx.profile.network.interfaces),
)
def wireless_guidance(ctx: LintContext) -> Iterator[Issue]:
    if not (ctx.profile.network.wireless or "").strip():
        kinds = sorted({i.kind.value for i in ctx.profile.network.interfaces if i.kind in WIRELESS})
        yield Issue(
            ("network", "wireless"),
            f"the device has {', '.join(kinds)} but network.wireless gives no guidance "
            "(security mode, SSID, pairing)",
        )
