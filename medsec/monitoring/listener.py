"""The listener with the database behind it: intake → enrichment from the inventory →
database (or disk spool) → alerts.

:class:`DatabaseListener` wires :class:`~medsec.monitoring.intake.Intake` to a
:class:`~medsec.monitoring.store.SpoolingSink` and runs one maintenance task every
``maintenance_interval`` seconds, in a worker thread: refresh the inventory snapshot,
replay the spool, check the silence rules, and raise an alert when UDP datagrams were
dropped since the last round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from medsec.accounts.models import Organization
from medsec.db.engine import Database
from medsec.errors import NotFound
from medsec.monitoring.assets_db import DatabaseAssetDirectory, LiveEnricher
from medsec.monitoring.intake import Intake, IntakeConfig
from medsec.monitoring.spool import DiskSpool
from medsec.monitoring.store import AfterInsert, DatabaseStore, SpoolingSink

log = logging.getLogger(__name__)


def organization_id(db: Database, name: str | None) -> int:
    """The healthcare-provider organization the listener stores for."""
    with db.session() as session:
        stmt = select(Organization).where(Organization.kind != "manufacturer")
        orgs = session.execute(stmt.order_by(Organization.name)).scalars().all()
    if name is not None:
        for org in orgs:
            if org.name == name:
                return org.id
        raise NotFound(
            f"no healthcare-provider organization '{name}'",
            hint="give --organization the name of an organization that keeps an inventory",
        )
    if len(orgs) != 1:
        raise NotFound(
            f"{len(orgs)} healthcare-provider organizations; which one do the devices belong to?",
            hint="give --organization NAME",
        )
    return orgs[0].id


@dataclass
class DatabaseListener:
    db: Database
    organization_id: int
    config: IntakeConfig
    spool_path: Path
    maintenance_interval: float = 5.0
    after_insert: list[AfterInsert] = field(default_factory=list)
    #: Extra work for each maintenance round (the silence check), given the listener.
    periodic: list[Callable[[DatabaseListener], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.directory = DatabaseAssetDirectory(self.db, self.organization_id)
        self.enricher = LiveEnricher(self.directory)
        self.store = DatabaseStore(self.db, self.after_insert)
        self.spool = DiskSpool(self.spool_path, self.config.batch_size)
        self.sink = SpoolingSink(self.store, self.spool, self.organization_id)
        self.intake = Intake(self.config, self.enricher, self.sink)
        self._task: asyncio.Task[None] | None = None
        self.reported_drops = 0

    async def start(self) -> None:
        await asyncio.to_thread(self.maintain)
        await self.intake.start()
        self._task = asyncio.create_task(self._maintenance())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.intake.stop()
        await asyncio.to_thread(self.sink.drain)

    def maintain(self) -> None:
        self.directory.refresh()
        self.sink.drain()
        for work in self.periodic:
            try:
                work(self)
            except Exception:
                log.exception("listener maintenance failed")

    async def _maintenance(self) -> None:
        while True:
            await asyncio.sleep(self.maintenance_interval)
            await asyncio.to_thread(self.maintain)
