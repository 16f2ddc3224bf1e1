"""A hospital's instance subscribes to a manufacturer's medsec instance (its built CSAF
provider, served by its own app) and follows it: discovery through the well-known URL,
the pinned key, conditional re-fetch, matching to the inventory with a notification,
tampered documents quarantined and never imported, a document failing a mandatory test
quarantined with its findings and released by an analyst (audited). Through the services
and through the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pysequoia
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.consumer import services as consumer
from medsec.advisories.consumer import tasks as csaf_tasks
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.consumer.models import AdvisoryMatch, CsafQuarantine
from medsec.advisories.consumer.services import KeyNotPinned
from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.build import build_provider
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator
from medsec.app import create_app
from medsec.audit.models import AuditEvent
from medsec.db import migrate
from medsec.errors import Conflict
from medsec.notifications.models import Notification
from medsec.service import Instance
from medsec.settings import Settings
from medsec.vulns.models import VulnRecord

FIXTURE = Path(__file__).resolve().parents[2] / "advisories" / "fixtures" / "exm-2026-001.json"
SITE = "https://psirt.example.com"
DOC = "public/white/2026/exm-2026-001.json"
DOC_URL = f"{SITE}/.well-known/csaf/white/2026/exm-2026-001.json"


class Forward(httpx.BaseTransport):
    """An httpx transport into another app's TestClient: the manufacturer's instance."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.client.request(
            request.method, str(request.url), headers=dict(request.headers)
        )
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


@dataclass
class Manufacturer:
    root: Path
    store: KeyStore
    transport: Forward

    @property
    def fingerprint(self) -> str:
        return self.store.info().fingerprint

    def republish(self, data: bytes, *, sign: bool = True) -> None:
        """Replace the served document with ``data``, hashed and (by default) signed again
        with the provider's key — a real publication, defects included."""
        path = self.root / DOC
        path.write_bytes(data)
        for algorithm in ("sha256", "sha512"):
            digest = hashlib.new(algorithm, data).hexdigest()
            path.with_name(path.name + f".{algorithm}").write_text(f"{digest}  {path.name}\n")
        if sign:
            path.with_name(path.name + ".asc").write_text(self.store.signer().sign_detached(data))


@pytest.fixture
def manufacturer(tmp_path: Path) -> Iterator[Manufacturer]:
    """A second medsec instance (own data dir and database) that built its provider."""
    data_dir = tmp_path / "manufacturer"
    url = f"sqlite:///{tmp_path / 'manufacturer.db'}"
    migrate.upgrade(url)
    settings = Settings(
        data_dir=data_dir, database_url=url, secret_key=SecretStr("m" * 48),
        base_url=SITE, cookie_secure=False,
    )  # fmt: skip
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "exm-2026-001.json").write_text(FIXTURE.read_text())
    store = KeyStore(data_dir, settings.resolved_secret_key())
    store.create("Example Medical PSIRT <psirt@example.com>")
    root = provider_dir(data_dir)
    build_provider(docs, root, base_url=SITE, signer=store.signer(), validator=default_validator())
    app_instance = Instance.from_settings(settings)
    with TestClient(create_app(settings, app_instance)) as client:
        yield Manufacturer(root, store, Forward(client))
    app_instance.db.dispose()


@dataclass
class Hospital:
    make: Any
    actor: Any
    downloader: Downloader
    serials: dict[str, int]


@pytest.fixture
def hospital(make: Any, manufacturer: Manufacturer) -> Iterator[Hospital]:
    org = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    admin = make.actor(make.user(org, Role.ADMIN))
    site = make.site(admin)
    serials = {}
    for serial, firmware in (("PUMP-1", "1.0"), ("PUMP-2", "1.1"), ("PUMP-3", "1.0")):
        asset = make.asset(
            admin, site.id, serial, vendor="Example Medical", model="Example Pump",
            firmware_version=firmware,
        )  # fmt: skip
        serials[serial] = asset.id
    analyst = make.actor(make.user(org, Role.SECURITY_ANALYST))
    with http_client(manufacturer.transport) as client:
        yield Hospital(make, analyst, Downloader(client), serials)


