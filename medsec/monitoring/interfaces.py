"""The ports of monitoring: where assets are looked up and where received messages go.

Adapters: :mod:`medsec.monitoring.assets_file` (an assets map file, for the CLI) for
:class:`AssetDirectory`; :mod:`medsec.monitoring.sinks` (JSON lines) for :class:`Sink`.
Database adapters: :mod:`medsec.monitoring.assets_db` and :mod:`medsec.monitoring.store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from medsec.monitoring.enrich import EnrichedEvent


@dataclass(frozen=True)
class Asset:
    """A device on the hospital's network and the product version it runs."""

    id: str
    product: str
    version: str
    manufacturer: str | None = None
    name: str | None = None
    address: str | None = None
    hostname: str | None = None
    serial: str | None = None
    #: The inventory's link to the published profile version (database directory only).
    profile_version_id: int | None = None


class AssetDirectory(Protocol):
    """Finds the asset a message comes from."""

    def by_serial(self, serial: str) -> Asset | None: ...
    def by_address(self, address: str) -> Asset | None: ...
    def by_hostname(self, hostname: str) -> Asset | None: ...


class Sink(Protocol):
    """Stores enriched events in batches; a batch is written whole or raises."""

    def write(self, batch: Sequence[EnrichedEvent]) -> None: ...
