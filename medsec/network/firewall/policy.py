"""From the flow map to firewall rules, independent of any platform.

Each authorized flow with peer addresses becomes one :class:`Rule` (source and
destination CIDRs, protocol, destination ports, the zones it crosses, and a comment
naming the profile, service and flow); flows known only by DNS names cannot be written
as packet-filter rules and are returned as :class:`Skipped`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from medsec.network.flowmap import AuthorizedFlow, FlowMap


@dataclass(frozen=True)
class Rule:
    name: str
    flow: str
    protocol: str
    source: tuple[str, ...]
    destination: tuple[str, ...]
    ports: tuple[tuple[int, int], ...]
    from_zone: str
    to_zone: str
    profile: str
    service: str
    origin: str

    def comment(self, limit: int | None = None) -> str:
        """``SOURCE-FIELD; service ID (NAME); flow ID``, shortened to ``limit`` characters."""
        text = _printable(f"{self.origin}; service {self.service}; flow {self.flow}")
        if limit is None or len(text) <= limit:
            return text
        field = self.origin.split(": ", 1)[-1].split(" (", 1)[0]
        tail = f" {field} svc {self.service} flow {self.flow}"
        room = limit - len(tail)
        name = _printable(self.profile)
        profile = name if len(name) <= room else name[: max(room - 3, 0)] + "..."
        return _printable(profile + tail)[:limit]


def _printable(text: str) -> str:
    """Comment text every target can quote: printable ASCII, no double quotes."""
    ascii_text = text.replace("–", "-").replace("—", "-").replace("*/", "* /")
    ascii_text = ascii_text.encode("ascii", "replace").decode()
    return "".join(
        c if c.isprintable() and c not in '"\\' else "'" if c == '"' else "?" for c in ascii_text
    )


@dataclass(frozen=True)
class Skipped:
    flow: str
    reason: str


@dataclass(frozen=True)
class RuleSet:
    site: str
    rules: tuple[Rule, ...]
    skipped: tuple[Skipped, ...]

    def zone_pairs(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((r.from_zone, r.to_zone) for r in self.rules))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def rule_name(index: int, flow_id: str) -> str:
    """A short, unique term name every target accepts (≤ 24 characters)."""
    return f"f{index:03d}-{_slug(flow_id)}"[:24].rstrip("-")


def _hosts(cidrs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(ipaddress.ip_network(c, strict=False)) for c in cidrs)


def _split_by_zone(flow: AuthorizedFlow, flowmap: FlowMap) -> dict[str, tuple[str, ...]]:
    by_zone: dict[str, list[str]] = {}
    for cidr in flow.peer_cidrs:
        zone = flowmap.site.zone_of(cidr)
        by_zone.setdefault(zone.name if zone else "", []).append(cidr)
    return {z: tuple(c) for z, c in by_zone.items()}


def build(flowmap: FlowMap) -> RuleSet:
    """One rule per (authorized flow, peer zone); DNS-only flows are skipped."""
    assets = {a.name: a for a in flowmap.assets}
    rules: list[Rule] = []
    skipped: list[Skipped] = []
    for flow in flowmap.flows:
        own = _hosts(tuple(f"{a}" for a in assets[flow.asset].addresses))
        if not own:
            skipped.append(Skipped(flow.id, f"asset {flow.asset} has no addresses"))
            continue
        if not flow.peer_cidrs:
            reason = (
                f"peer known only by DNS name ({', '.join(flow.peer_names)}); bind its CIDRs "
                "(bindings: cidrs:) to generate a rule, or use a DNS-aware firewall feature"
                if flow.peer_names
                else f"the assets bound to '{flow.endpoint}' have no addresses"
            )
            skipped.append(Skipped(flow.id, reason))
            continue
        for peer_zone, peers in _split_by_zone(flow, flowmap).items():
            if flow.direction == "outbound":
                src, dst, zones = own, peers, (flow.zone, peer_zone)
            else:
                src, dst, zones = peers, own, (peer_zone, flow.zone)
            rules.append(
                Rule(
                    name=rule_name(len(rules) + 1, flow.id),
                    flow=flow.id,
                    protocol=flow.protocol,
                    source=src,
                    destination=dst,
                    ports=flow.ports,
                    from_zone=zones[0],
                    to_zone=zones[1],
                    profile=flow.profile,
                    service=flow.service_id,
                    origin=flow.source,
                )
            )
    return RuleSet(flowmap.site.site, tuple(rules), tuple(skipped))
