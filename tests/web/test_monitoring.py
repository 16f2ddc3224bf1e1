"""Device events and alerts in the browser: the events page explains each event (meaning,
recommended action), the asset page lists its latest device events, the uncatalogued
report lists what no catalog describes, and an open alert can be acknowledged."""

from __future__ import annotations

from sqlalchemy import select

from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Role
from medsec.demo import seed
from medsec.monitoring.models import Alert

from .conftest import Site, text_of


def test_the_demo_events_are_shown_with_meaning_and_recommended_action(site: Site) -> None:
    seed(site.instance)
    with site.instance.db.session() as session:
        org = session.execute(
            select(Organization).where(Organization.kind == "healthcare-provider")
        ).scalar_one()  # fmt: skip
    site.user(org.id, "watcher", Role.CLINICAL_ENGINEER)
    browser = site.browser()
    assert browser.login("watcher").status_code == 303
    page = text_of(browser.follow("/monitoring/events").text)
    assert "LIB-SIG-FAIL" in page and "contact Northwind PSIRT" in page
    assert "Wrong password or TOTP" in page
    critical = text_of(browser.follow("/monitoring/events?severity=2").text)
    assert "LIB-SIG-FAIL" in critical and "AUTH-FAIL " not in critical

    asset_link = browser.follow("/monitoring/events?event=LIB-SIG-FAIL").text
    asset_path = asset_link.split('href="/inventory/assets/', 1)[1].split('"', 1)[0]
    asset_page = text_of(browser.follow(f"/inventory/assets/{asset_path}").text)
    assert "Latest device events" in asset_page and "LIB-SIG-FAIL" in asset_page

    report = text_of(browser.follow("/monitoring/uncatalogued").text)
    assert "BATTERY-CAL" in report and "no-event" in report

    alerts_page = browser.follow("/monitoring/alerts").text
    assert "Acknowledge" in alerts_page and "contact Northwind PSIRT" in alerts_page
    with site.instance.db.session() as session:
        alert = session.execute(select(Alert).order_by(Alert.id)).scalars().first()
        assert alert is not None and alert.status == "open"
    done = browser.submit("/monitoring/alerts", f"/monitoring/alerts/{alert.id}/acknowledge", {})
    assert done.status_code == 303
    with site.instance.db.session() as session:
        after = session.get(Alert, alert.id)
        assert after is not None and (after.status, after.acknowledged_by) == (
            "acknowledged", "watcher")  # fmt: skip


def test_an_auditor_sees_alerts_but_cannot_acknowledge(site: Site) -> None:
    auditor = site.signed_in("aud", Role.AUDITOR, OrganizationKind.HEALTHCARE_PROVIDER)
    page = auditor.follow("/monitoring/alerts")
    assert page.status_code == 200 and "No alerts." in text_of(page.text)
    refused = auditor.submit("/monitoring/alerts", "/monitoring/alerts/1/acknowledge", {})
    assert refused.status_code == 403 and "does not allow" in text_of(refused.text)