def subscribe(hospital: Hospital, manufacturer: Manufacturer) -> int:
    with hospital.make.session() as s:
        row = consumer.subscribe(
            s, hospital.actor, hospital.downloader, "psirt.example.com", manufacturer.fingerprint
        )
        assert (row.discovered_via, row.metadata_url) == (
            "well-known",
            f"{SITE}/.well-known/csaf/provider-metadata.json",
        )
        return int(row.id)


def fetch(hospital: Hospital, subscription: int) -> dict[str, int]:
    with hospital.make.session() as s:
        report = consumer.fetch(
            s, hospital.actor, hospital.downloader, default_validator(), subscription
        )
    assert report.error is None, report.error
    return {k: v for k, v in report.counts.items() if v}


def test_the_advisory_is_imported_matched_notified_and_not_fetched_twice(
    hospital: Hospital, manufacturer: Manufacturer
) -> None:
    subscription = subscribe(hospital, manufacturer)

    assert fetch(hospital, subscription) == {"imported": 1, "newMatches": 2}
    assert fetch(hospital, subscription) == {"unchanged": 1}

    with hospital.make.session() as s:
        matches = {(m.asset_id, m.status, m.confidence) for m in s.scalars(select(AdvisoryMatch))}
        notes = s.scalars(select(Notification).where(Notification.topic == "advisory-match")).all()
    # PUMP-2 runs 1.1, which the advisory lists as fixed
    assert matches == {
        (hospital.serials["PUMP-1"], "affected", "name"),
        (hospital.serials["PUMP-3"], "affected", "name"),
    }
    assert {n.user_id for n in notes} >= {hospital.actor.user_id}
    assert all("concerns 2 device(s)" in n.subject for n in notes)


def test_a_key_other_than_the_pinned_fingerprint_is_refused(
    hospital: Hospital, manufacturer: Manufacturer
) -> None:
    other = pysequoia.Tsk.generate("Someone <else@example.org>").extract_certificate()
    other_fingerprint = other.fingerprint.upper()
    with hospital.make.session() as s, pytest.raises(KeyNotPinned, match="lists no key"):
        consumer.subscribe(s, hospital.actor, hospital.downloader, SITE, other_fingerprint)


def intruder_signature(data: bytes) -> str:
    intruder = pysequoia.Tsk.generate("Intruder <x@example.org>")
    signed = pysequoia.sign(intruder.signer(), data, mode=pysequoia.SignatureMode.DETACHED)
    return signed.decode()


@pytest.mark.parametrize("tampering", ["document changed", "signed by another key", "unsigned"])
def test_a_tampered_document_is_quarantined_never_imported_never_released(
    hospital: Hospital, manufacturer: Manufacturer, tampering: str
) -> None:
    path = manufacturer.root / DOC
    original = path.read_bytes()
    signature = path.with_name(path.name + ".asc")
    if tampering == "document changed":
        path.write_bytes(original.replace(b"Example Pump", b"Example Pumq"))
        expected = "hash-mismatch"
    elif tampering == "signed by another key":
        signature.write_text(intruder_signature(original))
        expected = "signature-invalid"
    else:
        signature.unlink()
        expected = "signature-missing"
    subscription = subscribe(hospital, manufacturer)

    assert fetch(hospital, subscription) == {"quarantined": 1}
    assert fetch(hospital, subscription) == {"unchanged": 1}  # the same bytes: not twice

    with hospital.make.session() as s:
        (row,) = s.scalars(select(CsafQuarantine))
        assert (row.reason, row.url) == (expected, DOC_URL)
        assert s.scalars(select(VulnRecord).where(VulnRecord.source == "csaf")).all() == []
    with hospital.make.session() as s, pytest.raises(Conflict, match="cannot be released"):
        consumer.release(s, hospital.actor, row.id, "I trust it")


