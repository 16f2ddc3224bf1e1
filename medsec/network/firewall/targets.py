"""Render a :class:`~medsec.network.firewall.policy.RuleSet` with aerleon.

The policy and its network/service definitions are built in memory (aerleon's
``api.Generate`` with a ``naming.Naming`` loaded from a dict); no definition files are
written. Every target gets the same terms: one accept term per rule, commented with the
profile, service and flow it comes from, and a final ``default-deny`` term that logs.

=========  =====================================================================
target     aerleon generator and layout
=========  =====================================================================
nftables   ``nftables`` ``inet`` table, forward hook, policy drop (``nft -f``)
iptables   ``speedway``: an ``iptables-restore`` file for the FORWARD chain (IPv4)
cisco      ``cisco`` extended ACL (IPv4), plus a term for returning TCP traffic
srx        ``srx``: Juniper SRX policies, one zone pair per conduit direction used
paloalto   ``paloalto``: PAN-OS XML security rules, one zone pair per direction used
=========  =====================================================================
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from medsec.errors import Error
from medsec.network.firewall.policy import Rule, RuleSet


class Target(enum.StrEnum):
    NFTABLES = "nftables"
    IPTABLES = "iptables"
    CISCO = "cisco"
    SRX = "srx"
    PALOALTO = "paloalto"


@dataclass(frozen=True)
class _Layout:
    generator: str
    #: header options for one filter; zone-pair targets get (from_zone, to_zone).
    header: Callable[[str, str, str], str]
    per_zone_pair: bool
    comment_limit: int | None = None
    ipv4_only: bool = False
    tcp_established_term: bool = False
    #: a first term accepting packets of connections already accepted (conntrack).
    established_term: bool = False


def _acl_name(site: str) -> str:
    return ("medsec-" + re.sub(r"[^A-Za-z0-9_-]+", "-", site).strip("-").lower())[:60]


LAYOUTS: dict[Target, _Layout] = {
    # nft refuses comments longer than 128 characters.
    Target.NFTABLES: _Layout("nftables", lambda s, f, t: "mixed forward", False, 128),
    Target.IPTABLES: _Layout(
        "speedway", lambda s, f, t: "FORWARD DROP", False, ipv4_only=True, established_term=True
    ),
    Target.CISCO: _Layout(
        "cisco",
        lambda s, f, t: f"{_acl_name(s)} extended",
        False,
        ipv4_only=True,
        tcp_established_term=True,
    ),
    Target.SRX: _Layout("srx", lambda s, f, t: f"from-zone {f} to-zone {t}", True),
    Target.PALOALTO: _Layout("paloalto", lambda s, f, t: f"from-zone {f} to-zone {t}", True),
}


def _definitions(rules: list[Rule]) -> dict[str, Any]:
    networks: dict[str, Any] = {}
    services: dict[str, Any] = {}
    for rule in rules:
        key = rule.name.upper().replace("-", "_")
        networks[f"{key}_SRC"] = {"values": [{"address": a} for a in rule.source]}
        networks[f"{key}_DST"] = {"values": [{"address": a} for a in rule.destination]}
        if rule.ports:
            services[f"{key}_PORTS"] = [
                {"port": str(s) if s == e else f"{s}-{e}", "protocol": rule.protocol}
                for s, e in rule.ports
            ]
    return {"networks": networks, "services": services}


def _term(rule: Rule, limit: int | None) -> dict[str, Any]:
    key = rule.name.upper().replace("-", "_")
    term: dict[str, Any] = {
        "name": rule.name,
        "comment": rule.comment(limit),
        "source-address": f"{key}_SRC",
        "destination-address": f"{key}_DST",
        "protocol": rule.protocol,
        "action": "accept",
    }
    if rule.ports:
        term["destination-port"] = f"{key}_PORTS"
    return term


DENY_COMMENT = "medsec: default deny, logged; only the authorized flows above pass"


def _filter(site: str, layout: _Layout, rules: list[Rule], zones: tuple[str, str]) -> Any:
    terms = [_term(r, layout.comment_limit) for r in rules]
    if layout.established_term:
        terms.insert(
            0,
            {
                "name": "established",
                "comment": "medsec: packets of connections accepted below (replies)",
                "option": "established",
                "action": "accept",
            },
        )
    if layout.tcp_established_term:
        terms.append(
            {
                "name": "tcp-return",
                "comment": "medsec: replies of the TCP connections accepted above",
                "protocol": "tcp",
                "option": "tcp-established",
                "action": "accept",
            }
        )
    terms.append(
        {"name": "default-deny", "comment": DENY_COMMENT, "action": "deny", "logging": "true"}
    )
    return {
        "header": {
            "targets": {layout.generator: layout.header(site, *zones)},
            "comment": f"medsec authorized flows of {site}"[:70],
        },
        "terms": terms,
    }


def ipv6_left_out(rules: RuleSet, target: Target) -> list[str]:
    """Flows of rules with IPv6 addresses that an IPv4-only target cannot carry."""
    if not LAYOUTS[target].ipv4_only:
        return []
    return list(
        dict.fromkeys(
            r.flow for r in rules.rules if any(":" in a for a in r.source + r.destination)
        )
    )


def render(rules: RuleSet, target: Target) -> str:
    """The configuration text for ``target``; aerleon failures become :class:`Error`."""
    from aerleon import api
    from aerleon.lib import naming

    layout = LAYOUTS[target]
    if layout.per_zone_pair:
        for zone in {z for pair in rules.zone_pairs() for z in pair}:
            if len(zone) > 31:
                raise Error(
                    f"zone name '{zone}' is longer than the 31 characters {target} allows",
                    hint="shorten the zone's name in the site file",
                )
        pairs = rules.zone_pairs()
        filters = [
            _filter(
                rules.site, layout, [r for r in rules.rules if (r.from_zone, r.to_zone) == p], p
            )
            for p in pairs
        ]
        if not filters:
            raise Error(
                f"no authorized flow crosses zones, so there is nothing to write for {target}",
                hint="check `medsec network flows` for to-dos and conflicts",
            )
    else:
        filters = [_filter(rules.site, layout, list(rules.rules), ("", ""))]
    definitions = naming.Naming()
    try:
        definitions.ParseDefinitionsObject(_definitions(list(rules.rules)), "medsec-site")
        out = api.Generate([{"filename": "medsec", "filters": filters}], definitions)
    except Exception as e:  # aerleon raises many unrelated types; report each as ours
        raise Error(
            f"aerleon could not render the {target} policy: {type(e).__name__}: {e}",
            hint="this is a bug in medsec's policy or a limit of the target; please report it",
        ) from e
    if not out:
        raise Error(f"aerleon produced no {target} output")
    text = next(iter(out.values()))
    if target is Target.NFTABLES:
        text = _dedupe_rule_lines(text)
    return text


def _dedupe_rule_lines(text: str) -> str:
    """aerleon's ``mixed`` nftables output repeats an IPv4-only rule line; keep one."""
    out: list[str] = []
    for line in text.splitlines():
        if out and line == out[-1] and line.strip() and not line.strip().startswith("}"):
            continue
        out.append(line)
    return "\n".join(out) + "\n"
