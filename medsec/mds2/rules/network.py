"""CONN, NAUT: connectivity and node authentication, from ``network``.

A profile that lists interfaces lists all of them, so a kind absent from the list is
answered No; an interface of kind ``other`` could be anything, so it leaves the
"other connectivity" questions for manual entry.
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import WIRELESS, authenticated, mentions, path, written
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, no, stated, yes
from medsec.profiles.psp import EncryptionKind, InterfaceKind

book = RuleBook()

PHYSICAL = frozenset({InterfaceKind.ETHERNET, InterfaceKind.USB, InterfaceKind.SERIAL})
CERTIFICATE = r"certificate|x\.?509|mutual tls|mtls|eap-tls|\bpki\b"


def _has(ctx: Context, kinds: frozenset[InterfaceKind], what: str) -> Derived | None:
    """Yes if an interface of ``kinds`` is listed; No if the listed ones are all known others."""
    if not ctx.facts.interfaces_listed:
        return None
    found = ctx.facts.interfaces(*kinds)
    if found:
        described = "; ".join(f"{i.item.id}: {i.item.description or i.item.kind}" for i in found)
        return yes(*(i.path for i in found), note=described)
    if ctx.facts.interfaces(InterfaceKind.OTHER):
        return None
    return no("network.interfaces", note=f"No {what} among the listed interfaces.")


@book.rule("CONN-1")
def connectivity(ctx: Context) -> Derived | None:
    if not ctx.facts.interfaces_listed:
        return None
    interfaces = ctx.profile.network.interfaces
    kinds = ", ".join(sorted({str(i.kind) for i in interfaces}))
    return either(
        bool(interfaces), "network.interfaces", note=f"Interfaces: {kinds}." if kinds else None
    )


@book.rule("CONN-1.1")
def wireless(ctx: Context) -> Derived | None:
    return _has(ctx, WIRELESS, "wireless interface")


@book.rule("CONN-1.1.1")
def wifi(ctx: Context) -> Derived | None:
    return _has(ctx, frozenset({InterfaceKind.WIFI}), "Wi-Fi interface")


@book.rule("CONN-1.1.2")
def bluetooth(ctx: Context) -> Derived | None:
    return _has(ctx, frozenset({InterfaceKind.BLUETOOTH}), "Bluetooth interface")


@book.rule("CONN-1.1.3")
def cellular(ctx: Context) -> Derived | None:
    return _has(ctx, frozenset({InterfaceKind.CELLULAR}), "cellular or other wireless network")


@book.rule("CONN-1.1.4")
def other_wireless(ctx: Context) -> Derived | None:
    if not ctx.facts.interfaces_listed or ctx.facts.interfaces(InterfaceKind.OTHER):
        return None
    return no("network.interfaces", note="Every listed interface is of a known kind.")


@book.rule("CONN-1.2.4")
def other_physical(ctx: Context) -> Derived | None:
    return _has(ctx, frozenset({InterfaceKind.SERIAL}), "serial or other physical interface")


@book.rule("CONN-1.2")
def physical(ctx: Context) -> Derived | None:
    return _has(ctx, PHYSICAL, "physical interface")


@book.rule("CONN-1.2.1")
def ethernet(ctx: Context) -> Derived | None:
    return _has(ctx, frozenset({InterfaceKind.ETHERNET}), "Ethernet interface")


@book.rule("CONN-1.2.2")
def usb(ctx: Context) -> Derived | None:
    return _has(ctx, frozenset({InterfaceKind.USB}), "USB interface")


@book.rule("CONN-1.2.3")
def removable_media(ctx: Context) -> Derived | None:
    network, updates = ctx.profile.network, ctx.profile.updates
    for i, channel in enumerate(updates.channels):
        if channel.kind == "offline-media":
            return yes(path("updates", "channels", i, "kind"), note=channel.description)
    if network.offline_updates:
        return yes("network.offline_updates", note=network.offline_updates)
    if ctx.choice("CONN-1.2.2") is Choice.NO and ctx.choice("CONN-1.2.4") is not Choice.YES:
        return no(*ctx.cite("CONN-1.2.2"), note="No USB interface and no offline media.")
    return None


@book.rule("CONN-2")
def ports_listed(ctx: Context) -> Derived | None:
    services = ctx.profile.network.services
    if not services:
        return None
    return yes("network.services", note=f"{len(services)} services with protocol and port.")


@book.rule("CONN-3")
def local_peers(ctx: Context) -> Derived | None:
    if not ctx.facts.services_listed:
        return None
    local = [
        s.path
        for s in ctx.facts.services
        if any(ctx.facts.external(p) is False for p in ctx.facts.service_peers(s.item))
    ]
    if local:
        return yes(*local, note="Services talk to systems in the customer's network.")
    return None


def _external_services(ctx: Context) -> tuple[list[str], bool]:
    """Paths of services with an external peer, and whether any peer is of unknown kind."""
    found: list[str] = []
    unknown = False
    for s in ctx.facts.services:
        verdicts = [ctx.facts.external(p) for p in ctx.facts.service_peers(s.item)]
        if any(v is True for v in verdicts):
            found.append(s.path)
        unknown = unknown or any(v is None for v in verdicts)
    return found, unknown


@book.rule("CONN-4")
def external_peers(ctx: Context) -> Derived | None:
    remote = ctx.profile.network.remote_access
    found, unknown = _external_services(ctx)
    if remote and remote.methods:
        found.append("network.remote_access.methods")
    if found:
        return yes(*found, note="The device talks to systems outside the customer's network.")
    if remote and remote.none and ctx.facts.services_listed and not unknown:
        return no(
            "network.remote_access.none",
            "network.services",
            note="No remote access and no service with an external endpoint.",
        )
    return None


@book.rule("CONN-6")
def internet_required(ctx: Context) -> Derived | None:
    if not ctx.facts.services_listed:
        return None
    required = [s for s in ctx.facts.services if s.item.required]
    verdicts = [
        (s, [ctx.facts.external(p) for p in ctx.facts.service_peers(s.item)]) for s in required
    ]
    needing = [s.path for s, v in verdicts if any(x is True for x in v)]
    if needing:
        return yes(*needing, note="A required service talks to an external endpoint.")
    if all(x is False for _, v in verdicts for x in v):
        return no(
            *(f"{s.path}.required" for s in required) or ("network.services",),
            note="Every required service stays inside the customer's network.",
        )
    return None


@book.rule("CONN-5")
def apis(ctx: Context) -> Derived | None:
    network = ctx.profile.network
    if not written(network, "apis"):
        return None
    names = "; ".join(a.name for a in network.apis)
    return either(bool(network.apis), "network.apis", note=names or "The device has no API.")


@book.rule("CONN-7")
def tls(ctx: Context) -> Derived | None:
    if not ctx.facts.services_listed:
        return None
    found = [
        f"{s.path}.encryption"
        for s in ctx.facts.services
        if s.item.encryption in (EncryptionKind.TLS, EncryptionKind.DTLS)
    ]
    if found:
        return yes(*found)
    return no("network.services", note="No listed service uses TLS or DTLS.")


@book.rule("CONN-7.1")
def tls_configurable(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("CONN-7")) is not None:
        return skip
    return stated(ctx.profile.network.tls_configurable, "network.tls_configurable")


@book.rule("CONN-8")
def remote_operation(ctx: Context) -> Derived | None:
    return stated(ctx.profile.network.remote_operation, "network.remote_operation")


# --------------------------------------------------------------------------- NAUT


@book.rule("NAUT-1")
def node_authentication(ctx: Context) -> Derived | None:
    verdicts = [(s, authenticated(s.item.authentication)) for s in ctx.facts.services]
    with_auth = [s for s, v in verdicts if v]
    if with_auth:
        how = "; ".join(f"{s.item.id}: {s.item.authentication}" for s in with_auth)
        return yes(*(f"{s.path}.authentication" for s in with_auth), note=how)
    if verdicts and all(v is False for _, v in verdicts):
        return no("network.services", note="No listed service authenticates its peers.")
    return None


@book.rule("NAUT-2")
def host_firewall(ctx: Context) -> Derived | None:
    """Yes when the device filters traffic itself; a device without a firewall may still
    use a connection allow-list, so that is left for manual entry."""
    firewall = ctx.profile.hardening.host_firewall
    if firewall is None or not firewall.enabled:
        return None
    return yes("hardening.host_firewall.enabled", note="The device has its own packet filter.")


@book.rule("NAUT-2.1")
def firewall_ruleset(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("NAUT-2")) is not None:
        return skip
    firewall = ctx.profile.hardening.host_firewall
    if firewall is None or not firewall.ruleset:
        return None
    return yes("hardening.host_firewall.ruleset", note=firewall.ruleset)


@book.rule("NAUT-3")
def certificates(ctx: Context) -> Derived | None:
    found = [s for s in ctx.facts.services if mentions(CERTIFICATE, s.item.authentication)]
    if not found:
        return None
    how = "; ".join(f"{s.item.id}: {s.item.authentication}" for s in found)
    return yes(*(f"{s.path}.authentication" for s in found), note=how)