def test_a_document_failing_a_mandatory_test_is_quarantined_then_released_by_an_analyst(
    hospital: Hospital, manufacturer: Manufacturer
) -> None:
    document = json.loads(FIXTURE.read_text())
    document["document"]["tracking"]["version"] = "2.0.0"  # 6.1.16: not the latest revision
    manufacturer.republish(json.dumps(document, indent=2).encode())
    subscription = subscribe(hospital, manufacturer)

    assert fetch(hospital, subscription) == {"quarantined": 1}
    with hospital.make.session() as s:
        (row,) = consumer.quarantined(s, hospital.actor)
        assert row.reason == "mandatory-tests"
        assert "6.1.16" in {f["testId"] for f in row.findings}
        assert all(f["explanation"] for f in row.findings)
        assert s.scalars(select(AdvisoryMatch)).all() == []
    with hospital.make.session() as s, pytest.raises(Exception, match="say why"):
        consumer.release(s, hospital.actor, row.id, "  ")

    with hospital.make.session() as s:
        outcome = consumer.release(
            s, hospital.actor, row.id, "only the version number is off; products are right"
        )
    assert (outcome.status, outcome.new_matches) == ("released", 2)

    with hospital.make.session() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.tag == "advisories:document:released")
        ).one()
        assert event.actor == hospital.actor.username
        assert event.details["note"].startswith("only the version number")
        assert "6.1.16" in event.details["findings"]
        assert consumer.quarantined(s, hospital.actor) == []
        assert s.scalars(select(AdvisoryMatch)).all() != []
    with hospital.make.session() as s, pytest.raises(Conflict, match="released already"):
        consumer.release(s, hospital.actor, row.id, "again")
    # the released bytes are not quarantined again by the next fetch
    assert fetch(hospital, subscription) == {"unchanged": 1}


def test_a_new_revision_replaces_the_matches(
    hospital: Hospital, manufacturer: Manufacturer
) -> None:
    subscription = subscribe(hospital, manufacturer)
    fetch(hospital, subscription)
    document = json.loads(FIXTURE.read_text())
    tracking = document["document"]["tracking"]
    tracking |= {"version": "2.0.0", "current_release_date": "2026-02-01T00:00:00.000Z"}
    tracking["revision_history"].append(
        {"date": "2026-02-01T00:00:00.000Z", "number": "2.0.0", "summary": "1.0 fixed too."}
    )
    document["vulnerabilities"][0]["product_status"] = {"fixed": ["CSAFPID-0001", "CSAFPID-0002"]}
    manufacturer.republish(json.dumps(document, indent=2).encode())

    assert fetch(hospital, subscription) == {"imported": 1}
    with hospital.make.session() as s:
        assert s.scalars(select(AdvisoryMatch)).all() == []


# --- the API -----------------------------------------------------------------------------


