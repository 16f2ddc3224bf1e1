"""The authorized flow map: every connection a site's assets may make, and why.

Computed from each asset's profile — its services (ports, direction, expected clients or
servers) and data flows — and the site's bindings of the profile's abstract endpoints to
assets, CIDRs or DNS names. Three lists come with it:

* **to-dos**: endpoints a flow needs that the site has not bound yet;
* **conflicts**: flows that cross zones with no conduit permitting them (or leave an
  isolated asset's zone, or use a port the profile does not allow): they are *not*
  authorized and get no firewall rule;
* **optional services**: services the profile marks off by default that the site has not
  enabled (``assets[].enable``): not authorized until enabled.

:meth:`FlowMap.interchange` is the JSON document ``medsec flows check`` reads
(``map_version: 1``).

>>> from medsec.network.site import Site, Zone
>>> compute(Site(site="Empty", zones=[Zone(name="z", security_level=1)]), None).flows
()
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from medsec.errors import Error
from medsec.network.profiles import ProfileSource
from medsec.network.site import Asset, Site
from medsec.profiles.psp import (
    DEVICE,
    Direction,
    EncryptionKind,
    Flow,
    ProductSecurityProfile,
    Service,
)
from medsec.profiles.psp import Protocol as PspProtocol

MAP_VERSION = 1

FlowDirection = Literal["inbound", "outbound"]
FlowProtocol = Literal["tcp", "udp", "icmp"]
ConflictKind = Literal[
    "no-conduit", "isolated", "outside-zones", "port-not-allowed", "unknown-service", "protocol"
]


@dataclass(frozen=True)
class AuthorizedFlow:
    """One connection an asset may make or accept (the interchange's ``flows[]`` item)."""

    id: str
    asset: str
    direction: FlowDirection
    protocol: FlowProtocol
    ports: tuple[tuple[int, int], ...]
    peer_cidrs: tuple[str, ...]
    peer_names: tuple[str, ...]
    service: str
    phi: bool
    encrypted: bool
    source: str
    #: Not in the interchange: for views, conflicts and firewall rules.
    zone: str = ""
    peer_zones: tuple[str, ...] = ()
    endpoint: str = ""
    service_id: str = ""
    profile: str = ""

    def interchange(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "asset": self.asset,
            "direction": self.direction,
            "protocol": self.protocol,
            "ports": [list(p) for p in self.ports],
            "peer_cidrs": list(self.peer_cidrs),
            "peer_names": list(self.peer_names),
            "service": self.service,
            "phi": self.phi,
            "encrypted": self.encrypted,
            "source": self.source,
        }


@dataclass(frozen=True)
class Todo:
    """An endpoint the site must still bind (or a service it must still configure)."""

    asset: str
    endpoint: str
    endpoint_name: str
    needed_by: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Conflict:
    """A flow the profile needs but the site does not permit."""

    kind: ConflictKind
    asset: str
    flow: str
    message: str
    source: str = ""


@dataclass(frozen=True)
class OptionalService:
    asset: str
    service_id: str
    service: str
    source: str
    message: str


@dataclass(frozen=True)
class AssetEntry:
    name: str
    addresses: tuple[str, ...]
    zone: str
    isolated: bool
    product: str | None
    version: str | None


@dataclass(frozen=True)
class FlowMap:
    site: Site
    assets: tuple[AssetEntry, ...]
    flows: tuple[AuthorizedFlow, ...]
    todos: tuple[Todo, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    optional: tuple[OptionalService, ...] = ()

    def for_asset(self, name: str) -> FlowMap:
        return replace(
            self,
            assets=tuple(a for a in self.assets if a.name == name),
            flows=tuple(f for f in self.flows if f.asset == name),
            todos=tuple(t for t in self.todos if t.asset == name),
            conflicts=tuple(c for c in self.conflicts if c.asset == name),
            optional=tuple(o for o in self.optional if o.asset == name),
        )

    def for_zone(self, zone: str) -> FlowMap:
        """Flows of the zone's assets and flows whose peers sit in the zone.

        ``assets`` holds the zone's assets and the asset of every flow shown, so each
        flow's asset is in the document.
        """
        members = {a.name for a in self.assets if a.zone == zone}
        flows = tuple(f for f in self.flows if f.asset in members or zone in f.peer_zones)
        shown = members | {f.asset for f in flows}
        return replace(
            self,
            assets=tuple(a for a in self.assets if a.name in shown),
            flows=flows,
            todos=tuple(t for t in self.todos if t.asset in members),
            conflicts=tuple(c for c in self.conflicts if c.asset in members),
            optional=tuple(o for o in self.optional if o.asset in members),
        )

    def interchange(self) -> dict[str, Any]:
        """The ``map_version: 1`` document shared with ``medsec flows check``."""
        return {
            "map_version": MAP_VERSION,
            "site": self.site.site,
            "zones": [
                {"name": z.name, "cidrs": list(z.cidrs), "internet": z.internet}
                for z in self.site.zones
            ],
            "assets": [
                {
                    "name": a.name,
                    "addresses": list(a.addresses),
                    "zone": a.zone,
                    "isolated": a.isolated,
                    "product": a.product,
                    "version": a.version,
                }
                for a in self.assets
            ],
            "flows": [f.interchange() for f in self.flows],
            "conduits": list(_conduits(self.site)),
        }

    def report(self) -> dict[str, Any]:
        """Everything, for ``--format json`` of views that are not the interchange."""
        return {
            **self.interchange(),
            "todos": [t.__dict__ | {"needed_by": list(t.needed_by)} for t in self.todos],
            "conflicts": [c.__dict__ for c in self.conflicts],
            "optional": [o.__dict__ for o in self.optional],
        }


def _conduits(site: Site) -> Iterator[dict[str, Any]]:
    for conduit in site.conduits:
        services: list[dict[str, Any]] = []
        for s in conduit.services:
            protocols = ["tcp", "udp"] if s.protocol == "any" else [s.protocol]
            for protocol in protocols:
                ports = (
                    []
                    if protocol == "icmp"
                    else [[p.start, p.end] for p in s.ports] or [[1, 65535]]
                )
                services.append({"protocol": protocol, "ports": ports})
        pairs = [(conduit.name, conduit.from_zone, conduit.to_zone)]
        if conduit.bidirectional:
            pairs.append((f"{conduit.name}~reverse", conduit.to_zone, conduit.from_zone))
        for name, from_zone, to_zone in pairs:
            yield {"name": name, "from_zone": from_zone, "to_zone": to_zone, "services": services}


# --------------------------------------------------------------------------- computing


def _label(profile: ProductSecurityProfile) -> str:
    return f"{profile.product.name} {profile.product.version}"


def _enabled(asset: Asset, service: Service) -> bool:
    if service.id in asset.disable:
        return False
    return service.enabled_by_default or service.id in asset.enable


def _protocol(service: Service) -> FlowProtocol | None:
    if service.protocol in (PspProtocol.TCP, PspProtocol.UDP):
        return "tcp" if service.protocol is PspProtocol.TCP else "udp"
    if service.protocol in (PspProtocol.ICMP, PspProtocol.ICMPV6):
        return "icmp"
    return None


def _encrypted(kind: EncryptionKind | None) -> bool:
    return kind is not None and kind is not EncryptionKind.NONE


@dataclass
class _Builder:
    site: Site
    flows: list[AuthorizedFlow] = field(default_factory=list)
    todos: dict[tuple[str, str], Todo] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    optional: list[OptionalService] = field(default_factory=list)

    def todo(self, asset: Asset, profile: ProductSecurityProfile, endpoint: str, by: str) -> None:
        key = (asset.name, endpoint)
        old = self.todos.get(key)
        needed = (*old.needed_by, by) if old else (by,)
        self.todos[key] = Todo(
            asset.name,
            endpoint,
            profile.endpoint_name(endpoint),
            needed,
            f"bind endpoint '{endpoint}' ({profile.endpoint_name(endpoint)}) under "
            f"bindings: or assets[{asset.name}].bindings:",
        )

    def peers(
        self, asset: Asset, profile: ProductSecurityProfile, endpoint: str
    ) -> tuple[dict[str, list[str]], list[str]] | None:
        """Peer CIDRs grouped by zone ('' = outside every zone) and DNS names, or None."""
        by_zone: dict[str, list[str]] = {}
        binding = self.site.binding(asset, endpoint)
        internet = next((z.name for z in self.site.zones if z.internet), "")
        if binding is None:
            declared = next((e for e in profile.network.endpoints if e.id == endpoint), None)
            if declared is None or not declared.dns_names:
                return None
            return {internet: []}, list(declared.dns_names)
        for name in binding.assets:
            peer = self.site.asset(name)
            if peer is not None:
                by_zone.setdefault(peer.zone, []).extend(peer.host_cidrs())
        for cidr in binding.cidrs:
            zone = self.site.zone_of(cidr)
            by_zone.setdefault(zone.name if zone else binding.zone or "", []).append(cidr)
        if binding.dns_names:
            by_zone.setdefault(binding.zone or internet, [])
        return by_zone, list(binding.dns_names)

    def permitted(self, initiator: str, responder: str, service: Service, port: int | None) -> bool:
        protocol = _protocol(service) or ""
        number = port or 0
        return any(
            c.permits(initiator, responder, service.name, protocol, number, number)
            for c in self.site.conduits
        )

    def add(
        self,
        asset: Asset,
        profile: ProductSecurityProfile,
        service: Service,
        port: int | None,
        endpoint: str,
        flow_id: str,
        source: str,
        phi: bool,
        encrypted: bool,
    ) -> None:
        protocol = _protocol(service)
        if protocol is None:
            self.conflicts.append(
                Conflict(
                    "protocol",
                    asset.name,
                    flow_id,
                    f"protocol {service.protocol} cannot be expressed in the flow map",
                    source,
                )
            )
            return
        found = self.peers(asset, profile, endpoint)
        if found is None:
            self.todo(asset, profile, endpoint, flow_id)
            return
        by_zone, names = found
        direction: FlowDirection = (
            "inbound" if service.direction is Direction.INBOUND else "outbound"
        )
        ok_cidrs: list[str] = []
        ok_zones: list[str] = []
        for zone, cidrs in by_zone.items():
            if zone == "":
                self.conflicts.append(
                    Conflict(
                        "outside-zones",
                        asset.name,
                        flow_id,
                        f"peer {', '.join(cidrs)} of '{endpoint}' lies in no zone of the site",
                        source,
                    )
                )
                continue
            if zone != asset.zone:
                if asset.isolated:
                    self.conflicts.append(
                        Conflict(
                            "isolated",
                            asset.name,
                            flow_id,
                            f"asset is isolated in zone '{asset.zone}' but '{endpoint}' "
                            f"is in zone '{zone}'",
                            source,
                        )
                    )
                    continue
                initiator, responder = (
                    (asset.zone, zone) if direction == "outbound" else (zone, asset.zone)
                )
                if not self.permitted(initiator, responder, service, port):
                    what = f"{protocol} {port}" if port is not None else protocol
                    self.conflicts.append(
                        Conflict(
                            "no-conduit",
                            asset.name,
                            flow_id,
                            f"{initiator} → {responder} {service.name} ({what}) for "
                            f"'{endpoint}': no conduit permits it",
                            source,
                        )
                    )
                    continue
            ok_cidrs.extend(cidrs)
            ok_zones.append(zone)
        if not ok_zones:
            return
        self.flows.append(
            AuthorizedFlow(
                id=flow_id,
                asset=asset.name,
                direction=direction,
                protocol=protocol,
                ports=((port, port),) if port is not None and protocol != "icmp" else (),
                peer_cidrs=tuple(dict.fromkeys(ok_cidrs)),
                peer_names=tuple(names),
                service=service.name,
                phi=phi,
                encrypted=encrypted,
                source=source,
                zone=asset.zone,
                peer_zones=tuple(dict.fromkeys(ok_zones)),
                endpoint=endpoint,
                service_id=service.id,
                profile=_label(profile),
            )
        )

    def asset_flows(self, asset: Asset, profile: ProductSecurityProfile) -> None:
        label = _label(profile)
        services = {s.id: (i, s) for i, s in enumerate(profile.network.services)}
        for key, ids in (
            ("enable", asset.enable),
            ("disable", asset.disable),
            ("ports", asset.ports),
        ):
            for sid in ids:
                if sid not in services:
                    self.conflicts.append(
                        Conflict(
                            "unknown-service",
                            asset.name,
                            f"{asset.name}/{sid}",
                            f"assets[{asset.name}].{key} names service '{sid}', which "
                            f"{label} does not have (services: {', '.join(services)})",
                        )
                    )
        for index, service in enumerate(profile.network.services):
            where = f"{label}: network.services[{index}] {service.name}"
            if not _enabled(asset, service):
                if not service.enabled_by_default and service.id not in asset.disable:
                    self.optional.append(
                        OptionalService(
                            asset.name,
                            service.id,
                            service.name,
                            where,
                            f"off by default{'' if service.required else ', optional'}; "
                            f"add '{service.id}' to assets[{asset.name}].enable to authorize it",
                        )
                    )
                continue
            port = asset.ports.get(service.id, service.default_port)
            allowed = service.configurable_range
            if (
                port is not None
                and port != service.default_port
                and (allowed is None or port not in allowed)
            ):
                self.conflicts.append(
                    Conflict(
                        "port-not-allowed",
                        asset.name,
                        f"{asset.name}/{service.id}",
                        f"port {port} for {service.id}: the profile allows "
                        f"{allowed if allowed else f'only {service.default_port}'}",
                        where,
                    )
                )
                continue
            self.service_flows(asset, profile, index, service, port)

    def service_flows(
        self,
        asset: Asset,
        profile: ProductSecurityProfile,
        index: int,
        service: Service,
        port: int | None,
    ) -> None:
        label = _label(profile)
        covered: set[str] = set()
        for fi, flow in enumerate(profile.data.flows):
            if flow.service != service.id or DEVICE not in (flow.source, flow.destination):
                continue
            peer = flow.destination if flow.source == DEVICE else flow.source
            covered.add(peer)
            self.add(
                asset,
                profile,
                service,
                port,
                peer,
                f"{asset.name}/{flow.id}",
                f"{label}: data.flows[{fi}] (network.services[{index}] {service.name})",
                _personal(profile, flow),
                _encrypted(flow.encryption or service.encryption),
            )
        role = "server" if service.direction is Direction.OUTBOUND else "expected_client"
        for endpoint in service.server if role == "server" else service.expected_client:
            if endpoint in covered:
                continue
            self.add(
                asset,
                profile,
                service,
                port,
                endpoint,
                f"{asset.name}/{service.id}@{endpoint}",
                f"{label}: network.services[{index}] {service.name} ({role} {endpoint})",
                False,
                _encrypted(service.encryption),
            )


def _personal(profile: ProductSecurityProfile, flow: Flow) -> bool:
    return any(
        (c := profile.category(cid)) is not None and c.kind.personal for cid in flow.categories
    )


def compute(site: Site, profiles: ProfileSource | None) -> FlowMap:
    """The flow map of ``site``; ``profiles`` resolves the assets' profile references."""
    builder = _Builder(site)
    entries = []
    for asset in site.assets:
        profile = None
        if asset.profile is not None and profiles is not None:
            try:
                profile = profiles.resolve(asset.profile)
            except Error as e:
                raise Error(
                    f"asset {asset.name}: its profile {asset.profile} cannot be used:\n"
                    + e.diagnostics(),
                    hint="fix the profile, or the asset's profile: reference in the site file",
                ) from e
            builder.asset_flows(asset, profile)
        no_services = profile is not None and not any(
            _enabled(asset, s) for s in profile.network.services
        )
        entries.append(
            AssetEntry(
                asset.name,
                tuple(asset.addresses),
                asset.zone,
                asset.isolated or no_services,
                profile.product.name if profile else None,
                profile.product.version if profile else None,
            )
        )
    return FlowMap(
        site,
        tuple(entries),
        tuple(builder.flows),
        tuple(builder.todos.values()),
        tuple(builder.conflicts),
        tuple(builder.optional),
    )
