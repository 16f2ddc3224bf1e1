"""Update information in the browser: a manufacturer imports a release manifest (problems
listed by line), publishes it with a recent login, imports a patch list and writes a
lifecycle notice; a hospital holding the product sees what is published, and no one else
sees anything."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import ROLE_PERMISSIONS, OrganizationKind, Permission, Role

from .conftest import EXAMPLES, PASSWORD, Browser, Site, csrf_of, later, text_of

PUMP = (EXAMPLES / "infusion-pump.yaml").read_text()
RELEASE = (EXAMPLES / "updates" / "lvp-3000-4.2.2.yaml").read_text()
PATCHES = (EXAMPLES / "updates" / "lvp-3000-patches.yaml").read_text()


@pytest.fixture
def psirt(site: Site) -> Browser:
    return site.signed_in("psirt", Role.PRODUCT_SECURITY_OFFICER, OrganizationKind.MANUFACTURER)


@pytest.fixture
def hospital(site: Site) -> Browser:
    return site.signed_in("biomed", Role.CLINICAL_ENGINEER, OrganizationKind.HEALTHCARE_PROVIDER)


def published_version(psirt: Browser) -> tuple[int, int]:
    """Upload and publish the pump profile: (product id, version id)."""
    page = psirt.follow("/products/upload")
    response = psirt.post(
        "/products/upload",
        {"csrf_token": csrf_of(page.text)},
        files={"file": ("pump.yaml", PUMP.encode(), "application/yaml")},
    )
    version = int(response.headers["location"].split("/")[2].split("?")[0])
    psirt.submit(f"/versions/{version}", f"/versions/{version}/publish", {})
    found = re.search(r'href="/products/(\d+)/updates"', psirt.follow(f"/versions/{version}").text)
    assert found
    return int(found.group(1)), version


def upload_file(browser: Browser, page_url: str, action: str, text: str) -> object:
    page = browser.follow(page_url)
    return browser.post(
        action,
        {"csrf_token": csrf_of(page.text)},
        files={"file": ("file.yaml", text.encode(), "application/yaml")},
    )


def test_a_manufacturer_imports_and_publishes_a_release(site: Site, psirt: Browser) -> None:
    product, _ = published_version(psirt)
    response = upload_file(
        psirt, f"/products/{product}/updates", f"/products/{product}/updates", RELEASE
    )

    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    release = int(re.fullmatch(r"/updates/(\d+)\?done=release-saved", location).group(1))  # type: ignore[union-attr]
    page = psirt.follow(location).text
    text = text_of(page)
    assert "The update release was saved as a draft." in text
    assert "CVE-2026-21001, CVE-2026-21002, GHSA-4x5p-9q2r-8m7c, CVE-2026-40011" in text
    assert "vers:generic/>=4.0.0|<4.2.2" in text
    assert "planned-downtime, about 25 minutes, reboots" in text
    assert f'href="/api/v1/updates/{release}/sbom"' in page

    with later(site.instance.settings.reauth_minutes + 1):
        stale = psirt.post(f"/updates/{release}/publish", {"csrf_token": csrf_of(page)})
        assert stale.status_code == 401
        psirt.post(
            "/account/reauth",
            {"password": PASSWORD, "next": f"/updates/{release}", "csrf_token": csrf_of(page)},
        )
        done = psirt.post(f"/updates/{release}/publish", {"csrf_token": csrf_of(page)})
    assert done.headers["location"] == f"/updates/{release}?done=release-published"
    listing = text_of(psirt.follow(f"/products/{product}/updates").text)
    assert "4.2.2" in listing and "published" in listing


def test_a_bad_manifest_lists_each_problem_by_line(psirt: Browser) -> None:
    product, _ = published_version(psirt)
    broken = RELEASE.replace("apply_mode: planned-downtime", "apply_mode: whenever")
    line = broken.splitlines().index("apply_mode: whenever") + 1

    response = upload_file(
        psirt, f"/products/{product}/updates", f"/products/{product}/updates", broken
    )

    assert response.status_code == 422  # type: ignore[attr-defined]
    page = response.text  # type: ignore[attr-defined]
    problems = re.findall(r"<li>([^<]+)</li>", page.split('id="problems"', 1)[1])
    assert any(p.startswith(f"{line}:1 apply_mode: Input should be") for p in problems)
    assert "No releases yet." in text_of(page)


def test_patch_list_and_notice_for_a_version(psirt: Browser, hospital: Browser) -> None:
    product, version = published_version(psirt)
    saved = upload_file(
        psirt, f"/versions/{version}/patches", f"/versions/{version}/patches", PATCHES
    )
    assert saved.headers["location"] == f"/versions/{version}/patches?done=patches-saved"  # type: ignore[attr-defined]
    rows = text_of(psirt.follow(f"/versions/{version}/patches").text)
    assert "KB5034441" in rows and "incompatible" in rows

    bad = psirt.submit(f"/versions/{version}/lifecycle", f"/versions/{version}/lifecycle",
                       {"end_of_support": "31.01.2030"})  # fmt: skip
    assert bad.status_code == 422 and "Enter the date as YYYY-MM-DD." in text_of(bad.text)
    notice = psirt.submit(
        f"/versions/{version}/lifecycle",
        f"/versions/{version}/lifecycle",
        {"end_of_support": "2030-01-31", "plan": "Upgrade to LVP 4000", "lead_months": "6"},
    )
    assert notice.headers["location"] == f"/versions/{version}/lifecycle?done=notice-saved"
    page = text_of(psirt.follow(f"/versions/{version}/lifecycle").text)
    assert "on 2029-07-31 (6 months ahead)" in page

    held = hospital.submit("/catalog", f"/catalog/{product}/hold", {})
    assert held.status_code == 303
    assert "No lifecycle notice has been published" in text_of(
        hospital.follow(f"/versions/{version}/lifecycle").text
    )
    assert "KB5034441" in text_of(hospital.follow(f"/versions/{version}/patches").text)
    assert 'action="/versions' not in hospital.follow(f"/versions/{version}/patches").text

    psirt.submit(f"/versions/{version}/lifecycle", f"/versions/{version}/lifecycle/publish", {})
    seen = text_of(hospital.follow(f"/versions/{version}/lifecycle").text)
    assert "Upgrade to LVP 4000" in seen and "2030-01-31" in seen


def test_a_hospital_sees_published_releases_only(psirt: Browser, hospital: Browser) -> None:
    product, _ = published_version(psirt)
    saved = upload_file(
        psirt, f"/products/{product}/updates", f"/products/{product}/updates", RELEASE
    )
    draft = saved.headers["location"].split("?")[0]  # type: ignore[attr-defined]

    assert hospital.get(f"/products/{product}/updates").status_code == 404  # not held
    hospital.submit("/catalog", f"/catalog/{product}/hold", {})
    assert "No releases yet." in text_of(hospital.follow(f"/products/{product}/updates").text)
    assert hospital.get(draft).status_code == 404
    refused = hospital.post(f"/products/{product}/updates", {"csrf_token": "x"})
    assert refused.status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_the_update_pages_its_permissions_allow(site: Site, role: Role) -> None:
    org = site.organization("Both kinds", OrganizationKind.BOTH)
    site.user(org, "author", Role.PRODUCT_SECURITY_OFFICER)
    author = site.browser()
    author.login("author")
    product, version = published_version(author)
    upload_file(author, f"/products/{product}/updates", f"/products/{product}/updates", RELEASE)
    release = re.search(
        r'href="/updates/(\d+)"', author.follow(f"/products/{product}/updates").text
    )
    assert release
    site.user(org, "someone", role)
    browser = site.browser()
    browser.login("someone")
    readable = Permission.PRODUCTS_READ in ROLE_PERMISSIONS[role]
    writes = Permission.UPDATES_WRITE in ROLE_PERMISSIONS[role]

    for path, form in [
        (f"/products/{product}/updates", f'action="/products/{product}/updates"'),
        (f"/updates/{release.group(1)}", f'action="/updates/{release.group(1)}/publish"'),
        (f"/versions/{version}/patches", f'action="/versions/{version}/patches"'),
        (f"/versions/{version}/lifecycle", f'action="/versions/{version}/lifecycle"'),
    ]:
        response = browser.get(path)
        assert response.status_code == (200 if readable else 403), path
        if readable:
            assert (form in response.text) == writes, path