def test_the_api_subscribes_fetches_lists_and_releases(
    instance: Instance, make: Any, manufacturer: Manufacturer
) -> None:
    instance.http_transport = manufacturer.transport
    org = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    admin = make.actor(make.user(org, Role.ADMIN))
    make.asset(admin, make.site(admin).id, "PUMP-9", vendor="Example Medical",
               model="Example Pump", firmware_version="1.0")  # fmt: skip
    analyst = make.user(org, Role.SECURITY_ANALYST)
    _, token = make.token(analyst)
    headers = {"Authorization": f"Bearer {token}"}
    document = json.loads(FIXTURE.read_text())
    document["document"]["tracking"]["version"] = "2.0.0"
    manufacturer.republish(json.dumps(document).encode())

    with TestClient(create_app(instance.settings, instance)) as client:
        wrong = client.post(
            "/api/v1/csaf/subscriptions",
            json={"url": SITE, "fingerprint": "0" * 40},
            headers=headers,
        )
        assert wrong.status_code == 422
        assert wrong.json()["type"] == "https://medsec.dev/problems/csaf-key-not-pinned"
        created = client.post(
            "/api/v1/csaf/subscriptions",
            json={"url": SITE, "fingerprint": manufacturer.fingerprint},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        report = client.post(f"/api/v1/csaf/subscriptions/{sid}/fetch", headers=headers).json()
        assert report["counts"]["quarantined"] == 1
        (received,) = client.get(
            f"/api/v1/csaf/subscriptions/{sid}/documents", headers=headers
        ).json()
        assert (received["status"], received["tracking_id"]) == ("quarantined", "EXM-2026-001")
        (held,) = client.get("/api/v1/csaf/quarantine", headers=headers).json()
        assert (held["reason"], held["releasable"]) == ("mandatory-tests", True)
        released = client.post(
            f"/api/v1/csaf/quarantine/{held['id']}/release",
            json={"note": "version number only"},
            headers=headers,
        )
        assert released.status_code == 200, released.text
        (match,) = client.get("/api/v1/csaf/matches", headers=headers).json()
        assert (match["serial"], match["vulnerability"], match["confidence"]) == (
            "PUMP-9",
            document["vulnerabilities"][0]["cve"],
            "name",
        )
        listed = client.get("/api/v1/csaf/subscriptions", headers=headers).json()
        assert [s["last_fetch_status"] for s in listed] == ["ok"]
        assert (
            client.delete(f"/api/v1/csaf/subscriptions/{sid}", headers=headers).status_code == 204
        )
        assert client.get("/api/v1/csaf/subscriptions", headers=headers).json() == []


def test_the_worker_fetches_every_subscription(
    instance: Instance, hospital: Hospital, manufacturer: Manufacturer
) -> None:
    subscribe(hospital, manufacturer)
    instance.http_transport = manufacturer.transport

    assert csaf_tasks.fetch_all(instance) == 1
    assert csaf_tasks.fetch_all(instance) == 0  # unchanged

    with hospital.make.session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.tag == "advisories:subscription:fetched")
        ).all()
    assert [e.actor for e in events] == ["worker", "worker"]


def test_a_quarantined_document_is_superseded_when_an_authentic_version_arrives(
    hospital: Hospital, manufacturer: Manufacturer
) -> None:
    path = manufacturer.root / DOC
    original = path.read_bytes()
    path.write_bytes(original.replace(b"Example Pump", b"Example Pumq"))  # hash mismatch
    subscription = subscribe(hospital, manufacturer)
    assert fetch(hospital, subscription) == {"quarantined": 1}

    path.write_bytes(original)  # the provider serves the published bytes again

    assert fetch(hospital, subscription) == {"imported": 1, "newMatches": 2}
    with hospital.make.session() as s:
        assert consumer.quarantined(s, hospital.actor) == []
        (row,) = consumer.quarantined(s, hospital.actor, include_released=True)
        assert row.superseded_at is not None and not consumer.releasable(row)


class LockProbe(httpx.BaseTransport):
    """Forwards to the manufacturer, noting each URL asked while a write lock is held."""

    def __init__(self, inner: httpx.BaseTransport, write_locked: Any) -> None:
        self.inner, self.write_locked = inner, write_locked
        self.asked: list[str] = []
        self.locked: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(str(request.url))
        if self.write_locked():
            self.locked.append(str(request.url))
        return self.inner.handle_request(request)


def test_no_write_lock_is_held_while_the_provider_answers(
    hospital: Hospital, manufacturer: Manufacturer, write_locked: Any
) -> None:
    """The caller's own writes are committed first; the documents are downloaded and
    checked before the write transaction (SQLite has one writer for the whole instance)."""
    subscription = subscribe(hospital, manufacturer)
    probe = LockProbe(manufacturer.transport, write_locked)
    with http_client(probe) as client, hospital.make.session() as s:
        row = consumer.get_subscription(s, hospital.actor, subscription)
        row.last_error = "a write of the caller's (as an API token's last use is)"
        s.flush()
        report = consumer.fetch(s, hospital.actor, Downloader(client), default_validator(), row.id)
    assert report.counts["imported"] == 1
    assert len(probe.asked) >= 4  # metadata, listing, document, hash, signature
    assert probe.locked == []
