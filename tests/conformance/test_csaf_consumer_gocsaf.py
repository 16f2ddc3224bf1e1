"""The hospital's CSAF consumer against the gocsaf example providers
(``../shared/data/csaf/gocsaf-provider/testdata``: a directory provider and a ROLIE provider,
with their OpenPGP key), served on loopback by a threaded HTTP server that fills in their
Go templates (``{{.URL}}``, ``{{if .EnableSha256}}``) as gocsaf's own tests do.

Discovery goes through security.txt (the directory provider has no well-known metadata
here) and through the metadata URL (ROLIE); the advisory is hashed, verified against the
pinned gocsaf key, validated, imported and matched to a device by name; a second fetch
is answered 304 from the stored ETags. Tampering with the served bytes quarantines the
document. SQLite, migrated as a real instance is.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import argon2
import pysequoia
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from medsec.accounts import services as accounts
from medsec.accounts.actor import Actor
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.consumer import services as consumer
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.consumer.models import AdvisoryMatch, CsafQuarantine
from medsec.advisories.validation import default_validator
from medsec.audit.services import Context
from medsec.cli.main import app
from medsec.db import migrate
from medsec.db.engine import Database
from medsec.errors import Conflict
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset
from medsec.inventory.schemas import SiteIn
from medsec.notifications.models import Notification
from medsec.vulns.models import VulnRecord

TESTDATA = Path(__file__).resolve().parents[2] / "../shared/data/csaf/gocsaf-provider/testdata"
FINGERPRINT = "A8914CA2F11139C6A69A0018FB3CD9B15DE61596"
DOCUMENT = "/white/avendor-advisory-0004.json"

pytestmark = pytest.mark.skipif(
    not (TESTDATA / "simple-directory-provider").is_dir(),
    reason=f"{TESTDATA} is absent (the gocsaf example providers of ../shared/data)",
)


@dataclass
class Served:
    root: Path
    base: str = ""
    #: path → bytes served instead of the file (tampering in transit).
    replaced: dict[str, bytes] = field(default_factory=dict)
    #: (path, status) of every request, in order.
    log: list[tuple[str, int]] = field(default_factory=list)


_IF = re.compile(r"\{\{if \.Enable\w+\}\}|\{\{end\}\}")


def serve(served: Served) -> Iterator[Served]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            local = "/security.txt" if path == "/.well-known/security.txt" else path
            target = (served.root / local.lstrip("/")).resolve()
            if path in served.replaced:
                body = served.replaced[path]
            elif target.is_file() and target.is_relative_to(served.root.resolve()):
                body = target.read_bytes()
                if target.suffix in (".json", ".txt") and b"{{" in body:
                    text = _IF.sub("", body.decode()).replace("{{.URL}}", served.base)
                    body = text.encode()
            else:
                self.send_response(404)
                self.end_headers()
                served.log.append((path, 404))
                return
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                served.log.append((path, 304))
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            served.log.append((path, 200))

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["simple-directory-provider", "simple-rolie-provider"])
def provider(request: pytest.FixtureRequest) -> Iterator[Served]:
    yield from serve(Served(TESTDATA / request.param))


@dataclass
class Hospital:
    db: Database
    actor: Actor
    downloader: Downloader


@pytest.fixture
def hospital(tmp_path: Path) -> Iterator[Hospital]:
    url = f"sqlite:///{tmp_path / 'medsec.db'}"
    migrate.upgrade(url)
    db = Database(url)
    context = Context.cli("test")
    with db.session() as session:
        org = accounts.create_organization(
            session, "St. Example", OrganizationKind.HEALTHCARE_PROVIDER, context
        )
        user = accounts.create_local_user(
            session, org, accounts.NewUser("analyst", Role.SECURITY_ANALYST),
            "velvet orbit kettle marsh 47", context, temporary=False,
            hasher=PasswordHasher(argon2.profiles.CHEAPEST),
        )  # fmt: skip
        actor = Actor(user.id, user.username, org.id, org.kind, Role.SECURITY_ANALYST)
        site = inventory.create_site(session, actor, SiteIn(name="Main campus"))
        for serial, model, firmware in (
            ("SN-1", "product_1", "1.1"),  # under investigation in the advisory
            ("SN-2", "product_1", "1.2"),  # listed, but no status
            ("SN-3", "product_9", "1.1"),  # not in the advisory
        ):
            values = {"vendor": "AVendor", "model": model, "firmware_version": firmware}
            inventory.create_asset(session, actor, site.id, None, {**values, "serial": serial})
    with http_client() as client:
        yield Hospital(db, actor, Downloader(client))
    db.dispose()


def subscribe(hospital: Hospital, provider: Served) -> int:
    requested = (
        provider.base  # through /.well-known/security.txt
        if provider.root.name == "simple-directory-provider"
        else provider.base + "/provider-metadata.json"
    )
    with hospital.db.session() as s:
        row = consumer.subscribe(s, hospital.actor, hospital.downloader, requested, FINGERPRINT)
        assert row.discovered_via == (
            "security.txt" if provider.root.name == "simple-directory-provider" else "url"
        )
        return row.id


def fetch(hospital: Hospital, subscription: int) -> dict[str, int]:
    with hospital.db.session() as s:
        report = consumer.fetch(
            s, hospital.actor, hospital.downloader, default_validator(), subscription
        )
    assert report.error is None
    return {k: v for k, v in report.counts.items() if v}


def test_the_gocsaf_advisory_is_verified_imported_and_matched(
    hospital: Hospital, provider: Served
) -> None:
    subscription = subscribe(hospital, provider)

    assert fetch(hospital, subscription) == {"imported": 1, "newMatches": 2}

    with hospital.db.session() as s:
        found = {
            (m.asset_id, m.vulnerability, m.product_id, m.status, m.confidence)
            for m in s.scalars(select(AdvisoryMatch))
        }
        sn1 = s.scalar(select(Asset.id).where(Asset.serial == "SN-1"))
        assert found == {
            (sn1, "CVE-2020-1234", "CSAFPID_0001", "under_investigation", "name"),
            (sn1, "CVE-2020-9876", "CSAFPID_0001", "under_investigation", "name"),
        }
        (notification,) = s.scalars(select(Notification))
        assert "Avendor-advisory-0004" in notification.subject
        assert "SN-1" in (notification.body or "")
        assert s.scalar(select(VulnRecord.record_id).where(VulnRecord.source == "csaf")) == (
            "https://www.example.com#Avendor-advisory-0004"
        )
    print(f"gocsaf {provider.root.name}: 1/1 advisory verified, imported, matched")


def test_a_second_fetch_is_answered_from_the_etag(hospital: Hospital, provider: Served) -> None:
    subscription = subscribe(hospital, provider)
    fetch(hospital, subscription)
    provider.log.clear()

    assert fetch(hospital, subscription) == {"unchanged": 1}
    assert (DOCUMENT, 304) in provider.log
    assert not any(path.endswith(".asc") for path, _ in provider.log)


@pytest.mark.parametrize(
    ("replace", "reason"),
    [
        (DOCUMENT, "hash-mismatch"),
        (DOCUMENT + ".asc", "signature-invalid"),
    ],
)
def test_tampered_bytes_are_quarantined_and_never_imported(
    hospital: Hospital, provider: Served, replace: str, reason: str
) -> None:
    document = (provider.root / DOCUMENT.lstrip("/")).read_bytes()
    if replace.endswith(".asc"):
        # a well-formed signature of the very bytes served, by a key that is not the pinned one
        intruder = pysequoia.Tsk.generate("Intruder <x@example.org>")
        tampered = pysequoia.sign(
            intruder.signer(), document, mode=pysequoia.SignatureMode.DETACHED
        )
    else:
        tampered = document.replace(b"Auto generated", b"Auto-generated")
    provider.replaced[replace] = tampered
    subscription = subscribe(hospital, provider)

    assert fetch(hospital, subscription) == {"quarantined": 1}

    with hospital.db.session() as s:
        (row,) = s.scalars(select(CsafQuarantine))
        assert row.reason == reason
        assert s.scalar(select(VulnRecord.id).where(VulnRecord.source == "csaf")) is None
        assert s.scalars(select(AdvisoryMatch)).all() == []
    with hospital.db.session() as s, pytest.raises(Conflict, match="cannot be released"):
        consumer.release(s, hospital.actor, row.id, "looks fine to me")


def test_the_cli_subscribes_fetches_and_lists_the_quarantine(
    hospital: Hospital, provider: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDSEC_DATABASE_URL", hospital.db.engine.url.render_as_string(False))
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDSEC_SECRET_KEY", "k" * 48)
    runner = CliRunner()
    metadata = provider.base + "/provider-metadata.json"

    wrong = runner.invoke(app, ["csaf", "subscribe", metadata, "--fingerprint", "AB" * 20])
    assert wrong.exit_code == 1
    assert "lists no key with fingerprint" in wrong.stderr

    subscribed = runner.invoke(
        app, ["csaf", "subscribe", metadata, "--fingerprint", FINGERPRINT, "--format", "json"]
    )
    assert subscribed.exit_code == 0, subscribed.stderr
    provider.replaced[DOCUMENT] = b'{"document": {"csaf_version": "2.0"}}'
    fetched = runner.invoke(app, ["csaf", "fetch", "--format", "json"])
    assert fetched.exit_code == 0, fetched.stderr
    (report,) = json.loads(fetched.stdout)
    assert report["counts"]["quarantined"] == 1

    listed = runner.invoke(app, ["csaf", "quarantine", "list", "--format", "json"])
    (row,) = json.loads(listed.stdout)
    assert (row["reason"], row["releasable"]) == ("hash-mismatch", False)
    refused = runner.invoke(app, ["csaf", "quarantine", "release", str(row["id"]), "--note", "x"])
    assert refused.exit_code == 1
    assert "cannot be released" in refused.stderr
