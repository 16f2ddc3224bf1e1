"""The database side of the intake: device events inserted in batches, idempotently.

* :class:`DatabaseStore` inserts records idempotently (``ON CONFLICT (message_id) DO
  NOTHING``), in one transaction per batch: on PostgreSQL the batch is ``COPY``-ed into a
  temporary table and moved over with one ``INSERT … SELECT … RETURNING`` (a multi-row
  ``INSERT`` costs a round trip and a statement per few rows); on SQLite it is one
  ``executemany``. In the same
  transaction it applies the identity fields of ``medsec-identity@32473`` structured data
  to the inventory (:func:`medsec.inventory.identity.report_identity`, so a firmware
  change is an asset event and an audit event) and evaluates the alert rules
  (:mod:`medsec.monitoring.alerts`); notifications go out after the commit.
* :class:`SpoolingSink` is the intake's :class:`~medsec.monitoring.interfaces.Sink`:
  when the database cannot be reached it appends the batch to the disk spool
  (:mod:`medsec.monitoring.spool`) and returns; the spool is replayed, in order and before
  any newer batch, as soon as the database answers again (at the next batch, or from
  :meth:`SpoolingSink.drain`, which the listener calls every few seconds).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Permission, Role
from medsec.db.engine import Database
from medsec.errors import Error
from medsec.inventory import identity as inventory_identity
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset as AssetRow
from medsec.inventory.schemas import IdentityIn
from medsec.monitoring.enrich import EnrichedEvent
from medsec.monitoring.models import DeviceEvent
from medsec.monitoring.records import COLUMNS, DeviceEventRecord
from medsec.monitoring.spool import DiskSpool
from medsec.products.models import ProfileVersion

log = logging.getLogger(__name__)

#: Called after a batch is inserted, in its transaction, with the new rows' ids; returns
#: what to do once the transaction is committed (notifications).
AfterInsert = Callable[[Session, list[tuple[int, DeviceEventRecord]]], list[Callable[[], None]]]


def _insert(engine: Engine):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "postgresql":
        return postgresql.insert(DeviceEvent).on_conflict_do_nothing(index_elements=["message_id"])
    if engine.dialect.name == "sqlite":
        return sqlite.insert(DeviceEvent).on_conflict_do_nothing(index_elements=["message_id"])
    return insert(DeviceEvent)  # pragma: no cover — only the two supported databases


_STAGING = "device_events_intake"


def _copy_insert(session: Session, records: Sequence[DeviceEventRecord]) -> list[Any]:
    """PostgreSQL: ``COPY`` into a session-local staging table, then one idempotent
    ``INSERT … SELECT``; the new rows' (id, message_id)."""
    driver: Any = session.connection().connection.driver_connection  # psycopg.Connection
    columns = ", ".join(COLUMNS)
    with driver.cursor() as cursor:
        staging = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS "  # noqa: S608
                   f"AS SELECT {columns} FROM device_events WITH NO DATA")  # fmt: skip
        cursor.execute(staging)
        with cursor.copy(f"COPY {_STAGING} ({columns}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record.copy_row())
        move = (f"INSERT INTO device_events ({columns}, stored_at) "  # noqa: S608
                f"SELECT {columns}, now() FROM {_STAGING} "
                "ON CONFLICT (message_id) DO NOTHING RETURNING id, message_id")  # fmt: skip
        cursor.execute(move)
        rows: list[Any] = cursor.fetchall()  # the staging rows go at commit
    return rows


def monitor_actor(session: Session, organization_id: int, source: str | None) -> Actor:
    """The listener acting for an organization: it may only report identities."""
    org = session.get(Organization, organization_id)
    kind = OrganizationKind(org.kind) if org is not None else OrganizationKind.HEALTHCARE_PROVIDER
    return Actor(
        0, "syslog", organization_id, kind, Role.ADMIN, ip=source,
        token_scopes=frozenset({str(Permission.INVENTORY_REPORT_IDENTITY)}),
    )  # fmt: skip


def apply_identity(session: Session, record: DeviceEventRecord) -> bool:
    """Report the identity fields of ``record`` to the inventory when they say something
    new (an unknown serial, another vendor, model or firmware); True when reported."""
    found = record.identity()
    if found is None or not found.get("serial"):
        return False
    serial = found["serial"].strip()
    asset = inventory.asset_by_serial(session, record.organization_id, serial)
    if asset is not None and (
        found.get("vendor", asset.vendor) == asset.vendor
        and found.get("model", asset.model) == asset.model
        and found.get("firmware", asset.firmware_version) == asset.firmware_version
    ):
        return False
    report = IdentityIn(
        serial=serial,
        vendor=found.get("vendor") or (asset.vendor if asset else ""),
        model=found.get("model") or (asset.model if asset else ""),
        firmware_version=found.get("firmware"),
        hostname=record.hostname if asset is None else None,
        ip_addresses=[record.source_address] if asset is None and record.source_address else [],
    )
    actor = monitor_actor(session, record.organization_id, record.source_address)
    try:
        with session.begin_nested():
            inventory_identity.report_identity(session, actor, report)
    except Error as e:
        log.warning("identity in a message from %s not applied: %s", record.source_address, e)
        return False
    return True


def _existing_links(
    session: Session, records: Sequence[DeviceEventRecord]
) -> Sequence[DeviceEventRecord]:
    """The records with links to assets or profile versions deleted since the snapshot
    was read cleared (the insert would fail on the foreign key, again and again)."""
    assets = {r.asset_id for r in records if r.asset_id is not None}
    versions = {r.profile_version_id for r in records if r.profile_version_id is not None}
    if not assets and not versions:
        return records
    live_assets = set(session.execute(select(AssetRow.id).where(AssetRow.id.in_(assets))).scalars())
    live_versions = set(session.execute(
        select(ProfileVersion.id).where(ProfileVersion.id.in_(versions))
    ).scalars())  # fmt: skip
    if assets <= live_assets and versions <= live_versions:
        return records
    return [
        r._replace(
            asset_id=r.asset_id if r.asset_id in live_assets else None,
            profile_version_id=r.profile_version_id if r.profile_version_id in live_versions
            else None,
        )
        for r in records
    ]  # fmt: skip


@dataclass
class StoreStats:
    inserted: int = 0
    duplicates: int = 0
    identities: int = 0


class DatabaseStore:
    def __init__(self, db: Database, after_insert: Sequence[AfterInsert] = ()) -> None:
        self.db = db
        self.after_insert = list(after_insert)
        self.stats = StoreStats()

    def insert(self, records: Sequence[DeviceEventRecord]) -> list[tuple[int, DeviceEventRecord]]:
        """Insert ``records`` (those already stored are skipped); the new rows' ids."""
        if not records:
            return []
        postgres = self.db.engine.dialect.name == "postgresql"
        statement = _insert(self.db.engine).returning(DeviceEvent.id, DeviceEvent.message_id)
        later: list[Callable[[], None]] = []
        with self.db.session() as session:
            records = _existing_links(session, records)
            by_id = {r.message_id: r for r in records}
            if postgres:
                rows = _copy_insert(session, records)
            else:
                rows = list(session.execute(statement, [r.row() for r in records]).all())
            inserted = sorted((row_id, by_id[message_id]) for row_id, message_id in rows)
            for _, record in inserted:
                self.stats.identities += apply_identity(session, record)
            for hook in self.after_insert:
                later.extend(hook(session, inserted))
        self.stats.inserted += len(inserted)
        self.stats.duplicates += len(records) - len(inserted)
        for action in later:
            try:
                action()
            except Exception:
                log.exception("an alert notification failed")
        return inserted

    def count(self) -> int:
        from sqlalchemy import func

        with self.db.session() as session:
            return session.execute(select(func.count(DeviceEvent.id))).scalar_one()


@dataclass
class SpoolStats:
    spooled: int = 0
    replayed: int = 0
    database_failures: int = 0


class SpoolingSink:
    """A :class:`~medsec.monitoring.interfaces.Sink` that stores into the database and
    spools to disk while the database is unreachable."""

    def __init__(self, store: DatabaseStore, spool: DiskSpool, organization_id: int) -> None:
        self.store = store
        self.spool = spool
        self.organization_id = organization_id
        self.stats = SpoolStats()
        self._lock = threading.Lock()

    def write(self, batch: Sequence[EnrichedEvent]) -> None:
        records = [DeviceEventRecord.of(e, self.organization_id) for e in batch]
        with self._lock:
            if self.spool.pending and not self._drain():
                self._spool(records)
                return
            try:
                self.store.insert(records)
            except (OperationalError, InterfaceError) as e:
                self.stats.database_failures += 1
                log.warning("database unavailable (%s); spooling %d events", e.orig, len(records))
                self._spool(records)

    def _spool(self, records: list[DeviceEventRecord]) -> None:
        self.spool.append(records)  # an OSError propagates: the intake retries the batch
        self.stats.spooled += len(records)

    def _drain(self) -> bool:
        try:
            for batch in self.spool.batches():
                self.store.insert(batch)
                self.stats.replayed += len(batch)
        except (OperationalError, InterfaceError):
            self.stats.database_failures += 1
            return False
        self.spool.clear()
        log.info("spool replayed into the database")
        return True

    def drain(self) -> bool:
        """Replay the spool if there is one; True when it is empty afterwards."""
        with self._lock:
            return not self.spool.pending or self._drain()
