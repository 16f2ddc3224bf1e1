"""Device events in the database: attributed through the inventory, enriched from the
linked published profile, stored once whatever the retries, identity fields applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from medsec.inventory.models import Asset, AssetEvent
from medsec.monitoring.models import DeviceEvent
from medsec.monitoring.spool import DiskSpool
from medsec.monitoring.store import DatabaseStore, SpoolingSink

AUTH_FAIL = ('<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 AUTH-FAIL [northwind@55555 '
             'serial="NW123"] service login failed for user tech')  # fmt: skip
UNKNOWN = "<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 BATTERY-LOW - battery at 10%"


def rows(ward: Any) -> list[DeviceEvent]:
    with ward.instance.db.session() as session:
        return list(session.execute(select(DeviceEvent).order_by(DeviceEvent.id)).scalars())


def test_a_message_is_attributed_through_the_inventory_and_enriched(ward: Any) -> None:
    ward.store(AUTH_FAIL, source="192.0.2.99")  # by the serial in the SD, not the address
    (row,) = rows(ward)
    assert (row.asset_id, row.attributed_by, row.profile_version_id) == (
        ward.asset_id, "serial", ward.pump_version)  # fmt: skip
    assert (row.status, row.event_id, row.severity, row.category) == (
        "catalogued", "AUTH-FAIL", 4, "authentication")  # fmt: skip
    assert row.meaning is not None and row.meaning.startswith("Wrong password or TOTP")
    assert row.recommended_action is not None and "5 failures" in row.recommended_action
    assert row.product == "Northwind Infusion Systems Northwind LVP 3000 4.2.1"
    assert row.organization_id == ward.admin.organization_id


def test_attribution_by_source_address_and_unknown_messages_are_uncatalogued(ward: Any) -> None:
    ward.store(UNKNOWN)
    ward.store("<13>1 - somewhere app - X - hi", "not syslog at all\x00", source="192.0.2.1")
    by_address, no_asset, unparsed = rows(ward)
    assert (by_address.asset_id, by_address.attributed_by, by_address.uncatalogued_reason) == (
        ward.asset_id, "address", "no-event")  # fmt: skip
    assert "BATTERY-LOW" in (by_address.reason_text or "")
    assert (no_asset.asset_id, no_asset.uncatalogued_reason) == (None, "no-asset")
    assert unparsed.uncatalogued_reason == "unparsed" and unparsed.parse_error
    assert "\x00" not in unparsed.raw and "\x00" not in unparsed.msg


def test_an_unlinked_asset_is_uncatalogued_for_want_of_a_profile(ward: Any, make: Any) -> None:
    make.asset(ward.admin, ward.site_id, "X-1", vendor="Acme", model="M", ip_addresses=["10.9.9.9"])
    ward.store(UNKNOWN, source="10.9.9.9")
    (row,) = rows(ward)
    assert row.uncatalogued_reason == "no-profile" and row.profile_version_id is None


def test_the_insert_is_idempotent_on_the_message_id(ward: Any) -> None:
    store = DatabaseStore(ward.instance.db)
    records = ward.records(AUTH_FAIL, UNKNOWN)
    assert len(store.insert(records)) == 2
    assert store.insert(records) == [] and store.insert(records[::-1]) == []
    assert (store.stats.inserted, store.stats.duplicates) == (2, 4)
    assert len(rows(ward)) == 2


def test_a_spool_left_from_an_outage_is_replayed_once(ward: Any, tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path / "spool.jsonl")
    old = ward.records(AUTH_FAIL, UNKNOWN)
    spool.append(old)
    spool.append(old[:1])  # a batch spooled twice (a retry after a lost acknowledgement)
    sink = SpoolingSink(DatabaseStore(ward.instance.db), spool, ward.admin.organization_id)
    assert sink.drain() and not spool.pending
    stored = rows(ward)
    assert [r.message_id for r in stored] == [r.message_id for r in old]
    assert sink.stats.replayed == 3


def test_identity_fields_update_the_inventory_firmware_changes_are_events(ward: Any) -> None:
    identity = ('<38>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 IDENT [medsec-identity@32473 '
                'vendor="Northwind Infusion Systems" model="LVP-3000" serial="NW123" '
                'firmware="4.2.2"] identity')  # fmt: skip
    store = DatabaseStore(ward.instance.db)
    ward.store(identity, store=store)
    ward.store(identity, store=store)  # the same identity again changes nothing
    assert store.stats.identities == 1
    with ward.instance.db.session() as session:
        asset = session.get(Asset, ward.asset_id)
        assert asset is not None and asset.firmware_version == "4.2.2"
        kinds = session.execute(
            select(AssetEvent.kind, AssetEvent.old_value, AssetEvent.new_value)
            .where(AssetEvent.asset_id == ward.asset_id)
        ).all()  # fmt: skip
    assert ("firmware-changed", "4.2.1", "4.2.2") in [tuple(k) for k in kinds]


def test_identity_of_an_unknown_serial_adds_the_device(ward: Any) -> None:
    identity = ('<38>1 - ct-1 ctd - IDENT [medsec-identity@32473 vendor="Contoso" model="CT 9" '
                'serial="CT-77" firmware="1.0"] identity')  # fmt: skip
    ward.store(identity, source="10.30.0.5")
    with ward.instance.db.session() as session:
        asset = session.execute(select(Asset).where(Asset.serial == "CT-77")).scalar_one()
        assert (asset.vendor, asset.model, asset.firmware_version, asset.ip_addresses) == (
            "Contoso", "CT 9", "1.0", ["10.30.0.5"])  # fmt: skip
        assert session.execute(select(func.count(DeviceEvent.id))).scalar_one() == 1


def test_an_asset_deleted_since_the_snapshot_does_not_block_the_insert(ward: Any) -> None:
    from medsec.inventory import services as inventory

    records = ward.records(AUTH_FAIL)
    with ward.instance.db.session() as session:
        inventory.delete_asset(session, ward.admin, ward.asset_id)
    assert len(DatabaseStore(ward.instance.db).insert(records)) == 1
    (row,) = rows(ward)
    assert (row.asset_id, row.event_id) == (None, "AUTH-FAIL")
