"""Disclosure pages without JavaScript: the public report form, the reporter's tracking
page, and the team's case pages — end to end: a report sent through the form reaches the
team's case page decrypted, and the team's reply appears on the tracking page."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.disclosure import services

from .conftest import Browser, Site, text_of

FORM = "/disclosure/northwind/report"


@pytest.fixture
def northwind(site: Site) -> int:
    org = site.organization("Northwind Infusion", OrganizationKind.MANUFACTURER)
    with site.instance.db.session() as session:
        services.save_program(session, org, "northwind", Context.cli("test"))
    site.user(org, "psirt", Role.PRODUCT_SECURITY_OFFICER)
    return org


def send_report(browser: Browser, **extra: object) -> str:
    """Fill in and send the form; the tracking page's path."""
    data = {
        "title": "Unauthenticated <firmware> upload",
        "description": "Port 8443 accepts firmware without a signature.",
        "contact": "rita@example.org",
        **extra,
    }
    files = [("attachments", ("poc.txt", b"curl -k https://pump:8443/fw", "text/plain"))]
    response = browser.submit(FORM, FORM, data, files=files)
    assert response.status_code == 303, text_of(response.text)
    assert response.headers["referrer-policy"] == "no-referrer"
    location = response.headers["location"]
    assert re.fullmatch(r"/disclosure/track/[A-Za-z0-9_-]{43}\?received=1", location)
    return location.split("?")[0]


def test_a_report_reaches_the_team_decrypted_and_the_answer_reaches_the_reporter(
    site: Site, northwind: int
) -> None:
    reporter = site.browser()
    index = reporter.follow("/disclosure").text
    assert f'href="{FORM}"' in index and "Northwind Infusion" in index
    form = reporter.follow(FORM).text
    assert 'enctype="multipart/form-data"' in form and "<script>" not in form.split("<main", 1)[1]
    tracking = send_report(reporter)
    first = reporter.follow(tracking + "?received=1")
    assert "Keep this private link" in text_of(first.text)
    assert f"{site.instance.settings.base_url}{tracking}" in first.text
    assert "received" in text_of(first.text)

    team = site.browser()
    assert team.login("psirt").status_code == 303
    cases = team.follow("/disclosure/cases").text
    assert "Unauthenticated &lt;firmware&gt; upload" in cases  # decrypted, and escaped
    case_url = re.search(r'href="(/disclosure/cases/\d+)"', cases)
    assert case_url
    case = team.follow(case_url.group(1)).text
    assert "Port 8443 accepts firmware without a signature." in case
    assert "rita@example.org" in case and "poc.txt" in case
    answered = team.submit(
        case_url.group(1), case_url.group(1) + "/messages", {"body": "Confirmed, thank you."}
    )
    assert answered.status_code == 303
    moved = team.submit(case_url.group(1), case_url.group(1) + "/state", {"state": "valid"})
    assert moved.status_code == 303

    page = text_of(reporter.follow(tracking).text)
    assert "Confirmed, thank you." in page
    assert "Status valid" in page and "Acknowledged yes" in page
    replied = reporter.submit(tracking, tracking, {"body": "Happy to help with a retest."})
    assert replied.status_code == 303
    assert "Happy to help with a retest." in text_of(team.follow(case_url.group(1)).text)


def test_a_refused_attachment_keeps_what_was_typed(site: Site, northwind: int) -> None:
    browser = site.browser()
    files = [("attachments", ("poc.txt", b"MZ\x90\x00binary", "text/plain"))]
    response = browser.submit(
        FORM, FORM, {"title": "Kept title", "description": "Kept text"}, files=files
    )
    assert response.status_code == 422
    page = text_of(response.text)
    assert "There is a problem" in page and "not one of the accepted types" in page
    assert 'value="Kept title"' in response.text and "Kept text" in response.text


def test_the_form_needs_its_csrf_cookie_token(site: Site, northwind: int) -> None:
    browser = site.browser()
    browser.follow(FORM)
    response = browser.post(FORM, {"title": "t", "description": "d", "csrf_token": "forged"})
    assert response.status_code == 403


def test_a_wrong_tracking_link_is_a_plain_404_page(site: Site, northwind: int) -> None:
    response = site.browser().get("/disclosure/track/" + "A" * 43)
    assert response.status_code == 404
    assert "no case at this tracking link" in text_of(response.text)


def test_an_illegal_move_is_explained_on_the_case_page(site: Site, northwind: int) -> None:
    tracking = send_report(site.browser())
    team = site.browser()
    team.login("psirt")
    case_url = re.search(r'href="(/disclosure/cases/\d+)"', team.follow("/disclosure/cases").text)
    assert case_url and tracking
    response = team.submit(case_url.group(1), case_url.group(1) + "/state", {"state": "closed"})
    assert response.status_code == 422
    assert "cannot move to closed" in text_of(response.text)


def test_flags_and_embargo_are_saved_from_the_form(site: Site, northwind: int) -> None:
    send_report(site.browser())
    team = site.browser()
    team.login("psirt")
    case_url = re.search(r'href="(/disclosure/cases/\d+)"', team.follow("/disclosure/cases").text)
    assert case_url
    saved = team.submit(
        case_url.group(1),
        case_url.group(1) + "/details",
        {"embargo_until": "2099-01-31", "flags": ["vendor-aware", "exploit-public"]},
    )
    assert saved.status_code == 303
    page = team.follow(case_url.group(1)).text
    assert 'value="2099-01-31"' in page
    assert re.search(r'value="exploit-public" checked', page)
    assert not re.search(r'value="fix-ready" checked', page)


def test_another_manufacturer_does_not_see_the_case(site: Site, northwind: int) -> None:
    send_report(site.browser())
    other = site.signed_in("rival", Role.ADMIN, OrganizationKind.MANUFACTURER)
    assert "No cases" in text_of(other.follow("/disclosure/cases").text)
    assert other.get("/disclosure/cases/1").status_code == 404
