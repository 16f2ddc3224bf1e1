"""Profile → MUD file (RFC 8520, YANG JSON).

Every service of the profile becomes a pair of ACEs per peer: the direction that opens
the connection (with ``ietf-mud:direction-initiated`` for TCP) and the replies. Peers are
written with the MUD abstractions:

=====================================  ===========================================
profile endpoint                       MUD match
=====================================  ===========================================
with ``dns_names``                     ``ietf-acldns:dst-dnsname``/``src-dnsname``
id ``ntp`` / ``dns``                   ``controller: urn:ietf:params:mud:ntp|dns``
id ``my-controller``                   ``my-controller``
id ``same-manufacturer``               ``same-manufacturer``
id ``local-networks``; kind device,    ``local-networks``
workstation or user
kind manufacturer                      ``manufacturer: <domain of product.manufacturer.url>``
anything else (servers…)               ``controller: urn:medsec:endpoint:<id>``
=====================================  ===========================================

Services the profile marks off by default are included: a MUD file states what the
device may do; the site decides what it allows (``medsec network flows``).

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> doc = export_mud(load_profile_text(EXAMPLE_MINIMAL), mud_url="https://example.org/m.json")
>>> doc["ietf-mud:mud"]["mud-url"]
'https://example.org/m.json'
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal
from urllib.parse import urlsplit

from medsec.errors import Error
from medsec.network.mud.aces import (
    IETF_CONTROLLERS,
    MEDSEC_CONTROLLER,
    PROTOCOL_NUMBERS,
    Ace,
    PeerKind,
    Policy,
)
from medsec.profiles.psp import DEVICE, Direction, EndpointKind, ProductSecurityProfile, Service

CACHE_VALIDITY_HOURS = 48


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "device"


def manufacturer_domain(profile: ProductSecurityProfile) -> str | None:
    url = profile.product.manufacturer.url
    host = urlsplit(url).hostname if url else None
    return host or None


def default_mud_url(profile: ProductSecurityProfile) -> str:
    domain = manufacturer_domain(profile)
    if domain is None:
        raise Error(
            f"{profile.product.name} {profile.product.version}: no manufacturer url to build "
            "the MUD URL from",
            hint="pass --mud-url https://… or set product.manufacturer.url",
        )
    return (
        f"https://{domain}/mud/{_slug(profile.product.name)}/{_slug(profile.product.version)}.json"
    )


def _peers(profile: ProductSecurityProfile, endpoint_id: str) -> list[tuple[PeerKind, str]]:
    endpoint = next((e for e in profile.network.endpoints if e.id == endpoint_id), None)
    if endpoint is not None and endpoint.dns_names:
        return [("dnsname", name.lower()) for name in endpoint.dns_names]
    if endpoint_id in IETF_CONTROLLERS:
        return [("controller", IETF_CONTROLLERS[endpoint_id])]
    if endpoint_id == "any":
        return [("any", "")]
    if endpoint_id in ("my-controller", "same-manufacturer", "local-networks"):
        return [(endpoint_id, "")]  # type: ignore[list-item]
    kind = endpoint.kind if endpoint else EndpointKind.OTHER
    if kind in (EndpointKind.DEVICE, EndpointKind.WORKSTATION, EndpointKind.USER):
        return [("local-networks", "")]
    if kind is EndpointKind.MANUFACTURER and (domain := manufacturer_domain(profile)):
        return [("manufacturer", domain)]
    return [("controller", MEDSEC_CONTROLLER + endpoint_id)]


def service_peers(profile: ProductSecurityProfile, service: Service) -> list[str]:
    """Endpoint ids the service talks to: its server/expected_client list and data flows."""
    listed = service.server if service.direction is Direction.OUTBOUND else service.expected_client
    peers = list(listed)
    for flow in profile.data.flows:
        if flow.service == service.id and DEVICE in (flow.source, flow.destination):
            peer = flow.destination if flow.source == DEVICE else flow.source
            if peer not in peers:
                peers.append(peer)
    return peers


def service_aces(
    protocol: int | None,
    port: tuple[int, int] | None,
    direction: Direction,
    peer: PeerKind,
    value: str,
) -> list[Ace]:
    """The ACE pair (both address families) of one service towards one peer."""
    opener: Policy = "from-device" if direction is Direction.OUTBOUND else "to-device"
    replier: Policy = "to-device" if opener == "from-device" else "from-device"
    initiated = opener if protocol == PROTOCOL_NUMBERS["tcp"] else None
    out = []
    families: tuple[Literal["ipv4", "ipv6"], ...] = ("ipv4", "ipv6")
    for family in families:
        out.append(Ace(opener, family, protocol, None, port, initiated, peer, value))
        out.append(Ace(replier, family, protocol, port, None, initiated, peer, value))
    return out


def profile_aces(profile: ProductSecurityProfile) -> list[Ace]:
    """Every ACE the MUD file of ``profile`` holds, in a stable order."""
    aces: list[Ace] = []
    for service in profile.network.services:
        protocol = PROTOCOL_NUMBERS.get(service.protocol.value)
        if protocol is None and service.protocol.value != "ip":
            continue  # "other": nothing a MUD ACE can express
        # RFC 8519 matches ports of TCP and UDP only; SCTP is matched by protocol number.
        has_ports = protocol in (PROTOCOL_NUMBERS["tcp"], PROTOCOL_NUMBERS["udp"])
        port = (service.default_port,) * 2 if service.default_port and has_ports else None
        for endpoint in service_peers(profile, service):
            for peer, value in _peers(profile, endpoint):
                for ace in service_aces(protocol, port, service.direction, peer, value):
                    if ace not in aces:
                        aces.append(ace)
    return aces


def _port_match(ports: tuple[int, int]) -> dict[str, Any]:
    if ports[0] == ports[1]:
        return {"operator": "eq", "port": ports[0]}
    return {"lower-port": ports[0], "upper-port": ports[1]}


def ace_json(ace: Ace, name: str) -> dict[str, Any]:
    """One ACE in RFC 8519/8520 YANG JSON."""
    matches: dict[str, Any] = {}
    l3: dict[str, Any] = {}
    if ace.protocol is not None:
        l3["protocol"] = ace.protocol
    if ace.peer == "dnsname":
        side = "dst" if ace.policy == "from-device" else "src"
        l3[f"ietf-acldns:{side}-dnsname"] = ace.peer_value
    elif ace.peer == "network":
        side = "destination" if ace.policy == "from-device" else "source"
        l3[f"{side}-{ace.family}-network"] = ace.peer_value
    elif ace.peer in ("controller", "manufacturer", "model"):
        matches["ietf-mud:mud"] = {ace.peer: ace.peer_value}
    elif ace.peer != "any":
        matches["ietf-mud:mud"] = {ace.peer: [None]}
    if l3:
        matches[ace.family] = l3
    l4_name = {6: "tcp", 17: "udp"}.get(ace.protocol or 0)
    if l4_name is not None:
        l4: dict[str, Any] = {}
        if ace.initiated is not None and l4_name == "tcp":
            l4["ietf-mud:direction-initiated"] = ace.initiated
        if ace.src_ports is not None:
            l4["source-port"] = _port_match(ace.src_ports)
        if ace.dst_ports is not None:
            l4["destination-port"] = _port_match(ace.dst_ports)
        if l4:
            matches[l4_name] = l4
    return {"name": name, "matches": matches, "actions": {"forwarding": ace.action}}


def acl_names(base: str) -> dict[tuple[str, str], str]:
    return {
        (family, policy): f"mud-{base}-{family[-2:]}{'fr' if policy == 'from-device' else 'to'}"
        for family in ("ipv4", "ipv6")
        for policy in ("from-device", "to-device")
    }


def mud_document(aces: list[Ace], meta: dict[str, Any], base: str) -> dict[str, Any]:
    """A MUD file holding ``aces`` with the ``ietf-mud:mud`` container ``meta``."""
    names = acl_names(base)
    acls: list[dict[str, Any]] = []
    for (family, policy), acl_name in names.items():
        entries = [a for a in aces if (a.family, a.policy) == (family, policy)]
        if not entries:
            continue
        suffix = "frdev" if policy == "from-device" else "todev"
        acls.append(
            {
                "name": acl_name,
                "type": f"{family}-acl-type",
                "aces": {"ace": [ace_json(a, f"ace{i}-{suffix}") for i, a in enumerate(entries)]},
            }
        )
    present = {a["name"] for a in acls}
    mud = dict(meta)
    for policy, key in (("from-device", "from-device-policy"), ("to-device", "to-device-policy")):
        listed = [{"name": n} for (f, p), n in names.items() if p == policy and n in present]
        if listed:
            mud[key] = {"access-lists": {"access-list": listed}}
    return {"ietf-mud:mud": mud, "ietf-access-control-list:acls": {"acl": acls}}


def export_mud(
    profile: ProductSecurityProfile,
    *,
    mud_url: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The MUD file of ``profile`` as a JSON-ready dict."""
    product = profile.product
    url = mud_url or default_mud_url(profile)
    if not url.startswith("https://"):
        raise Error(f"MUD URL {url!r} is not an https:// URL (RFC 8520 §3.1)")
    if product.release_date is not None:
        updated = dt.datetime.combine(product.release_date, dt.time(), tzinfo=dt.UTC)
    else:
        updated = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    meta: dict[str, Any] = {
        "mud-version": 1,
        "mud-url": url,
        "last-update": updated.isoformat(),
        "cache-validity": CACHE_VALIDITY_HOURS,
        "is-supported": True,
        "systeminfo": (product.description or f"{product.manufacturer.name} {product.name}")[:60],
        "mfg-name": product.manufacturer.name,
        "model-name": product.models[0] if product.models else product.name,
        "software-rev": product.version,
    }
    firmware = product.platform.firmware if product.platform else []
    if firmware and firmware[0].version:
        meta["firmware-rev"] = firmware[0].version
    if product.manufacturer.url:
        meta["documentation"] = product.manufacturer.url
    base = f"{_slug(product.name)}-{_slug(product.version)}"
    return mud_document(profile_aces(profile), meta, base)
