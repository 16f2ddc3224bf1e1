"""A hospital holding the example infusion pump, one pump in its inventory at 10.20.1.7,
and a store that writes device events for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from medsec.accounts.actor import Actor
from medsec.accounts.roles import OrganizationKind, Role
from medsec.monitoring.assets_db import DatabaseAssetDirectory, LiveEnricher
from medsec.monitoring.records import DeviceEventRecord
from medsec.monitoring.store import DatabaseStore
from medsec.monitoring.syslog.parser import read_message
from medsec.service import Instance

PUMP_VENDOR = "Northwind Infusion Systems"
PUMP_ADDRESS = "10.20.1.7"


@dataclass
class Ward:
    instance: Instance
    admin: Actor
    auditor: Actor
    other_admin: Actor
    asset_id: int
    site_id: int
    pump_version: int
    directory: DatabaseAssetDirectory

    def records(self, *lines: str, source: str = PUMP_ADDRESS) -> list[DeviceEventRecord]:
        self.directory.refresh(force=True)
        enricher = LiveEnricher(self.directory)
        return [
            DeviceEventRecord.of(
                enricher.enrich(read_message(line.encode(), source=source)),
                self.admin.organization_id,
            )
            for line in lines
        ]

    def store(
        self, *lines: str, store: DatabaseStore | None = None, source: str = PUMP_ADDRESS
    ) -> list[DeviceEventRecord]:
        records = self.records(*lines, source=source)
        (store or DatabaseStore(self.instance.db)).insert(records)
        return records


@pytest.fixture
def ward(make: Any, instance: Instance) -> Ward:
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    pump = make.publish(psirt, make.upload(psirt))
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    admin = make.actor(make.user(clinic, Role.ADMIN, username="clinic-admin"))
    make.hold(admin, pump.product_id)
    site = make.site(admin, "Main campus")
    asset = make.asset(admin, site.id, "NW123", vendor=PUMP_VENDOR, model="LVP-3000",
                       firmware_version="4.2.1", ip_addresses=[PUMP_ADDRESS])  # fmt: skip
    other = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Other clinic")
    return Ward(
        instance=instance,
        admin=admin,
        auditor=make.actor(make.user(clinic, Role.AUDITOR, username="clinic-auditor")),
        other_admin=make.actor(make.user(other, Role.ADMIN, username="other-admin")),
        asset_id=asset.id,
        site_id=site.id,
        pump_version=pump.id,
        directory=DatabaseAssetDirectory(instance.db, clinic.id),
    )
