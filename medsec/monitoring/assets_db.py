"""The inventory as an :class:`~medsec.monitoring.interfaces.AssetDirectory`, and the
catalogs of the published profile versions its assets are linked to.

A :class:`Snapshot` is read in one go — the organization's assets (serial, addresses,
host name, linked profile version) and the profiles of those versions, each parsed once —
and kept in memory: lookups never touch the database, so a database outage does not slow
attribution. :meth:`DatabaseAssetDirectory.refresh` reads a new snapshot when the old one
is older than ``ttl`` seconds (the listener calls it from a worker thread); when the
database cannot be read the old snapshot stays in use.

Only *published* profile versions count: a draft may still change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from medsec.db.engine import Database
from medsec.errors import Error
from medsec.inventory.models import Asset as AssetRow
from medsec.monitoring.assets_file import _address_key
from medsec.monitoring.catalog import Catalog, ProductRef
from medsec.monitoring.enrich import EnrichedEvent, Enricher
from medsec.monitoring.interfaces import Asset
from medsec.monitoring.syslog.message import SyslogMessage
from medsec.products.models import ProfileVersion
from medsec.profiles.loader import load_profile_text
from medsec.profiles.psp import ProductSecurityProfile

log = logging.getLogger(__name__)
DEFAULT_TTL = 30.0


@dataclass(frozen=True)
class Snapshot:
    catalog: Catalog
    assets: tuple[Asset, ...] = ()
    by_serial: dict[str, Asset] = field(default_factory=dict)
    by_address: dict[str, Asset] = field(default_factory=dict)
    by_hostname: dict[str, Asset] = field(default_factory=dict)
    profile_versions: dict[ProductRef, int] = field(default_factory=dict)
    profiles: dict[ProductRef, ProductSecurityProfile] = field(default_factory=dict)


def read_snapshot(db: Database, organization_id: int) -> Snapshot:
    with db.session() as session:
        rows = session.execute(
            select(AssetRow).where(AssetRow.organization_id == organization_id)
        ).scalars().all()  # fmt: skip
        linked = {a.profile_version_id for a in rows if a.profile_version_id is not None}
        versions = session.execute(
            select(ProfileVersion.id, ProfileVersion.source, ProfileVersion.filename).where(
                ProfileVersion.id.in_(linked), ProfileVersion.status == "published"
            )
        ).all() if linked else []  # fmt: skip
        profiles: dict[int, ProductSecurityProfile] = {}
        for version_id, source, filename in versions:
            try:
                profiles[version_id] = load_profile_text(source, filename)
            except Error as e:  # stored profiles were valid; a newer model may disagree
                log.warning("profile version %d not usable for monitoring: %s", version_id, e)
        refs = {vid: ProductRef.of(p) for vid, p in profiles.items()}
        unique: dict[ProductRef, ProductSecurityProfile] = {}
        for vid, profile in profiles.items():
            unique.setdefault(refs[vid], profile)
        assets: list[Asset] = []
        for a in rows:
            ref = refs.get(a.profile_version_id) if a.profile_version_id is not None else None
            assets.append(Asset(
                id=str(a.id),
                product=ref.name if ref else a.model,
                version=ref.version if ref else (a.firmware_version or ""),
                manufacturer=ref.manufacturer if ref else a.vendor,
                name=a.hostname or a.serial,
                address=a.ip_addresses[0] if a.ip_addresses else None,
                hostname=a.hostname,
                serial=a.serial,
                profile_version_id=a.profile_version_id if ref else None,
            ))  # fmt: skip
    by_address: dict[str, Asset] = {}
    for asset, row in zip(assets, rows, strict=True):
        for ip in row.ip_addresses or ():
            by_address.setdefault(_address_key(ip), asset)
    return Snapshot(
        catalog=Catalog(unique.values()),
        assets=tuple(assets),
        by_serial={a.serial: a for a in assets if a.serial},
        by_address=by_address,
        by_hostname={a.hostname.casefold(): a for a in assets if a.hostname},
        profile_versions={ref: vid for vid, ref in refs.items()},
        profiles=unique,
    )


class DatabaseAssetDirectory:
    def __init__(self, db: Database, organization_id: int, ttl: float = DEFAULT_TTL) -> None:
        self.db = db
        self.organization_id = organization_id
        self.ttl = ttl
        self.snapshot = Snapshot(Catalog([]))
        self._read_at: float | None = None

    def refresh(self, *, force: bool = False) -> bool:
        """Read a new snapshot if the current one is stale; False when the database could
        not be read (the old snapshot stays)."""
        now = time.monotonic()
        if not force and self._read_at is not None and now - self._read_at < self.ttl:
            return True
        try:
            self.snapshot = read_snapshot(self.db, self.organization_id)
        except (OperationalError, InterfaceError) as e:
            log.warning("cannot read the inventory (%s); attributing with the last one", e.orig)
            return False
        self._read_at = now
        return True

    @property
    def catalog(self) -> Catalog:
        return self.snapshot.catalog

    def by_serial(self, serial: str) -> Asset | None:
        return self.snapshot.by_serial.get(serial)

    def by_address(self, address: str) -> Asset | None:
        return self.snapshot.by_address.get(_address_key(address))

    def by_hostname(self, hostname: str) -> Asset | None:
        return self.snapshot.by_hostname.get(hostname.casefold())


class LiveEnricher(Enricher):
    """An :class:`Enricher` that follows the directory's latest catalog."""

    def __init__(self, directory: DatabaseAssetDirectory) -> None:
        super().__init__(directory.catalog, directory)
        self.directory = directory

    def enrich(self, message: SyslogMessage) -> EnrichedEvent:
        self.catalog = self.directory.catalog
        return super().enrich(message)
