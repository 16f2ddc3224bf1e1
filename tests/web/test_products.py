"""Products in the browser: upload (problems listed by place), the version page (lint
findings, coverage, documents), publishing with a recent login, compare, the catalog."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import OrganizationKind, Role
from medsec.profiles.psp import EXAMPLE_MINIMAL

from .conftest import EXAMPLES, PASSWORD, Browser, Site, csrf_of, later, text_of

PUMP = (EXAMPLES / "infusion-pump.yaml").read_text()


def upload(browser: Browser, text: str, name: str = "pump.yaml") -> tuple[int, str]:
    """Upload ``text`` through the form; the version id (or -1) and the final page."""
    page = browser.follow("/products/upload")
    response = browser.post(
        "/products/upload",
        {"csrf_token": csrf_of(page.text)},
        files={"file": (name, text.encode(), "application/yaml")},
    )
    if response.status_code != 303:
        return -1, response.text
    found = re.fullmatch(r"/versions/(\d+)\?done=uploaded", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1)), browser.follow(response.headers["location"]).text


@pytest.fixture
def psirt(site: Site) -> Browser:
    return site.signed_in("psirt", Role.PRODUCT_SECURITY_OFFICER, OrganizationKind.MANUFACTURER)


@pytest.fixture
def hospital(site: Site) -> Browser:
    return site.signed_in("biomed", Role.CLINICAL_ENGINEER, OrganizationKind.HEALTHCARE_PROVIDER)


def test_an_uploaded_profile_opens_its_version_page(psirt: Browser) -> None:
    version, page = upload(psirt, PUMP)

    text = text_of(page)
    assert "The profile was uploaded as a draft." in text
    assert "Northwind LVP 3000 4.2.1" in text
    assert "0 errors, 0 warnings, 0 notes" in text
    assert "1. Segmenting networks" in text  # coverage, principle by principle
    for name in ["guide.html", "guide.md", "guide.pdf", "security.txt", "profile.json"]:
        assert f'href="/api/v1/profile-versions/{version}/artifacts/{name}"' in page
    assert f'action="/versions/{version}/publish"' in page
    assert (
        psirt.get(f"/api/v1/profile-versions/{version}/artifacts/security.txt").status_code == 200
    )


def test_an_invalid_profile_lists_each_problem_by_line_and_column(psirt: Browser) -> None:
    broken = PUMP.replace("default_port: 8443", "default_port: 70000", 1)
    line = broken.splitlines().index("      default_port: 70000") + 1

    version, page = upload(psirt, broken)

    assert version == -1
    problems = re.findall(r"<li>([^<]+)</li>", page.split('id="problems"', 1)[1])
    assert f"{line}:7 network.services[0].default_port: 70000 is not a port (1–65535)" in problems
    assert "not a valid profile: 2 problem(s)" in text_of(page)


def test_a_file_that_is_not_utf8_is_refused_at_the_field(psirt: Browser) -> None:
    page = psirt.follow("/products/upload")
    response = psirt.post(
        "/products/upload",
        {"csrf_token": csrf_of(page.text)},
        files={"file": ("pump.yaml", b"\xff\xfe\x00", "application/yaml")},
    )
    assert response.status_code == 400
    assert "not UTF-8 text" in text_of(response.text)
    assert 'id="field-file-error"' in response.text


def test_lint_errors_are_listed_and_block_publishing(psirt: Browser) -> None:
    version, page = upload(psirt, EXAMPLE_MINIMAL, "minimal.yaml")

    assert version > 0
    findings = page.split('id="findings"', 1)[1].split("</table>", 1)[0]
    assert "PSP-NET-003" in findings and 'class="sev-error"' in findings
    assert f'action="/versions/{version}/publish"' not in page
    assert "upload again before publishing" in text_of(page)


def test_publishing_needs_a_recent_login(site: Site, psirt: Browser) -> None:
    version, page = upload(psirt, PUMP)
    with later(site.instance.settings.reauth_minutes + 1):
        response = psirt.post(f"/versions/{version}/publish", {"csrf_token": csrf_of(page)})
        assert response.status_code == 401
        assert "publishing needs a recent login" in text_of(response.text)

        psirt.post(
            "/account/reauth",
            {"password": PASSWORD, "next": f"/versions/{version}", "csrf_token": csrf_of(page)},
        )
        published = psirt.post(f"/versions/{version}/publish", {"csrf_token": csrf_of(page)})

    assert published.headers["location"] == f"/versions/{version}?done=published"
    text = text_of(psirt.follow(published.headers["location"]).text)
    assert "Status published" in text


def test_comparing_two_versions_lists_the_changes(psirt: Browser) -> None:
    old, _ = upload(psirt, PUMP)
    moved = PUMP.replace('version: "4.2.1"', 'version: "4.3.0"', 1).replace(
        "default_port: 8443", "default_port: 9443", 1
    )
    new, page = upload(psirt, moved)
    assert f'<option value="{old}">4.2.1 (draft)</option>' in page

    response = psirt.get(f"/versions/{new}/compare?other={old}")

    assert response.headers["location"] == f"/versions/{old}/diff/{new}"
    diff = psirt.follow(response.headers["location"]).text
    rows = text_of(diff.split('id="changes"', 1)[1].split("</table>", 1)[0])
    assert "breaking" in rows and "network.services" in rows and "9443" in rows


def publish(site: Site, psirt: Browser) -> int:
    version, page = upload(psirt, PUMP)
    response = psirt.post(f"/versions/{version}/publish", {"csrf_token": csrf_of(page)})
    assert response.status_code == 303
    return version


def test_a_hospital_holds_and_releases_a_published_product(
    site: Site, psirt: Browser, hospital: Browser
) -> None:
    version = publish(site, psirt)
    catalog = hospital.follow("/catalog").text
    product = re.search(r'action="/catalog/(\d+)/hold"', catalog)
    assert product and "Northwind LVP 3000" in text_of(catalog)

    held = hospital.submit("/catalog", f"/catalog/{product.group(1)}/hold", {})

    assert held.headers["location"] == "/catalog?done=held"
    products = hospital.follow("/products").text
    assert "Products you hold" in products and f'href="/versions/{version}"' in products
    assert hospital.get(f"/versions/{version}").status_code == 200
    released = hospital.submit("/catalog", f"/catalog/{product.group(1)}/release", {})
    assert released.headers["location"] == "/catalog?done=released"
    assert hospital.get(f"/versions/{version}").status_code == 404


def test_drafts_of_other_organizations_do_not_exist(psirt: Browser, hospital: Browser) -> None:
    version, _ = upload(psirt, PUMP)
    assert hospital.get(f"/versions/{version}").status_code == 404


def test_a_provider_admin_is_told_that_only_manufacturers_upload(site: Site) -> None:
    admin = site.signed_in("hadmin", Role.ADMIN, OrganizationKind.HEALTHCARE_PROVIDER)
    page = admin.follow("/products/upload")
    assert "Only manufacturer organizations upload profiles." in text_of(page.text)
    assert 'enctype="multipart/form-data"' not in page.text
