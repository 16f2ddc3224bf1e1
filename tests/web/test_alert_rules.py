"""Alert rules in the browser: create, edit, disable and delete a rule with a form whose
complaints sit next to their field; admins see the instance's notification settings
(without secrets); device events and alerts name the asset by serial and name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.models import Organization
from medsec.accounts.roles import Role
from medsec.app import create_app
from medsec.demo import seed
from medsec.monitoring.models import AlertRule

from .conftest import Browser, Site, described_by, make_instance, text_of

PUMP_SERIAL = "LVP3-00001"


@pytest.fixture
def hospital(tmp_path: Path, migrated_db: Path) -> Iterator[Site]:
    """The demo hospital on an instance with SMTP and webhook settings."""
    instance = make_instance(
        tmp_path, migrated_db, smtp_host="mail.hospital.example", smtp_port=587,
        smtp_username="medsec", smtp_password="smtp-password-never-shown",
        alert_webhook_allow="10.20.0.0/16,siem.hospital.internal",
    )  # fmt: skip
    with TestClient(create_app(instance.settings, instance)) as client:
        site = Site(instance, client)
        seed(instance)
        yield site
    instance.db.dispose()


def member(site: Site, username: str, role: Role) -> Browser:
    with site.instance.db.session() as session:
        org = session.execute(
            select(Organization).where(Organization.kind == "healthcare-provider")
        ).scalar_one()  # fmt: skip
        org.mfa_required_roles = []  # the demo's policy asks admins for MFA
        org_id = org.id
    site.user(org_id, username, role)
    browser = site.browser()
    assert browser.login(username).status_code == 303
    return browser


def rules(site: Site) -> dict[str, AlertRule]:
    with site.instance.db.session() as session:
        return {r.name: r for r in session.execute(select(AlertRule)).scalars()}


FORM = {"name": "Pump library", "kind": "event", "max_severity": "", "event_ids": "LIB-SIG-FAIL",
        "threshold": "", "window_minutes": "", "asset_serial": "", "email_to": "soc@h.example",
        "webhook_url": "", "webhook_secret": "", "enabled": "on"}  # fmt: skip


def test_a_rule_is_created_edited_disabled_and_deleted(hospital: Site) -> None:
    browser = member(hospital, "boss", Role.ADMIN)
    created = browser.submit("/monitoring/rules/new", "/monitoring/rules", FORM)
    assert created.status_code == 303 and "rule-created" in created.headers["location"]
    rule = rules(hospital)["Pump library"]
    assert (rule.kind, rule.event_ids, rule.email_to, rule.enabled) == (
        "event", ["LIB-SIG-FAIL"], ["soc@h.example"], True)  # fmt: skip
    listed = text_of(browser.follow("/monitoring/rules").text)
    assert "Pump library" in listed and "events LIB-SIG-FAIL" in listed

    edit_page = browser.follow(f"/monitoring/rules/{rule.id}").text
    assert 'value="LIB-SIG-FAIL"' in edit_page
    silence = FORM | {"kind": "silence", "event_ids": "", "window_minutes": "45",
                      "asset_serial": PUMP_SERIAL, "webhook_url": "https://10.20.4.5/medsec",
                      "webhook_secret": "a-long-enough-hmac-key"}  # fmt: skip
    saved = browser.submit(f"/monitoring/rules/{rule.id}", f"/monitoring/rules/{rule.id}", silence)
    assert saved.status_code == 303, text_of(saved.text)
    rule = rules(hospital)["Pump library"]
    assert (rule.kind, rule.window_minutes, rule.webhook_url) == (
        "silence", 45, "https://10.20.4.5/medsec")  # fmt: skip
    assert PUMP_SERIAL in text_of(browser.follow("/monitoring/rules").text)
    # saving again without a secret keeps the one stored for the same URL
    again = browser.submit(f"/monitoring/rules/{rule.id}", f"/monitoring/rules/{rule.id}", silence
                           | {"webhook_secret": "", "window_minutes": "50"})  # fmt: skip
    assert again.status_code == 303
    assert rules(hospital)["Pump library"].webhook_secret == "a-long-enough-hmac-key"

    off = browser.submit("/monitoring/rules", f"/monitoring/rules/{rule.id}/enabled", {})
    assert off.status_code == 303 and not rules(hospital)["Pump library"].enabled
    assert "disabled" in text_of(browser.follow("/monitoring/rules").text)
    on = browser.submit("/monitoring/rules", f"/monitoring/rules/{rule.id}/enabled", {})
    assert on.status_code == 303 and rules(hospital)["Pump library"].enabled

    gone = browser.submit("/monitoring/rules", f"/monitoring/rules/{rule.id}/delete", {})
    assert gone.status_code == 303 and "Pump library" not in rules(hospital)


@pytest.mark.parametrize(
    ("changes", "field", "complaint"),
    [
        ({"name": ""}, "name", "Enter a name for the rule"),
        ({"name": "   "}, "name", "Enter a name for the rule"),
        ({"kind": "severity", "event_ids": ""}, "max_severity", "needs max_severity"),
        ({"kind": "rate", "threshold": "many"}, "threshold", "whole number"),
        ({"kind": "rate", "threshold": "5"}, "window_minutes", "needs threshold and"),
        ({"event_ids": "OK," + "X" * 33}, "event_ids", "not an event id"),
        ({"email_to": "soc-at-hospital"}, "email_to", "not an email address"),
        ({"asset_serial": "NO-SUCH-SERIAL"}, "asset_serial", "No asset in your inventory"),
        ({"webhook_url": "http://siem.example/in", "webhook_secret": "a-long-enough-hmac-key"},
         "webhook_url", "must use https"),
        ({"webhook_url": "https://169.254.169.254/x", "webhook_secret": "a-long-enough-hmac-key"},
         "webhook_url", "resolves to 169.254.169.254"),
        ({"webhook_url": "https://10.20.4.5/in"}, "webhook_secret", "needs webhook_secret"),
        ({"webhook_url": "https://10.20.4.5/in", "webhook_secret": "short"}, "webhook_secret",
         "at least 16 characters"),
    ],
)  # fmt: skip
def test_a_complaint_is_shown_next_to_its_field_and_the_input_kept(
    hospital: Site, changes: dict[str, str], field: str, complaint: str | None
) -> None:
    browser = member(hospital, "boss", Role.ADMIN)
    refused = browser.submit("/monitoring/rules/new", "/monitoring/rules", FORM | changes)
    assert refused.status_code == 422
    page = refused.text
    error = re.search(rf'id="field-{field}-error">(.*?)</p>', page, re.S)
    assert error, f"no error next to {field}: {text_of(page)[:600]}"
    if complaint is not None:
        assert complaint in text_of(error.group(1))
    assert f"field-{field}-error" in described_by(page, f"field-{field}")
    assert "There is a problem" in page
    if changes.get("email_to"):
        assert f'value="{changes["email_to"]}"' in page  # what was typed stays
    assert "Pump library" not in rules(hospital)


def test_a_name_in_use_is_refused_next_to_the_name(hospital: Site) -> None:
    browser = member(hospital, "boss", Role.ADMIN)
    taken = FORM | {"name": "Critical device events"}  # the demo's rule
    refused = browser.submit("/monitoring/rules/new", "/monitoring/rules", taken)
    assert refused.status_code == 422
    assert "exists" in text_of(re.search(r'id="field-name-error">(.*?)</p>', refused.text).group(1))  # type: ignore[union-attr]


def test_admins_see_the_effective_notification_settings_without_secrets(hospital: Site) -> None:
    admin_page = member(hospital, "boss", Role.ADMIN).follow("/monitoring/rules").text
    settings = text_of(admin_page)
    assert "mail.hospital.example:587, starttls, as medsec (password set)" in settings
    assert "10.20.0.0/16, siem.hospital.internal" in settings
    assert "smtp-password-never-shown" not in admin_page
    engineer = member(hospital, "engineer2", Role.CLINICAL_ENGINEER).follow("/monitoring/rules")
    assert engineer.status_code == 200 and "mail.hospital.example" not in engineer.text
    assert "New alert rule" in engineer.text  # clinical engineers write rules


def test_an_auditor_reads_rules_but_cannot_change_them(hospital: Site) -> None:
    auditor = member(hospital, "aud", Role.AUDITOR)
    page = auditor.follow("/monitoring/rules")
    assert page.status_code == 200 and "Critical device events" in page.text
    assert "New alert rule" not in page.text and "Disable" not in page.text
    assert auditor.get("/monitoring/rules/new").status_code == 403
    rule = rules(hospital)["Critical device events"]
    refused = auditor.submit("/monitoring/rules", f"/monitoring/rules/{rule.id}/delete", {})
    assert refused.status_code == 403 and "Critical device events" in rules(hospital)


def test_device_events_and_alerts_name_the_asset_by_serial(hospital: Site) -> None:
    browser = member(hospital, "watcher", Role.CLINICAL_ENGINEER)
    events = text_of(browser.follow("/monitoring/events").text)
    assert PUMP_SERIAL in events
    only = text_of(browser.follow(f"/monitoring/events?serial={PUMP_SERIAL}").text)
    assert PUMP_SERIAL in only and "LVP3-00002" not in only
    assert "0 events" in text_of(browser.follow("/monitoring/events?serial=NOPE").text)
    alerts = text_of(browser.follow("/monitoring/alerts").text)
    assert re.search(r"LVP3-\d{5} · ", alerts)
