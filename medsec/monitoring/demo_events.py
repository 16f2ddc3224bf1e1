"""Live-looking device events for ``medsec demo``: each demo asset linked to a published
profile "sends" the sample message of every event of its catalog
(:mod:`medsec.monitoring.exports.samples`) from its first address, plus one message no
catalog describes; they go through the same enrichment and store as the listener's, with
one alert rule (severity 3 or worse) so the alerts page has something to acknowledge."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from medsec.db.engine import Database
from medsec.inventory.models import Asset
from medsec.monitoring.alerts import AlertEngine
from medsec.monitoring.assets_db import DatabaseAssetDirectory, LiveEnricher
from medsec.monitoring.exports.samples import samples
from medsec.monitoring.models import AlertRule
from medsec.monitoring.notify import Notifier, NotifierConfig
from medsec.monitoring.records import DeviceEventRecord
from medsec.monitoring.store import DatabaseStore
from medsec.monitoring.syslog.parser import read_message

UNCATALOGUED_SAMPLE = "<36>1 - - maintd - BATTERY-CAL - battery calibration overdue"


def seed_device_events(db: Database, organization_id: int, now: dt.datetime | None = None) -> int:
    """Store the demo events; how many were stored."""
    now = now or dt.datetime.now(dt.UTC)
    with db.session() as session:
        session.add(AlertRule(organization_id=organization_id, name="Critical device events",
                              kind="severity", max_severity=3))  # fmt: skip
        assets = session.execute(
            select(Asset).where(Asset.organization_id == organization_id,
                                Asset.profile_version_id.is_not(None)).order_by(Asset.id)
        ).scalars().all()  # fmt: skip
        sources = [a.ip_addresses[0] for a in assets if a.ip_addresses]
    directory = DatabaseAssetDirectory(db, organization_id)
    directory.refresh(force=True)
    enricher = LiveEnricher(directory)
    profiles = {ref.name: p for ref, p in directory.snapshot.profiles.items()}
    records: list[DeviceEventRecord] = []
    step = 0
    for source in sources:
        asset = directory.by_address(source)
        profile = profiles.get(asset.product) if asset is not None else None
        if profile is None:
            continue
        for line in [s.line for s in samples(profile)] + [UNCATALOGUED_SAMPLE]:
            step += 1
            when = now - dt.timedelta(minutes=7 * step)
            message = read_message(line.encode(), received=when, source=source)
            records.append(DeviceEventRecord.of(enricher.enrich(message), organization_id))
    engine = AlertEngine(db, Notifier(NotifierConfig()))
    store = DatabaseStore(db, [engine.after_insert])
    return len(store.insert(sorted(records, key=lambda r: r.received_at)))
