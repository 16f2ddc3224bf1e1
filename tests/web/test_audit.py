"""``/audit``: search the organization's events by tag prefix, actor, outcome and dates."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context, record
from medsec.audit.tags import Outcome, Tag
from medsec.web.audit_views import PAGE_SIZE

from .conftest import Browser, Site, text_of


def tags_on(page: str) -> list[str]:
    table = page.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<td><code>([a-z:-]+)</code></td>", table)


@pytest.fixture
def auditor(site: Site) -> Browser:
    """An auditor of "Acme"; another organization's events exist too."""
    org = site.organization("Acme", OrganizationKind.HEALTHCARE_PROVIDER)
    site.user(org, "audrey", Role.AUDITOR)
    other = site.organization("Other", OrganizationKind.MANUFACTURER)
    site.user(other, "outsider", Role.ADMIN)
    site.browser().login("outsider", "wrong password for the outsider")
    site.browser().login("audrey", "a wrong password this time")  # a failure in Acme's log
    browser = site.browser()
    browser.login("audrey")
    return browser


def test_the_log_shows_only_the_organizations_events_newest_first(auditor: Browser) -> None:
    page = auditor.follow("/audit").text
    tags = tags_on(page)
    assert tags[:2] == ["accounts:login:succeeded", "accounts:login:failed"]
    assert "outsider" not in text_of(page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=accounts:login:", {"accounts:login:failed", "accounts:login:succeeded"}),
        ("tag=accounts:login:s", {"accounts:login:succeeded"}),
        ("outcome=failure", {"accounts:login:failed"}),
        ("actor=nobody", set()),
        ("tag=accounts:user:created", {"accounts:user:created"}),
    ],
)
def test_filters_narrow_the_events(auditor: Browser, query: str, expected: set[str]) -> None:
    page = auditor.follow(f"/audit?{query}").text
    found = set(tags_on(page)) if 'id="audit-events"' in page else set()
    assert found == expected
    if not expected:
        assert "No events match." in text_of(page)


def test_dates_are_inclusive_days(auditor: Browser) -> None:
    today = dt.datetime.now(dt.UTC).date()
    assert tags_on(auditor.follow(f"/audit?since={today}&until={today}").text)
    yesterday = today - dt.timedelta(days=1)
    assert "No events match." in text_of(
        auditor.follow(f"/audit?since={yesterday}&until={yesterday}").text
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("since=31/12/2025", "since", "Enter a date as YYYY-MM-DD"),
        ("since=2025-02-01&until=2025-01-01", "until", "before the start date"),
        ("outcome=maybe", "outcome", "Choose an outcome"),
    ],
)
def test_bad_filters_are_shown_at_their_fields(
    auditor: Browser, query: str, field: str, message: str
) -> None:
    response = auditor.get(f"/audit?{query}")
    assert response.status_code == 422
    assert message in text_of(response.text)
    assert f'id="field-{field}-error"' in response.text


def test_the_pager_moves_through_older_events(site: Site, auditor: Browser) -> None:
    user = site.find_user("audrey")
    assert user is not None
    with site.instance.db.session() as session:
        for _ in range(PAGE_SIZE + 5):
            record(
                session,
                Tag.SETTINGS_CHANGED,
                Context(actor="audrey"),
                outcome=Outcome.SUCCESS,
                organization_id=user.organization_id,
            )

    first = auditor.follow("/audit?tag=accounts:settings:").text
    assert f"Events 1–{PAGE_SIZE} of {PAGE_SIZE + 5}" in text_of(first)
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older
    second = auditor.follow(older.group(1).replace("&amp;", "&")).text
    assert f"Events {PAGE_SIZE + 1}–{PAGE_SIZE + 5} of {PAGE_SIZE + 5}" in text_of(second)
    assert 'rel="next"' not in second and 'rel="prev"' in second


def test_the_search_region_is_enhanced_by_htmx_but_is_a_plain_get_form(
    auditor: Browser,
) -> None:
    page = auditor.follow("/audit").text
    assert '<form method="get" action="/audit"' in page
    region = re.search(r'<div id="audit-search"[^>]*>', page)
    assert region and 'hx-select="#audit-search"' in region.group(0)
