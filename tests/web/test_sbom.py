"""SBOMs in the browser: the section of a version's page (upload while draft, NTIA
summary), the components page with the NTIA findings, an invalid upload's problems."""

from __future__ import annotations

import re

import pytest

from medsec.accounts.roles import OrganizationKind, Role

from .conftest import EXAMPLES, Browser, Site, csrf_of, text_of

PUMP = (EXAMPLES / "infusion-pump.yaml").read_text()
PUMP_SBOM = EXAMPLES / "sbom" / "infusion-pump-4.2.1.cdx.json"


@pytest.fixture
def psirt(site: Site) -> Browser:
    return site.signed_in("psirt", Role.PRODUCT_SECURITY_OFFICER, OrganizationKind.MANUFACTURER)


def draft(browser: Browser) -> tuple[int, str]:
    page = browser.follow("/products/upload")
    response = browser.post(
        "/products/upload",
        {"csrf_token": csrf_of(page.text)},
        files={"file": ("pump.yaml", PUMP.encode(), "application/yaml")},
    )
    found = re.fullmatch(r"/versions/(\d+)\?done=uploaded", response.headers["location"])
    assert found
    return int(found.group(1)), browser.follow(response.headers["location"]).text


def upload_sbom(browser: Browser, version: int, page: str, content: bytes) -> object:
    return browser.post(
        f"/versions/{version}/sbom",
        {"csrf_token": csrf_of(page)},
        files={"file": ("bom.json", content, "application/json")},
    )


def test_attach_an_sbom_to_a_draft_and_read_its_components(psirt: Browser) -> None:
    version, page = draft(psirt)
    assert "No SBOM attached." in text_of(page)
    assert f'action="/versions/{version}/sbom"' in page
    response = upload_sbom(psirt, version, page, PUMP_SBOM.read_bytes())
    assert response.headers["location"] == f"/versions/{version}?done=sbom-attached"  # type: ignore[attr-defined]
    page = psirt.follow(f"/versions/{version}?done=sbom-attached").text
    assert "The SBOM was attached." in text_of(page)
    assert "10 components" in text_of(page) and "all present" in text_of(page)
    components = psirt.follow(f"/versions/{version}/sbom").text
    assert "pkg:generic/openssl@3.0.13" in components
    assert "cpe:2.3:o:linux:linux_kernel:5.15.148" in components
    assert "Supplier name" in text_of(components)
    filtered = psirt.follow(f"/versions/{version}/sbom?name=zlib").text
    assert "1 component." in text_of(filtered) and "busybox" not in filtered


def test_an_invalid_sbom_lists_its_problems_and_stores_nothing(psirt: Browser) -> None:
    version, page = draft(psirt)
    bad = b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "x"}]}'
    response = upload_sbom(psirt, version, page, bad)
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = text_of(response.text)  # type: ignore[attr-defined]
    assert "The SBOM was not attached" in text and "/components/0" in text
    assert "No SBOM attached." in text_of(psirt.follow(f"/versions/{version}").text)


def test_the_components_page_of_a_version_without_sbom_is_404(psirt: Browser) -> None:
    version, _ = draft(psirt)
    assert psirt.get(f"/versions/{version}/sbom").status_code == 404
