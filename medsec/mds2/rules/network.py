"""CONN, NAUT, RMOT: connectivity, node authentication and remote service, from ``network``.

A profile that lists interfaces lists all of them, so a kind absent from the list is
answered No; an interface of kind ``other`` could be anything, so it leaves the
"other connectivity" questions for manual entry.
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import WIRELESS, authenticated, mentions, path
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, no, yes
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


@book.rule("NAUT-3")
def certificates(ctx: Context) -> Derived | None:
    found = [s for s in ctx.facts.services if mentions(CERTIFICATE, s.item.authentication)]
    if not found:
        return None
    how = "; ".join(f"{s.item.id}: {s.item.authentication}" for s in found)
    return yes(*(f"{s.path}.authentication" for s in found), note=how)


# --------------------------------------------------------------------------- RMOT


@book.rule("RMOT-1")
def remote_service(ctx: Context) -> Derived | None:
    remote = ctx.profile.network.remote_access
    if remote is None:
        return None
    if remote.methods:
        described = "; ".join(m.description for m in remote.methods)
        return yes("network.remote_access.methods", note=described)
    if remote.none:
        return no("network.remote_access.none", note=remote.statement)
    return None


@book.rule("RMOT-1.1")
def customer_initiated(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("RMOT-1")) is not None:
        return skip
    remote = ctx.profile.network.remote_access
    if remote is None or not remote.methods:
        return None
    sources = [
        path("network", "remote_access", "methods", i, "initiated_by")
        for i in range(len(remote.methods))
    ]
    by_customer = [m for m in remote.methods if m.initiated_by == "customer"]
    return either(bool(by_customer), *sources)


@book.rule("RMOT-1.2", "RMOT-1.3")
def session_details(ctx: Context) -> Derived | None:
    return ctx.na_because("RMOT-1")


@book.rule("RMOT-2")
def predictive_maintenance(ctx: Context) -> Derived | None:
    remote = ctx.profile.network.remote_access
    if remote and remote.none and not remote.methods:
        return no("network.remote_access.none", note="The device has no remote access.")
    return None


@book.rule("RMOT-3")
def other_remote(ctx: Context) -> Derived | None:
    channels = ctx.profile.updates.channels
    remote = [(i, c) for i, c in enumerate(channels) if c.kind in ("online", "central-server")]
    if remote:
        described = "; ".join(c.description or c.kind for _, c in remote)
        return yes(
            *(path("updates", "channels", i, "kind") for i, _ in remote),
            note=f"Software updates over the network: {described}",
        )
    return None
