"""The authorized flow map (interchange version 1), as printed by
``medsec network flows --format json`` and read by ``medsec flows check --authorized``.

A bad map is refused as a whole with every problem found, each named by file and JSON
pointer (``map.json: /flows/3/ports/0: start 443 is after end 80``).

>>> m = parse_map({"map_version": 1, "site": "s", "zones": [], "conduits": [],
...     "assets": [{"name": "a", "addresses": ["10.0.0.1"], "zone": None}],
...     "flows": []}, "inline")
>>> m.assets[0].addresses
('10.0.0.1',)
"""

from __future__ import annotations

import functools
import ipaddress
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medsec.flows.errors import FlowMapError

Protocol = Literal["tcp", "udp", "icmp"]
PortRange = tuple[int, int]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


@functools.lru_cache(maxsize=65536)
def _cidr(value: str) -> str:
    """Canonical CIDR text; cached, since a site's maps repeat the same few peers."""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4/IPv6 CIDR") from None


def _cidrs(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_cidr(value) for value in values)


def _ports(ranges: tuple[PortRange, ...]) -> tuple[PortRange, ...]:
    for start, end in ranges:
        if not (0 <= start <= 65535 and 0 <= end <= 65535):
            raise ValueError(f"[{start}, {end}] is not within 0–65535")
        if start > end:
            raise ValueError(f"start {start} is after end {end}")
    return ranges


class Zone(_Model):
    name: str
    cidrs: tuple[str, ...] = ()
    internet: bool = False

    _check_cidrs = field_validator("cidrs")(_cidrs)


class Asset(_Model):
    name: str
    addresses: tuple[str, ...]
    zone: str | None = None
    isolated: bool = False
    product: str | None = None
    version: str | None = None

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for value in values:
            try:
                out.append(str(ipaddress.ip_address(value)))
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address") from None
        return tuple(out)


class AuthorizedFlow(_Model):
    id: str
    asset: str
    direction: Literal["outbound", "inbound"]
    protocol: Protocol
    ports: tuple[PortRange, ...] = ()
    peer_cidrs: tuple[str, ...]
    peer_names: tuple[str, ...] = ()
    service: str | None = None
    phi: bool = False
    encrypted: bool = False
    source: str | None = None

    _check_cidrs = field_validator("peer_cidrs")(_cidrs)
    _check_ports = field_validator("ports")(_ports)


class ConduitService(_Model):
    protocol: Protocol
    ports: tuple[PortRange, ...] = ()

    _check_ports = field_validator("ports")(_ports)


class Conduit(_Model):
    name: str
    from_zone: str
    to_zone: str
    services: tuple[ConduitService, ...] = ()


class AuthorizedMap(_Model):
    map_version: Literal[1]
    site: str = ""
    zones: tuple[Zone, ...] = ()
    assets: tuple[Asset, ...] = ()
    flows: tuple[AuthorizedFlow, ...] = ()
    conduits: tuple[Conduit, ...] = Field(default=())

    def asset(self, name: str) -> Asset | None:
        return next((a for a in self.assets if a.name == name), None)

    def asset_at(self, address: str) -> Asset | None:
        canonical = str(ipaddress.ip_address(address))
        return next((a for a in self.assets if canonical in a.addresses), None)


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def _references(m: AuthorizedMap) -> list[str]:
    """Problems no single field shows: names that point nowhere, ICMP with ports."""
    problems = []
    zones = {z.name for z in m.zones}
    assets = {a.name for a in m.assets}
    seen: dict[str, str] = {}
    for i, a in enumerate(m.assets):
        if a.zone is not None and a.zone not in zones:
            problems.append(f"/assets/{i}/zone: no zone named {a.zone!r}")
        for address in a.addresses:
            if address in seen and seen[address] != a.name:
                problems.append(f"/assets/{i}/addresses: {address} is also asset {seen[address]!r}")
            seen[address] = a.name
    for i, f in enumerate(m.flows):
        if f.asset not in assets:
            problems.append(f"/flows/{i}/asset: no asset named {f.asset!r}")
        if f.protocol == "icmp" and f.ports:
            problems.append(f"/flows/{i}/ports: icmp flows have no ports (use [])")
        if f.protocol != "icmp" and not f.ports:
            problems.append(f"/flows/{i}/ports: a {f.protocol} flow needs port ranges")
    for i, c in enumerate(m.conduits):
        problems.extend(
            f"/conduits/{i}/{key}: no zone named {zone!r}"
            for key, zone in (("from_zone", c.from_zone), ("to_zone", c.to_zone))
            if zone not in zones
        )
    return problems


def parse_map(data: Any, source: str) -> AuthorizedMap:
    """Validate an already-parsed JSON document; :class:`FlowMapError` lists every problem."""
    try:
        m = AuthorizedMap.model_validate(data)
    except ValidationError as e:
        lines = [f"{source}: {_pointer(err['loc'])}: {err['msg']}" for err in e.errors()]
        raise FlowMapError(
            f"{source}: {len(lines)} problem{'s' if len(lines) != 1 else ''} in the flow map\n"
            + "\n".join(lines),
            hint="the map is the JSON `medsec network flows --format json` prints (map_version 1)",
        ) from e
    problems = _references(m)
    if problems:
        raise FlowMapError(
            f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} "
            "in the flow map\n" + "\n".join(f"{source}: {p}" for p in problems)
        )
    return m


def load_map(path: Path) -> AuthorizedMap:
    """Read and validate a map file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise FlowMapError(f"{path}: cannot read the flow map: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise FlowMapError(f"{path}: the flow map is not UTF-8 ({e.reason})") from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise FlowMapError(
            f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}",
            hint="produce it with `medsec network flows --site SITE --format json`",
        ) from e
    return parse_map(data, str(path))
