"""The site model: zones, conduits, assets and endpoint bindings of one hospital site.

A *site* is what a hospital keeps in version control (``medsec network`` reads it from
YAML, see :mod:`medsec.network.site_yaml`) and what the inventory database exports:

* **zones** in the IEC 62443 sense: a purpose, a target security level (SL 1–4), the
  CIDRs and VLANs they cover; one zone may stand for the internet;
* **conduits** between two zones, each listing the services it permits (by IANA name,
  protocol and ports), one-way (``from_zone`` opens connections to ``to_zone``) or
  bidirectional;
* **assets** placed in a zone, with addresses and a reference to the Product Security
  Profile of their product version;
* **bindings** of the profiles' abstract endpoints ("PACS", "NTP", "syslog collector"…)
  to assets, CIDRs or DNS names: site-wide defaults and per-asset overrides.

>>> site = Site(site="Demo", zones=[Zone(name="lan", security_level=2, cidrs=["10.0.0.0/8"])])
>>> site.zone("lan").contains("10.1.2.3")
True
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from medsec.errors import NotFound
from medsec.profiles.psp import Identifier

Name = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    Field(description="Letters, digits, '.', '_' or '-', at most 64, as in a profile id."),
]
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)(\*\.)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$"
)


class SiteSection(BaseModel):
    """Base of the site models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _network(value: str) -> IpNetwork:
    """``10.0.0.0/8`` or a single address (``10.0.0.5`` → ``10.0.0.5/32``)."""
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as e:
        if "has host bits set" in str(e):
            raise ValueError(
                f"{value} has host bits set; write the network address "
                f"({ipaddress.ip_network(value, strict=False)})"
            ) from e
        raise ValueError(f"{value!r} is not an IPv4/IPv6 network (CIDR)") from e


def _networks(values: list[str]) -> list[str]:
    return [str(_network(v)) for v in values]


def _dns_names(values: list[str]) -> list[str]:
    for value in values:
        if not _DNS_NAME.match(value):
            raise ValueError(f"{value!r} is not a DNS name")
    return [v.rstrip(".").lower() for v in values]


class PortSpan(SiteSection):
    """An inclusive port range; written ``443`` or ``"1024-65535"`` in YAML."""

    start: int = Field(ge=1, le=65535)
    end: int = Field(ge=1, le=65535)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("a port is a number 1–65535 or a range 'LOW-HIGH'")
        if isinstance(value, int):
            return {"start": value, "end": value}
        if isinstance(value, str):
            low, sep, high = value.partition("-")
            if not (low.strip().isdigit() and (not sep or high.strip().isdigit())):
                raise ValueError(f"{value!r} is not a port or a range 'LOW-HIGH'")
            return {"start": int(low), "end": int(high) if sep else int(low)}
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"start": value[0], "end": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start > self.end:
            raise ValueError(f"port range {self.start}-{self.end} ends before it starts")
        return self

    @model_serializer
    def _as_text(self) -> int | str:
        return self.start if self.start == self.end else f"{self.start}-{self.end}"

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The forms the YAML takes, not the internal {start, end}."""
        return {
            "description": "A port (443) or an inclusive range ('1024-65535').",
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {"type": "string", "pattern": r"^\s*\d{1,5}\s*(-\s*\d{1,5}\s*)?$"},
                {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
            ],
        }

    def covers(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


class Zone(SiteSection):
    """A network zone (IEC 62443-3-2): assets with common security requirements."""

    name: Name
    purpose: str | None = Field(default=None, description="What the zone is for.")
    security_level: int = Field(ge=1, le=4, description="Target security level SL-T 1–4.")
    cidrs: list[str] = Field(default_factory=list, description="Networks the zone covers.")
    vlans: list[int] = Field(default_factory=list, description="802.1Q VLAN ids (1–4094).")
    internet: bool = Field(
        default=False,
        description="True: the zone stands for the internet (everything outside the private "
        "ranges when cidrs is empty).",
    )

    _cidrs = field_validator("cidrs")(_networks)

    @field_validator("vlans")
    @classmethod
    def _vlan_ids(cls, values: list[int]) -> list[int]:
        for v in values:
            if not 1 <= v <= 4094:
                raise ValueError(f"{v} is not a VLAN id (1–4094)")
        return values

    def networks(self) -> list[IpNetwork]:
        return [ipaddress.ip_network(c) for c in self.cidrs]

    def contains(self, address: str) -> bool:
        """True when ``address`` (an address or a CIDR) lies inside one of the zone's CIDRs."""
        net = ipaddress.ip_network(address, strict=False)
        if self.internet and not self.cidrs:
            return bool(net.is_global)
        return any(
            net.version == zone_net.version and net.subnet_of(zone_net)  # type: ignore[arg-type]
            for zone_net in self.networks()
        )


class ConduitService(SiteSection):
    """A service a conduit lets through: by IANA name, by protocol and ports, or both."""

    name: str | None = Field(default=None, description="IANA service name, e.g. dicom.")
    protocol: Literal["tcp", "udp", "icmp", "any"] = "any"
    ports: list[PortSpan] = Field(
        default_factory=list, description="Empty: every port of the protocol."
    )

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.name is None and self.protocol == "any":
            raise ValueError("give a service name, a protocol, or both")
        if self.protocol == "icmp" and self.ports:
            raise ValueError("icmp has no ports")
        return self

    def permits(self, name: str, protocol: str, start: int, end: int) -> bool:
        if self.name is not None and self.name != name:
            return False
        if self.protocol not in ("any", protocol):
            return False
        if protocol == "icmp" or not self.ports:
            return True
        return any(p.covers(start, end) for p in self.ports)


