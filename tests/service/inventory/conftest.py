"""A hospital that holds the example infusion pump (published version 4.2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from medsec.accounts.actor import Actor
from medsec.accounts.roles import OrganizationKind, Role

PUMP_VENDOR = "Northwind Infusion Systems"


@dataclass
class Hospital:
    admin: Actor
    engineer: Actor
    auditor: Actor
    manufacturer: Actor
    manufacturer_admin: Actor
    pump_version: int
    site_id: int
    icu_zone: int


@pytest.fixture
def hospital(make: Any) -> Hospital:
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    pump = make.publish(psirt, make.upload(psirt))
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    admin = make.actor(make.user(clinic, Role.ADMIN, username="clinic-admin"))
    make.hold(admin, pump.product_id)
    site = make.site(admin, "Main campus", zones=("ICU", "Radiology"))
    icu = next(z.id for z in site.zones if z.name == "ICU")
    return Hospital(
        admin=admin,
        engineer=make.actor(make.user(clinic, Role.CLINICAL_ENGINEER, username="biomed")),
        auditor=make.actor(make.user(clinic, Role.AUDITOR, username="clinic-auditor")),
        manufacturer=psirt,
        manufacturer_admin=make.actor(make.user(maker, Role.ADMIN)),
        pump_version=pump.id,
        site_id=site.id,
        icu_zone=icu,
    )
