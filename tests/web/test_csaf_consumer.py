"""The CSAF subscription pages: subscribe with a pinned key (a wrong fingerprint is refused
on the form), fetch now, the documents received, the quarantine with the findings of a
failed mandatory test and the release form (a note is required), the devices concerned.
Plain form posts against a medsec provider served through the instance's transport."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from medsec.accounts.actor import Actor
from medsec.accounts.models import User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.provider.build import build_provider
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator
from medsec.audit.models import AuditEvent
from medsec.inventory import services as inventory
from medsec.inventory.schemas import SiteIn

from .conftest import Browser, Site, text_of

FIXTURE = Path(__file__).resolve().parents[1] / "advisories" / "fixtures" / "exm-2026-001.json"
SITE_URL = "https://psirt.example.com"


@pytest.fixture
def fingerprint(site: Site, tmp_path: Path) -> str:
    """A manufacturer's provider whose one advisory fails test 6.1.16 (signed all the same),
    reachable through the instance's outgoing-HTTP transport."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "exm.json").write_text(FIXTURE.read_text())
    store = KeyStore(tmp_path / "maker", b"m" * 48)
    store.create("Example Medical PSIRT <psirt@example.com>")
    out = tmp_path / "provider"
    build_provider(
        docs, out, base_url=SITE_URL, signer=store.signer(), validator=default_validator()
    )
    document = json.loads(FIXTURE.read_text())
    document["document"]["tracking"]["version"] = "2.0.0"
    data = json.dumps(document).encode()
    path = out / "public/white/2026/exm-2026-001.json"
    path.write_bytes(data)
    for algorithm in ("sha256", "sha512"):
        digest = hashlib.new(algorithm, data).hexdigest()
        path.with_name(f"{path.name}.{algorithm}").write_text(f"{digest}  {path.name}\n")
    path.with_name(f"{path.name}.asc").write_text(store.signer().sign_detached(data))

    def serve(request: httpx.Request) -> httpx.Response:
        target = out / "public" / request.url.path.removeprefix("/.well-known/csaf/")
        if ".." in request.url.path or not target.is_file():
            return httpx.Response(404)
        return httpx.Response(200, content=target.read_bytes())

    site.instance.http_transport = httpx.MockTransport(serve)
    return store.info().fingerprint


@pytest.fixture
def analyst(site: Site) -> Browser:
    browser = site.signed_in("analyst", Role.SECURITY_ANALYST, OrganizationKind.HEALTHCARE_PROVIDER)
    user = site.find_user("analyst")
    assert user is not None
    with site.instance.db.session() as session:
        row = session.execute(select(User).where(User.id == user.id)).scalar_one()
        actor = Actor(row.id, row.username, row.organization_id,
                      OrganizationKind.HEALTHCARE_PROVIDER, Role.SECURITY_ANALYST)  # fmt: skip
        campus = inventory.create_site(session, actor, SiteIn(name="Campus"))
        values = {"vendor": "Example Medical", "model": "Example Pump", "firmware_version": "1.0"}
        inventory.create_asset(session, actor, campus.id, None, {**values, "serial": "PUMP-77"})
    return browser


def test_subscribe_fetch_quarantine_release_and_see_the_device(
    site: Site, analyst: Browser, fingerprint: str
) -> None:
    page = analyst.follow("/advisories/subscriptions").text
    assert 'href="/advisories/subscriptions"' in page  # in the main navigation
    assert "No subscriptions yet." in text_of(page)

    wrong = analyst.submit(
        "/advisories/subscriptions", "/advisories/subscriptions",
        {"url": "psirt.example.com", "fingerprint": "AB" * 20},
    )  # fmt: skip
    assert wrong.status_code == 422
    assert "Not subscribed:" in text_of(wrong.text) and "lists no key" in text_of(wrong.text)

    done = analyst.submit(
        "/advisories/subscriptions", "/advisories/subscriptions",
        {"url": "psirt.example.com", "fingerprint": fingerprint},
    )  # fmt: skip
    assert done.status_code == 303
    here = done.headers["location"].split("?")[0]
    assert "Nothing received yet." in text_of(analyst.follow(here).text)

    fetched = analyst.submit(here, f"{here}/fetch", {})
    assert fetched.status_code == 303
    documents = text_of(analyst.follow(fetched.headers["location"]).text)
    assert "EXM-2026-001" in documents and "quarantined" in documents

    quarantine = analyst.follow("/advisories/quarantine").text
    assert "mandatory-tests" in text_of(quarantine) and "6.1.16" in text_of(quarantine)
    (action,) = [a for a in _actions(quarantine) if a.endswith("/release")]
    refused = analyst.submit("/advisories/quarantine", action, {"note": " "})
    assert refused.status_code == 422
    assert "say why the document is released" in text_of(refused.text)

    released = analyst.submit("/advisories/quarantine", action, {"note": "version only"})
    assert released.status_code == 303
    matches = text_of(analyst.follow(released.headers["location"]).text)
    assert "PUMP-77" in matches and "CVE-" in matches and "name" in matches
    with site.instance.db.session() as session:
        tags = set(session.scalars(select(AuditEvent.tag)))
    assert {
        "advisories:subscription:added",
        "advisories:subscription:fetched",
        "advisories:document:quarantined",
        "advisories:document:released",
    } <= tags


def test_a_manufacturer_is_not_offered_the_pages(site: Site) -> None:
    psirt = site.signed_in("psirt", Role.ADMIN, OrganizationKind.MANUFACTURER)
    assert 'href="/advisories/subscriptions"' not in psirt.follow("/").text
    assert psirt.get("/advisories/subscriptions").status_code == 403


def _actions(page: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', page)
