"""A manufacturer and a hospital on one test instance, and a transport that serves the
instance's public feed routes in-process (with a hook to tamper with answers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.actor import Actor
from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.signing.openpgp import KeyStore
from medsec.app import create_app
from medsec.feeds import receiving, subscriptions
from medsec.feeds.interfaces import Fetched, FetchFailed
from medsec.feeds.publishing import slug_of
from medsec.sbom import importing as sbom_importing
from medsec.sbom import services as sbom_services
from medsec.service import Instance

REPO = Path(__file__).resolve().parents[3]
SBOM = REPO / "examples" / "sbom" / "infusion-pump-4.2.1.cdx.json"
VENDOR, MODEL = "Northwind Infusion Systems", "LVP-3000"
ORIGIN = "http://127.0.0.1:8765"

Tamper = Callable[[str, bytes], bytes]


@dataclass
class AppTransport:
    """Answers ``ORIGIN/...`` from the app; ``tamper(path, body)`` may change a body."""

    client: TestClient
    tamper: Tamper | None = None
    requested: list[str] = field(default_factory=list)

    def get(self, url: str, *, max_bytes: int, etag: str | None = None) -> Fetched:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            raise FetchFailed(f"{url}: unreachable in this test")
        self.requested.append(parts.path)
        headers = {"If-None-Match": etag} if etag else {}
        response = self.client.get(parts.path, headers=headers)
        if response.status_code == 304:
            return Fetched(304, b"", etag)
        if response.status_code != 200:
            raise FetchFailed(f"{url}: the server answered {response.status_code}")
        body = response.content
        if self.tamper is not None:
            body = self.tamper(parts.path, body)
        if len(body) > max_bytes:
            raise FetchFailed(f"{url}: larger than the {max_bytes} bytes allowed")
        return Fetched(200, body, response.headers.get("etag"))


@dataclass
class World:
    instance: Instance
    make: Any
    psirt: Actor
    analyst: Actor
    manufacturer_name: str
    transport: AppTransport
    key: str
    users: dict[str, Any]

    @property
    def feed_url(self) -> str:
        return f"{ORIGIN}/public/feeds/{slug_of(self.manufacturer_name)}/index.json"

    def publish(self, version: str, text: str | None = None, *, sbom: bool = False) -> int:
        uploaded = self.make.upload(self.psirt, version=version, text=text)
        if sbom:
            data = SBOM.read_bytes()
            with self.make.session() as session:
                sbom_services.attach_to_version(
                    session,
                    self.psirt,
                    uploaded.id,
                    sbom_importing.source_of_bytes(data, SBOM.name),
                    sbom_importing.document_of_bytes(data, SBOM.name),
                )
        return int(self.make.publish(self.psirt, uploaded).id)

    def subscribe(self) -> int:
        with self.make.session() as session:
            found = subscriptions.subscribe(session, self.analyst, self.feed_url, self.key.encode())
            return int(found.id)

    def fetch(self, subscription_id: int) -> receiving.FetchReport:
        with self.make.session() as session:
            found = subscriptions.for_fetch(session, self.analyst, subscription_id)
            return receiving.fetch(session, found, self.transport, self.analyst.context)


@pytest.fixture
def world(instance: Instance, make: Any) -> Iterator[World]:
    store = KeyStore(instance.settings.data_dir, instance.settings.resolved_secret_key())
    store.create("Northwind PSIRT <psirt@northwind.example>")
    name = make.unique("Northwind Medical")
    manufacturer = make.organization(OrganizationKind.MANUFACTURER, name)
    psirt_user = make.user(manufacturer, Role.PRODUCT_SECURITY_OFFICER)
    psirt = make.actor(psirt_user)
    hospital = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    analyst_user = make.user(hospital, Role.SECURITY_ANALYST)
    make.user(hospital, Role.CLINICAL_ENGINEER)
    analyst = make.actor(analyst_user)
    with TestClient(create_app(instance.settings, instance)) as client:
        yield World(
            instance,
            make,
            psirt,
            analyst,
            name,
            AppTransport(client),
            store.public_key_armored(),
            {"psirt": psirt_user, "analyst": analyst_user},
        )
