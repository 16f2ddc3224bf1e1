"""Sites, zones and assets in the service: values normalised, product versions linked
(explicitly, or matched from vendor+model+firmware), firmware changes recorded."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from medsec.audit.models import AuditEvent
from medsec.errors import Conflict, DocumentError, NotFound, PermissionDenied
from medsec.inventory import services
from medsec.inventory.schemas import AssetPatch, SiteIn, ZoneIn

from .conftest import PUMP_VENDOR, Hospital


def create(make: Any, h: Hospital, **values: Any) -> Any:
    with make.session() as session:
        base = {"vendor": PUMP_VENDOR, "model": "LVP-3000", "serial": "P-1"} | values
        return services.create_asset(session, h.engineer, h.site_id, h.icu_zone, base)


def test_an_asset_is_stored_normalised(make: Any, hospital: Hospital) -> None:
    asset = create(
        make,
        hospital,
        mac="00-1A-2B-3C-4D-5E",
        ip_addresses=["10.1.0.5", "FD00:0:0::5", "10.1.0.5"],
        hostname="Pump-01.ICU.local.",
        criticality="Life sustaining",
        firmware_version=" 4.2.0 ",
    )
    assert asset.mac == "00:1a:2b:3c:4d:5e"
    assert asset.ip_addresses == ["10.1.0.5", "fd00::5"]
    assert asset.hostname == "pump-01.icu.local"
    assert asset.criticality == "life-sustaining"
    assert asset.firmware_version == "4.2.0"
    assert asset.zone_id == hospital.icu_zone
    with make.session() as session:
        kinds = [e.kind for e in services.events(session, hospital.auditor, asset.id)]
    assert kinds == ["created"]


def test_every_invalid_field_is_reported_at_once(make: Any, hospital: Hospital) -> None:
    with pytest.raises(DocumentError) as caught:
        create(make, hospital, serial="", mac="00:11", ip_addresses=["10.0.0.300"])
    assert sorted(p.location.path for p in caught.value.problems) == [
        "ip_addresses",
        "mac",
        "serial",
    ]


def test_a_matching_held_version_is_linked_and_says_so(make: Any, hospital: Hospital) -> None:
    asset = create(make, hospital, firmware_version="4.2.1", vendor=PUMP_VENDOR.upper())
    assert (asset.profile_version_id, asset.profile_link) == (hospital.pump_version, "matched")
    other = create(make, hospital, serial="P-2", firmware_version="4.1.0")
    assert (other.profile_version_id, other.profile_link) == (None, None)


def test_an_explicit_link_must_be_a_held_published_version(make: Any, hospital: Hospital) -> None:
    asset = create(make, hospital, product_version_id=hospital.pump_version)
    assert asset.profile_link == "manual"
    draft = make.upload(hospital.manufacturer, version="9.9")
    with pytest.raises(DocumentError, match="1 problem") as caught:
        create(make, hospital, serial="P-9", product_version_id=draft.id)
    assert "not a published version of a product you hold" in caught.value.problems[0].message


def test_a_serial_is_unique_in_the_organization(make: Any, hospital: Hospital) -> None:
    create(make, hospital)
    with pytest.raises(Conflict, match="serial 'P-1' exists"):
        create(make, hospital)


def test_changing_the_firmware_is_an_event_and_an_audit_event(
    make: Any, hospital: Hospital
) -> None:
    asset = create(make, hospital, firmware_version="4.2.0")
    with make.session() as session:
        updated = services.update_asset(
            session, hospital.engineer, asset.id, AssetPatch(firmware_version="4.2.1")
        )
        assert updated.profile_link == "matched"
        events = services.events(session, hospital.auditor, asset.id)
        tags = session.execute(select(AuditEvent.tag).order_by(AuditEvent.seq)).scalars().all()
    assert [(e.kind, e.old_value, e.new_value) for e in events][-1] == (
        "firmware-changed",
        "4.2.0",
        "4.2.1",
    )
    assert tags[-2:] == ["inventory:asset:updated", "inventory:asset:firmware-changed"]


def test_a_patch_keeps_what_it_does_not_name(make: Any, hospital: Hospital) -> None:
    asset = create(make, hospital, mac="00:1a:2b:3c:4d:5e", owner="Biomed")
    with make.session() as session:
        updated = services.update_asset(
            session, hospital.engineer, asset.id, AssetPatch(location="ICU bed 4")
        )
        assert (updated.mac, updated.owner, updated.location) == (
            "00:1a:2b:3c:4d:5e",
            "Biomed",
            "ICU bed 4",
        )
        assert updated.zone_id == hospital.icu_zone


def test_zones_check_their_security_level_networks_and_vlans(make: Any, hospital: Hospital) -> None:
    with make.session() as session:
        zone = services.add_zone(
            session,
            hospital.admin,
            hospital.site_id,
            ZoneIn(name="Lab", security_level=3, cidrs=["10.9.0.7/24"], vlan_ids=[30, 20, 30]),
        )
        assert (zone.cidrs, zone.vlan_ids) == (["10.9.0.0/24"], [20, 30])
    for bad, message in [
        (ZoneIn(name="x", security_level=5), "security level 5"),
        (ZoneIn(name="y", cidrs=["10.0.0.0/33"]), "not a network"),
        (ZoneIn(name="z", vlan_ids=[4095]), "VLAN 4095"),
        (ZoneIn(name="ICU"), "has a zone named 'ICU'"),
    ]:
        with make.session() as session, pytest.raises(Exception, match=message):
            services.add_zone(session, hospital.admin, hospital.site_id, bad)


def test_a_site_needs_an_iana_time_zone_and_a_unique_name(make: Any, hospital: Hospital) -> None:
    with make.session() as session:
        site = services.create_site(
            session, hospital.admin, SiteIn(name="Annex", timezone="Europe/Berlin")
        )
        assert site.timezone == "Europe/Berlin"
    with make.session() as session, pytest.raises(Exception, match="not an IANA time zone"):
        services.create_site(session, hospital.admin, SiteIn(name="B", timezone="Mars/Olympus"))
    with make.session() as session, pytest.raises(Conflict):
        services.create_site(session, hospital.admin, SiteIn(name="Main campus"))


def test_a_site_with_assets_is_not_deleted(make: Any, hospital: Hospital) -> None:
    create(make, hospital)
    with make.session() as session, pytest.raises(Conflict, match="has 1 asset"):
        services.delete_site(session, hospital.admin, hospital.site_id)


def test_deleting_a_zone_keeps_its_assets(make: Any, hospital: Hospital) -> None:
    asset = create(make, hospital)
    with make.session() as session:
        services.delete_zone(session, hospital.admin, hospital.icu_zone)
    with make.session() as session:
        assert services.get_asset(session, hospital.auditor, asset.id).zone_id is None


def test_filters_and_search(make: Any, hospital: Hospital) -> None:
    create(make, hospital, serial="P-1", criticality="life-sustaining", location="ICU bed 1")
    create(make, hospital, serial="P-2", location="ICU bed 2")
    with make.session() as session:
        services.create_asset(
            session,
            hospital.engineer,
            hospital.site_id,
            None,
            {"vendor": "Fabrikam", "model": "Aurora 64", "serial": "CT-1", "criticality": "high"},
        )

    def serials(**where: Any) -> list[str]:
        with make.session() as session:
            rows, total = services.list_assets(
                session, hospital.auditor, services.AssetFilter(**where)
            )
            assert total == len(rows)
            return [a.serial for a in rows]

    assert serials() == ["CT-1", "P-1", "P-2"]
    assert serials(criticality="life-sustaining") == ["P-1"]
    assert serials(vendor="fabrikam") == ["CT-1"]
    assert serials(zone_id=hospital.icu_zone) == ["P-1", "P-2"]
    assert serials(q="bed 2") == ["P-2"]
    assert serials(q="%") == ["CT-1", "P-1", "P-2"]


@pytest.mark.parametrize("who", ["auditor", "manufacturer"])
def test_who_may_not_write(make: Any, hospital: Hospital, who: str) -> None:
    actor = getattr(hospital, who)
    with make.session() as session, pytest.raises(PermissionDenied):
        services.create_site(session, actor, SiteIn(name="Nope"))


def test_a_manufacturer_has_no_inventory(make: Any, hospital: Hospital) -> None:
    with make.session() as session, pytest.raises(PermissionDenied) as caught:
        services.list_sites(session, hospital.manufacturer_admin)
    assert "only healthcare-provider organizations keep a device inventory" in caught.value.message


def test_an_unknown_asset_is_not_found(make: Any, hospital: Hospital) -> None:
    with make.session() as session, pytest.raises(NotFound):
        services.get_asset(session, hospital.auditor, 999_999)
