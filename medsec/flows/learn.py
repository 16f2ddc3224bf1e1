"""Learn mode: profile-style flows proposed from what a device was observed doing.

For a device without a profile (an asset with no authorized flows, or an address not in
the inventory at all), the observed baseline is grouped by direction, protocol and port;
each group becomes one :class:`ProposedFlow` in the interchange shape of the authorized
map, marked ``"status": "proposed"`` with its evidence (flows, bytes, first/last seen).
Nothing is authorized by this: a person reviews the proposals and writes the profile.

For an asset that has authorized flows, only what the map does not authorize is proposed.
Peers: each one as a host CIDR; when a group has more than ``max_peers`` peers, the ones
inside site zones are replaced by those zones' CIDRs (noted in ``notes``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from medsec.flows.engine import Session
from medsec.flows.errors import FlowLogError
from medsec.flows.readers import values
from medsec.flows.results import iso


@dataclass(frozen=True)
class ProposedFlow:
    id: str
    asset: str
    direction: str
    protocol: str
    ports: tuple[tuple[int, int], ...]
    peer_cidrs: tuple[str, ...]
    services: tuple[str, ...]
    flows: int
    bytes: int
    first_seen: float
    last_seen: float
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "asset": self.asset,
            "direction": self.direction,
            "protocol": self.protocol,
            "ports": [list(r) for r in self.ports],
            "peer_cidrs": list(self.peer_cidrs),
            "service": self.services[0] if len(self.services) == 1 else None,
            "status": "proposed",
            "source": f"learned from {self.flows} observed flows, "
            f"{iso(self.first_seen)} to {iso(self.last_seen)}; review before use",
            "evidence": {
                "flows": self.flows,
                "bytes": self.bytes,
                "services": list(self.services),
                "first_seen": iso(self.first_seen),
                "last_seen": iso(self.last_seen),
            },
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Learned:
    address: str
    asset: str | None
    #: The asset already has authorized flows: proposals are only what they miss.
    has_profile: bool
    proposals: tuple[ProposedFlow, ...]


#: One observed tuple of a group: peer, peer zone, service, flows, bytes, first, last.
_Member = tuple[str, str | None, str | None, int, int, float, float]


def _host(address: str) -> str:
    return str(ipaddress.ip_network(address))


def learn(session: Session, address: str, *, min_flows: int = 1, max_peers: int = 8) -> Learned:
    """Propose flows for the device at ``address`` from the flows loaded in ``session``."""
    try:
        canonical = values.address(address)
    except ValueError as e:
        raise FlowLogError(f"--asset {address!r}: {e}", hint="give the device's IP address") from e
    session.prepare()
    asset = session.map.asset_at(canonical)
    name = asset.name if asset else canonical
    has_profile = asset is not None and any(f.asset == asset.name for f in session.map.flows)
    rows = session.con.execute(
        """
        WITH mine AS (
            SELECT 'outbound' AS direction, o.resp AS peer, o.*
            FROM oc o WHERE o.orig = ?
            UNION ALL
            SELECT 'inbound', o.orig, o.* FROM oc o WHERE o.resp = ?
        ),
        authorized AS (
            SELECT id, direction FROM judged
            WHERE asset = ? AND NOT (c_peer OR c_port OR c_direction)
        )
        SELECT m.direction, m.proto, m.port, m.peer, i.zone, m.service,
               m.flows, m.bytes, m.first_ts, m.last_ts
        FROM mine m
        JOIN info i ON i.addr = m.peer
        LEFT JOIN authorized a ON a.id = m.id AND a.direction = m.direction
        WHERE a.id IS NULL
        """,
        [canonical, canonical, asset.name if asset else None],
    ).fetchall()
    groups: dict[tuple[str, str, int | None], list[_Member]] = {}
    for direction, proto, port, peer, zone, service, flows, nbytes, first, last in rows:
        groups.setdefault((direction, proto, port), []).append(
            (peer, zone, service, int(flows), int(nbytes), float(first), float(last))
        )
    zones = {z.name: z.cidrs for z in session.map.zones}
    proposals = []
    for (direction, proto, port), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0)
    ):
        flows = sum(m[3] for m in members)
        if flows < min_flows:
            continue
        peers = sorted({m[0] for m in members}, key=lambda a: ipaddress.ip_address(a))
        notes: list[str] = []
        cidrs = [_host(p) for p in peers]
        if len(peers) > max_peers:
            in_zone = {m[0]: m[1] for m in members if m[1] in zones and zones[m[1]]}
            zone_names = sorted(set(in_zone.values()))
            cidrs = [c for z in zone_names for c in zones[z]] + [
                _host(p) for p in peers if p not in in_zone
            ]
            notes.append(
                f"{len(peers)} peers; those in zones {', '.join(zone_names) or '(none)'} "
                "are given as the zones' CIDRs"
            )
        services = tuple(sorted({m[2] for m in members if m[2]}))
        label = "any" if port is None else str(port)
        proposals.append(
            ProposedFlow(
                id=f"{name}/proposed-{direction}-{proto}-{label}",
                asset=name,
                direction=direction,
                protocol=proto,
                ports=() if port is None else ((port, port),),
                peer_cidrs=tuple(cidrs),
                services=services,
                flows=flows,
                bytes=sum(m[4] for m in members),
                first_seen=min(m[5] for m in members),
                last_seen=max(m[6] for m in members),
                notes=tuple(notes),
            )
        )
    return Learned(canonical, asset.name if asset else None, has_profile, tuple(proposals))
