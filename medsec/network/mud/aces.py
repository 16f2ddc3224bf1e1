"""The normal form of a MUD access-control entry, shared by export, import and tests.

Two MUD files allow the same traffic when their sets of :class:`Ace` are equal: ACE and
ACL names, their order and the JSON layout do not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Policy = Literal["from-device", "to-device"]
PeerKind = Literal[
    "controller",
    "my-controller",
    "local-networks",
    "same-manufacturer",
    "manufacturer",
    "model",
    "dnsname",
    "network",
    "any",
]

#: IANA protocol numbers of the protocols a profile names.
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "sctp": 132}
PROTOCOL_NAMES = {number: name for name, number in PROTOCOL_NUMBERS.items()}

#: Controller classes RFC 8520 §8 registers by URN.
IETF_CONTROLLERS = {"ntp": "urn:ietf:params:mud:ntp", "dns": "urn:ietf:params:mud:dns"}
#: Controller URI medsec writes for a profile endpoint that has no registered class.
MEDSEC_CONTROLLER = "urn:medsec:endpoint:"


@dataclass(frozen=True, order=True)
class Ace:
    """One permitted match, in the terms RFC 8520/8519 use."""

    policy: Policy
    family: Literal["ipv4", "ipv6"]
    protocol: int | None
    src_ports: tuple[int, int] | None
    dst_ports: tuple[int, int] | None
    initiated: Policy | None
    peer: PeerKind
    peer_value: str
    action: Literal["accept", "drop", "reject"] = "accept"
