"""Feeds in the browser: a manufacturer sees its feed's URL and key; a hospital analyst
subscribes with the key, fetches, reads what arrived and the diff of a new version; a key
that is not a public key is explained on the form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.signing.openpgp import KeyStore
from medsec.feeds import api as feeds_api
from medsec.feeds.interfaces import Fetched, FetchFailed

from .conftest import EXAMPLES, Browser, Site, csrf_of, text_of

PUMP = (EXAMPLES / "infusion-pump.yaml").read_text()
ORIGIN = "http://127.0.0.1:8765"
FEED = f"{ORIGIN}/public/feeds/psirt-org/index.json"


@dataclass
class LoopbackTransport:
    """Answers ``ORIGIN/…`` from the same app, as the manufacturer's server would."""

    client: TestClient

    def get(self, url: str, *, max_bytes: int, etag: str | None = None) -> Fetched:
        parts = urlsplit(url)
        if not url.startswith(ORIGIN):
            raise FetchFailed(f"{url}: unreachable in this test")
        response = self.client.get(parts.path, headers={"If-None-Match": etag} if etag else {})
        if response.status_code == 304:
            return Fetched(304, b"", etag)
        if response.status_code != 200:
            raise FetchFailed(f"{url}: the server answered {response.status_code}")
        return Fetched(200, response.content, response.headers.get("etag"))


@pytest.fixture
def psirt(site: Site) -> Iterator[Browser]:
    settings = site.instance.settings
    KeyStore(settings.data_dir, settings.resolved_secret_key()).create("PSIRT <p@example.org>")
    site.app_client.app.dependency_overrides[feeds_api.transport] = lambda: LoopbackTransport(
        TestClient(site.app_client.app)
    )
    yield site.signed_in("psirt", Role.PRODUCT_SECURITY_OFFICER, OrganizationKind.MANUFACTURER)
    site.app_client.app.dependency_overrides.clear()


@pytest.fixture
def analyst(site: Site) -> Browser:
    return site.signed_in("analyst", Role.SECURITY_ANALYST, OrganizationKind.HEALTHCARE_PROVIDER)


def publish(browser: Browser, text: str) -> None:
    page = browser.follow("/products/upload")
    uploaded = browser.post(
        "/products/upload",
        {"csrf_token": csrf_of(page.text)},
        files={"file": ("pump.yaml", text.encode(), "application/yaml")},
    )
    found = re.fullmatch(r"/versions/(\d+)\?done=uploaded", uploaded.headers["location"])
    assert found, uploaded.text
    response = browser.submit(
        f"/versions/{found.group(1)}", f"/versions/{found.group(1)}/publish", {}
    )
    assert response.status_code == 303, response.text


def test_the_manufacturer_sees_its_feed_url_and_key(psirt: Browser) -> None:
    page = text_of(psirt.follow("/feeds").text)
    assert "http://127.0.0.1:8000/public/feeds/psirt-org/index.json" in page
    assert "fingerprint" in page and "Subscribe to" not in page


def test_subscribe_fetch_and_read_the_changes_of_a_new_version(
    psirt: Browser, analyst: Browser
) -> None:
    publish(psirt, PUMP)
    key = analyst.get("/public/feeds/psirt-org/key.asc").text
    response = analyst.submit("/feeds", "/feeds/subscriptions", {"url": FEED, "key": key})
    assert response.headers["location"] == "/feeds?done=feed-subscribed", response.text
    page = analyst.follow("/feeds").text
    subscription = re.search(r'action="/feeds/subscriptions/(\d+)/fetch"', page)
    assert subscription and "never" in text_of(page)

    fetch = f"/feeds/subscriptions/{subscription.group(1)}/fetch"
    assert analyst.submit("/feeds", fetch, {}).status_code == 303
    publish(
        psirt,
        PUMP.replace('version: "4.2.1"', 'version: "4.2.2"', 1).replace(
            "default_port: 6514", "default_port: 6600"
        ),
    )
    assert analyst.submit("/feeds", fetch, {}).status_code == 303

    page = analyst.follow("/feeds").text
    assert "ok" in text_of(page)
    entries = re.findall(r'<a href="/feeds/entries/(\d+)">Northwind LVP 3000</a>', page)
    assert len(entries) == 2, page
    newest = text_of(analyst.follow(f"/feeds/entries/{entries[0]}").text)
    assert "What changed since the previous version" in newest
    assert "6600" in newest and "stored" in newest
    first = text_of(analyst.follow(f"/feeds/entries/{entries[1]}").text)
    assert "The first version received of this product" in first


def test_a_key_that_is_not_a_public_key_is_explained(analyst: Browser) -> None:
    response = analyst.submit("/feeds", "/feeds/subscriptions", {"url": FEED, "key": "hello"})
    assert response.status_code == 422
    page = text_of(response.text)
    assert "There is a problem" in page and "not an OpenPGP public key" in page


def test_a_cleartext_feed_off_this_host_is_refused(analyst: Browser) -> None:
    response = analyst.submit(
        "/feeds", "/feeds/subscriptions", {"url": "http://psirt.example/index.json", "key": "k"}
    )
    assert response.status_code == 422
    assert "https://" in text_of(response.text)
