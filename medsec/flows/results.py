"""What a conformance check finds, as frozen records (JSON/CSV/table output reads these)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from medsec.flows.records import ReadReport


class ViolationClass(enum.StrEnum):
    """Why a flow is flagged, in the order a flow's primary class is chosen."""

    #: The asset has no authorized flow, in any direction, with this peer.
    UNEXPECTED_PEER = "unexpected-peer"
    #: The peer is authorized for the asset, but not on this protocol and port.
    UNEXPECTED_PORT = "unexpected-port"
    #: Peer, protocol and port are authorized, but the other side opens the connection.
    UNEXPECTED_DIRECTION = "unexpected-direction"
    #: The endpoints are in two zones and no conduit between them carries this service.
    NO_CONDUIT = "crosses-zones-without-conduit"
    #: An authorized flow marked PHI, observed with a cleartext protocol.
    CLEARTEXT_PHI = "cleartext-phi"
    #: A device declared isolated exchanged traffic with the internet.
    ISOLATED_INTERNET = "internet-from-isolated"


CLASS_ORDER = tuple(ViolationClass)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Violation:
    """Observed flows of one asset to/from one peer on one protocol/port, flagged."""

    asset: str
    direction: str
    peer: str
    peer_asset: str | None
    peer_zone: str | None
    peer_internet: bool
    protocol: str
    port: int | None
    services: tuple[str, ...]
    cls: ViolationClass
    classes: tuple[ViolationClass, ...]
    flows: int
    bytes: int
    first_seen: float
    last_seen: float

    def as_dict(self) -> dict[str, object]:
        return {
            "asset": self.asset,
            "direction": self.direction,
            "peer": self.peer,
            "peer_asset": self.peer_asset,
            "peer_zone": self.peer_zone,
            "peer_internet": self.peer_internet,
            "protocol": self.protocol,
            "port": self.port,
            "services": list(self.services),
            "class": self.cls.value,
            "classes": [c.value for c in self.classes],
            "flows": self.flows,
            "bytes": self.bytes,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
        }


@dataclass(frozen=True)
class Uninventoried:
    """An internal address seen in flows that no asset of the map has."""

    address: str
    zone: str | None
    kind: str | None
    #: Some authorized flow's peer CIDRs contain it (a known server, not a device?).
    known_peer: bool
    peers: int
    flows: int
    bytes: int
    first_seen: float
    last_seen: float

    def as_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "zone": self.zone,
            "kind": self.kind,
            "known_peer": self.known_peer,
            "peers": self.peers,
            "flows": self.flows,
            "bytes": self.bytes,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
        }


@dataclass(frozen=True)
class CheckResult:
    site: str
    reports: tuple[ReadReport, ...]
    #: Flows read (all files), and of those the ones with an inventoried endpoint.
    flows_read: int
    flows_checked: int
    violations: tuple[Violation, ...]
    uninventoried: tuple[Uninventoried, ...]

    @property
    def malformed(self) -> int:
        return sum(r.malformed_count for r in self.reports)

    @property
    def findings(self) -> bool:
        """Unauthorized flows, or uninventoried addresses no authorized flow names.

        An address inside some flow's peer CIDRs (an EHR server, a management subnet) is
        listed with ``known_peer`` but is not a finding by itself.
        """
        return bool(self.violations) or any(not u.known_peer for u in self.uninventoried)
