"""Incident cases in the browser: the hospital opens a case (the form shows what to
send), the manufacturer finds it in its queue and replies, the hospital reads the reply
and closes it with after-action notes. Plain form posts."""

from __future__ import annotations

import re
from pathlib import Path

from medsec.accounts.actor import Actor
from medsec.accounts.roles import OrganizationKind, Role
from medsec.products import services as products

from .conftest import Browser, Site, text_of

PUMP = Path(__file__).resolve().parents[2] / "examples" / "infusion-pump.yaml"


def held_pump(site: Site) -> tuple[Browser, Browser, int]:
    north = site.organization("North", OrganizationKind.MANUFACTURER)
    clinic = site.organization("Clinic", OrganizationKind.HEALTHCARE_PROVIDER)
    psirt_id = site.user(north, "psirt", Role.PRODUCT_SECURITY_OFFICER)
    biomed_id = site.user(clinic, "biomed", Role.CLINICAL_ENGINEER)
    psirt = Actor(psirt_id, "psirt", north, OrganizationKind.MANUFACTURER,
                  Role.PRODUCT_SECURITY_OFFICER, recently_authenticated=True)  # fmt: skip
    biomed = Actor(biomed_id, "biomed", clinic, OrganizationKind.HEALTHCARE_PROVIDER,
                   Role.CLINICAL_ENGINEER)  # fmt: skip
    with site.instance.db.session() as session:
        version = products.upload(session, psirt, PUMP.name, PUMP.read_bytes())
        products.publish(session, psirt, version.id)
        products.hold(session, biomed, version.product_id)
        version_id = version.id
    hospital, maker = site.browser(), site.browser()
    assert hospital.login("biomed").status_code == 303
    assert maker.login("psirt").status_code == 303
    return hospital, maker, version_id


def test_a_case_travels_through_the_pages(site: Site) -> None:
    hospital, maker, version_id = held_pump(site)
    form = text_of(hospital.follow("/cases/new").text)
    assert "Serial numbers and firmware versions of affected pumps" in form  # what to send
    opened = hospital.submit(
        "/cases/new", "/cases/new",
        {
            "subject": f"version:{version_id}", "title": "Library signature failures",
            "symptoms": "LIB-SIG-FAIL on ICU pumps", "severity": "high",
            "patient_safety": "unknown", "patient_safety_detail": "",
        },
    )  # fmt: skip
    assert opened.status_code == 303, opened.text
    path = opened.headers["location"]
    assert re.fullmatch(r"/cases/\d+", path)

    queue = text_of(maker.follow("/cases").text)
    assert "Library signature failures" in queue and "Clinic" in queue
    replied = maker.submit(path, f"{path}/messages", {"body": "Please send the event log."})
    assert replied.status_code == 303

    page = text_of(hospital.follow(path).text)
    assert "Please send the event log." in page
    assert "4 hours, 24/7" in page  # the SLA of the profile
    missing_notes = hospital.submit(path, f"{path}/state", {"to": "closed"})
    assert missing_notes.status_code == 422
    assert "after-action notes" in text_of(missing_notes.text)
    closed = hospital.submit(
        path, f"{path}/state", {"to": "closed", "after_action": "Certificate renewed."}
    )
    assert closed.status_code == 303
    final = text_of(maker.follow(path).text)
    assert "State closed" in final and "Certificate renewed." in final


def test_another_organization_gets_not_found(site: Site) -> None:
    hospital, _, version_id = held_pump(site)
    opened = hospital.submit(
        "/cases/new", "/cases/new",
        {"subject": f"version:{version_id}", "title": "t", "symptoms": "s",
         "severity": "low", "patient_safety": "no"},
    )  # fmt: skip
    stranger = site.signed_in("other", Role.ADMIN, OrganizationKind.HEALTHCARE_PROVIDER)
    assert stranger.get(opened.headers["location"]).status_code == 404


def test_training_page_attests_and_the_report_lists_who_is_due(site: Site) -> None:
    admin = site.signed_in("ada", Role.ADMIN, OrganizationKind.HEALTHCARE_PROVIDER)
    page = admin.follow("/training").text
    assert "Recognise and report suspected incidents" in text_of(page)
    objective = re.search(r'<option value="(\d+)"', page)
    assert objective
    done = admin.submit(
        "/training", "/training/attest",
        {"objective_id": objective.group(1), "completed_on": "2026-01-05"},
    )  # fmt: skip
    assert done.status_code == 303
    assert "completed 2026-01-05" in text_of(admin.follow("/training").text)
    report = text_of(admin.follow("/training/report").text)
    assert "Train throughout the year overdue never attested" in report
