"""An :class:`~medsec.monitoring.interfaces.AssetDirectory` read from an assets map file
(YAML or JSON), for the CLI until the inventory holds the assets::

    assets:
      - id: icu-pump-07
        product: Northwind LVP 3000      # the profile's product.name
        version: "4.2.1"                 # the profile's product.version
        manufacturer: Northwind Infusion Systems   # optional, when names collide
        address: 10.20.1.7               # any of address, hostname, serial
        hostname: lvp-icu-07
        serial: NW123

Addresses are compared as IP addresses (``::ffff:10.20.1.7`` is ``10.20.1.7``), host
names case-insensitively, serials exactly. A value claimed by two assets is an error.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from medsec.errors import DocumentError, Problem
from medsec.monitoring.interfaces import Asset
from medsec.profiles.loader import parse_document, read_text


class _AssetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    product: str = Field(min_length=1)
    version: str = Field(min_length=1)
    manufacturer: str | None = None
    name: str | None = None
    address: str | None = None
    hostname: str | None = None
    serial: str | None = None


class _AssetsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    assets: list[_AssetEntry]


def _address_key(text: str) -> str:
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return text.casefold()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


class FileAssetDirectory:
    def __init__(self, assets: list[Asset]) -> None:
        self.assets = assets
        self._serial = {a.serial: a for a in assets if a.serial}
        self._address = {_address_key(a.address): a for a in assets if a.address}
        self._hostname = {a.hostname.casefold(): a for a in assets if a.hostname}

    @classmethod
    def empty(cls) -> FileAssetDirectory:
        return cls([])

    @classmethod
    def load(cls, path: Path) -> FileAssetDirectory:
        parsed = parse_document(read_text(path), str(path))
        source = parsed.source
        try:
            document = _AssetsFile.model_validate(parsed.data)
        except pydantic.ValidationError as e:
            raise DocumentError(
                str(path),
                [source.problem(tuple(err["loc"]), err["msg"]) for err in e.errors()],
            ) from e
        problems: list[Problem] = []
        seen: dict[tuple[str, str], int] = {}
        for i, entry in enumerate(document.assets):
            keys = {
                "id": entry.id,
                "address": _address_key(entry.address) if entry.address else None,
                "hostname": entry.hostname.casefold() if entry.hostname else None,
                "serial": entry.serial,
            }
            for field, value in keys.items():
                if value is None:
                    continue
                if (field, value) in seen:
                    problems.append(source.problem(
                        ("assets", i, field),
                        f"{field} {value!r} is already that of asset "
                        f"{document.assets[seen[(field, value)]].id!r}",
                    ))  # fmt: skip
                seen[(field, value)] = i
        if problems:
            raise DocumentError(str(path), problems)
        return cls([Asset(**entry.model_dump()) for entry in document.assets])

    def by_serial(self, serial: str) -> Asset | None:
        return self._serial.get(serial)

    def by_address(self, address: str) -> Asset | None:
        return self._address.get(_address_key(address))

    def by_hostname(self, hostname: str) -> Asset | None:
        return self._hostname.get(hostname.casefold())
