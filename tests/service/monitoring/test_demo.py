"""``medsec demo`` seeds enriched device events for the demo assets and one alert."""

from __future__ import annotations

from sqlalchemy import select

from medsec.demo import seed
from medsec.monitoring.models import Alert, DeviceEvent
from medsec.service import Instance


def test_the_demo_has_enriched_device_events_and_an_alert(instance: Instance) -> None:
    seed(instance)
    with instance.db.session() as session:
        events = session.execute(select(DeviceEvent)).scalars().all()
        alerts = session.execute(select(Alert)).scalars().all()
    catalogued = [e for e in events if e.status == "catalogued"]
    products = {e.product.split(" ")[0] for e in catalogued}
    assert products == {"Northwind", "Fabrikam", "Contoso"}
    assert all(e.asset_id is not None and e.meaning and e.recommended_action for e in catalogued)
    assert {e.uncatalogued_reason for e in events if e.status == "uncatalogued"} == {"no-event"}
    assert alerts and all(a.severity is not None and a.severity <= 3 for a in alerts)
    assert all(a.recommended_action for a in alerts)
