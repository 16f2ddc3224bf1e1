"""A manufacturer with a draft and a published pump version, a hospital holding it, an
asset of the hospital, a second hospital; SBOM documents to attach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from medsec.accounts.actor import Actor
from medsec.accounts.roles import OrganizationKind, Role


@dataclass
class World:
    psirt: Actor
    maker_auditor: Actor
    draft: int
    published: int
    analyst: Actor
    engineer: Actor
    auditor: Actor
    asset: int
    other_hospital: Actor
    other_asset: int
    other_maker: Actor


@pytest.fixture
def world(make: Any) -> World:
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    published = make.publish(psirt, make.upload(psirt, version="4.2.1"))
    draft = make.upload(psirt, version="4.3.0")
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    analyst = make.actor(make.user(clinic, Role.SECURITY_ANALYST))
    make.hold(analyst, published.product_id)
    site = make.site(analyst, "Main campus")
    asset = make.asset(analyst, site.id, "LVP3-00001")
    other = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Other clinic")
    other_admin = make.actor(make.user(other, Role.ADMIN))
    other_site = make.site(other_admin, "Elsewhere")
    south = make.organization(OrganizationKind.MANUFACTURER, name="South")
    return World(
        psirt=psirt,
        maker_auditor=make.actor(make.user(maker, Role.AUDITOR)),
        draft=draft.id,
        published=published.id,
        analyst=analyst,
        engineer=make.actor(make.user(clinic, Role.CLINICAL_ENGINEER)),
        auditor=make.actor(make.user(clinic, Role.AUDITOR)),
        asset=asset.id,
        other_hospital=other_admin,
        other_asset=make.asset(other_admin, other_site.id, "LVP3-00001").id,
        other_maker=make.actor(make.user(south, Role.PRODUCT_SECURITY_OFFICER)),
    )