class Conduit(SiteSection):
    """A permitted path between two zones (IEC 62443-3-2)."""

    name: Name
    from_zone: Name = Field(description="Zone whose members open the connections.")
    to_zone: Name
    bidirectional: bool = Field(
        default=False, description="True: members of to_zone may open them too."
    )
    services: list[ConduitService] = Field(min_length=1)
    description: str | None = None

    def permits(
        self, initiator: str, responder: str, name: str, protocol: str, start: int, end: int
    ) -> bool:
        forward = (self.from_zone, self.to_zone) == (initiator, responder)
        backward = self.bidirectional and (self.to_zone, self.from_zone) == (initiator, responder)
        return (forward or backward) and any(
            s.permits(name, protocol, start, end) for s in self.services
        )


class ProfileRef(SiteSection):
    """Which Product Security Profile describes an asset.

    Either ``path`` (relative to the site file) or ``product`` + ``version`` (looked up
    among the profiles medsec is given, e.g. ``--profiles DIR`` or the database).
    """

    path: str | None = None
    product: str | None = None
    version: str | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.path is None and (self.product is None or self.version is None):
            raise ValueError("give path, or product and version")
        if self.path is not None and (self.product or self.version):
            raise ValueError("give path, or product and version, not both")
        return self

    def __str__(self) -> str:
        return self.path if self.path is not None else f"{self.product} {self.version}"


class Binding(SiteSection):
    """What a profile's abstract endpoint is at this site."""

    assets: list[Name] = Field(default_factory=list, description="Asset names of the site.")
    cidrs: list[str] = Field(default_factory=list)
    dns_names: list[str] = Field(default_factory=list)
    zone: Name | None = Field(
        default=None,
        description="Zone of the CIDRs/DNS names when it cannot be read from the addresses "
        "(e.g. internet for a manufacturer's cloud).",
    )

    _cidrs = field_validator("cidrs")(_networks)
    _names = field_validator("dns_names")(_dns_names)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not (self.assets or self.cidrs or self.dns_names):
            raise ValueError("bind the endpoint to assets, cidrs or dns_names")
        return self


class Asset(SiteSection):
    """A device or system of the site, placed in one zone."""

    name: Name
    zone: Name
    addresses: list[str] = Field(default_factory=list)
    profile: ProfileRef | None = Field(
        default=None, description="Absent for assets that only serve as endpoints."
    )
    enable: list[Identifier] = Field(
        default_factory=list,
        description="Ids of profile services that are off by default and turned on here.",
    )
    disable: list[Identifier] = Field(
        default_factory=list, description="Ids of profile services turned off here."
    )
    ports: dict[Identifier, int] = Field(
        default_factory=dict,
        description="Configured port per service id, where it differs from the default.",
    )
    bindings: dict[Identifier, Binding] = Field(
        default_factory=dict, description="Endpoint bindings for this asset only."
    )
    isolated: bool = Field(
        default=False, description="True: the asset must not talk beyond its zone."
    )

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        out = []
        for value in values:
            try:
                out.append(str(ipaddress.ip_address(value)))
            except ValueError as e:
                raise ValueError(f"{value!r} is not an IPv4/IPv6 address") from e
        return out

    @field_validator("ports")
    @classmethod
    def _port_numbers(cls, values: dict[str, int]) -> dict[str, int]:
        for service, port in values.items():
            if not 1 <= port <= 65535:
                raise ValueError(f"{service}: {port} is not a port (1–65535)")
        return values

    def host_cidrs(self) -> list[str]:
        return [str(ipaddress.ip_network(a)) for a in self.addresses]


class Site(SiteSection):
    """One hospital site: what ``site.yaml`` holds, ``site_version: 1``."""

    site_version: Literal[1] = 1
    site: str = Field(min_length=1, description="The site's name.")
    zones: list[Zone] = Field(default_factory=list)
    conduits: list[Conduit] = Field(default_factory=list)
    assets: list[Asset] = Field(default_factory=list)
    bindings: dict[Identifier, Binding] = Field(
        default_factory=dict, description="Site-wide endpoint bindings, by endpoint id."
    )

    def zone(self, name: str) -> Zone:
        found = next((z for z in self.zones if z.name == name), None)
        if found is None:
            raise NotFound(f"site {self.site}: no zone named '{name}'")
        return found

    def asset(self, name: str) -> Asset | None:
        return next((a for a in self.assets if a.name == name), None)

    def zone_of(self, cidr: str) -> Zone | None:
        """The zone whose CIDRs hold ``cidr`` (the most specific one), else the internet zone."""
        net = ipaddress.ip_network(cidr, strict=False)
        best: tuple[int, Zone] | None = None
        for zone in self.zones:
            for zone_net in zone.networks():
                if zone_net.version == net.version and net.subnet_of(zone_net):  # type: ignore[arg-type]
                    if best is None or zone_net.prefixlen > best[0]:
                        best = (zone_net.prefixlen, zone)
        if best is not None:
            return best[1]
        return next((z for z in self.zones if z.internet and not z.cidrs), None)

    def binding(self, asset: Asset, endpoint: str) -> Binding | None:
        """The asset's own binding of ``endpoint``, else the site's default."""
        return asset.bindings.get(endpoint) or self.bindings.get(endpoint)
