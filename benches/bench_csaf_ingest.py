"""P5 (issue 7 §9): the hospital's CSAF ingest pipeline on advisories served by a provider on
loopback, matched against a large inventory, beside the bare validation time of the same
documents.

Run: ``python3 -m uv run python benches/bench_csaf_ingest.py [--documents 1000]
[--assets 10000] [--database-url URL]``.

What it does: writes ``--documents`` CSAF 2.0 advisories (the test fixture with its tracking
id, vendor, product names and purls varied), builds a medsec provider from them (signed,
hashed, ROLIE and directory listings: set-up, not timed), serves its public tree with a
threaded HTTP server on 127.0.0.1, seeds a hospital with ``--assets`` devices (a tenth of
them run a version an advisory lists as affected), subscribes with the pinned key and times
one fetch: list → download → SHA-512 → OpenPGP signature → mandatory tests → import →
matching → notifications, all in one transaction, committed. Then it times the mandatory
validation alone on the same documents, and a second fetch (every document answered 304).

The provider URLs are ``https://``; the bench's transport sends them to the loopback server
over plain HTTP, so TLS is not part of the figure.
"""

from __future__ import annotations

import argparse
import copy
import http.server
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import argon2
import httpx

from medsec.accounts import services as accounts
from medsec.accounts.actor import Actor
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.consumer import services as consumer
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.interfaces import Preset
from medsec.advisories.provider.build import build_provider
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.db.engine import Database
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset
from medsec.inventory.schemas import SiteIn

FIXTURE = Path(__file__).resolve().parents[1] / "tests/advisories/fixtures/exm-2026-001.json"
SITE = "https://psirt.bench.example"
VENDORS, MODELS = 20, 100


def advisory(i: int, base: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    doc["document"]["tracking"]["id"] = f"BENCH-2026-{i:04d}"
    vendor, model = f"Vendor {i % VENDORS}", f"Model {i % MODELS}"
    (vendor_branch,) = doc["product_tree"]["branches"]
    vendor_branch["name"] = vendor
    (name_branch,) = vendor_branch["branches"]
    name_branch["name"] = model
    for branch in name_branch["branches"]:
        product = branch["product"]
        product["name"] = f"{vendor} {model} {branch['name']}"
        slug = model.lower().replace(" ", "-")
        product["product_identification_helper"]["purl"] = (
            f"pkg:generic/vendor-{i % VENDORS}/{slug}@{branch['name']}"
        )
    doc["vulnerabilities"][0]["cve"] = f"CVE-2026-{10000 + i}"
    return doc


def serve(public: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: without TCP_NODELAY every response waits
        # for the client's delayed ACK (40 ms on Linux), which would measure the test server
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            path = self.path.split("?")[0].removeprefix("/.well-known/csaf/")
            target = public / path
            if ".." in path or not target.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = target.read_bytes()
            etag = f'"{target.stat().st_mtime_ns:x}-{len(body):x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class ToLoopback(httpx.BaseTransport):
    """Sends the provider's https:// URLs to the loopback server (plain HTTP)."""

    def __init__(self, origin: str) -> None:
        self.origin = httpx.URL(origin)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme="http", host=self.origin.host, port=self.origin.port
        )
        return self.inner.handle_request(request)


def seed_hospital(db: Database, assets: int) -> Actor:
    context = Context.cli("bench")
    with db.session() as s:
        org = accounts.create_organization(
            s, "Bench hospital", OrganizationKind.HEALTHCARE_PROVIDER, context
        )
        user = accounts.create_local_user(
            s, org, accounts.NewUser("analyst", Role.SECURITY_ANALYST),
            "velvet orbit kettle marsh 47", context, temporary=False,
            hasher=PasswordHasher(argon2.profiles.CHEAPEST),
        )  # fmt: skip
        actor = Actor(user.id, user.username, org.id, org.kind, Role.SECURITY_ANALYST)
        site = inventory.create_site(s, actor, SiteIn(name="Main campus"))
        s.add_all(
            Asset(
                organization_id=org.id,
                site_id=site.id,
                serial=f"SN-{j:06d}",
                vendor=f"Vendor {j % VENDORS}",
                model=f"Model {(j // VENDORS) % MODELS}",
                # 1.0 is affected in every advisory, 1.1 fixed, 2.0 not listed
                firmware_version="1.0" if j % 10 == 0 else ("1.1" if j % 10 < 5 else "2.0"),
            )
            for j in range(assets)
        )
    return actor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="medsec-bench-csaf-"))
    base = json.loads(FIXTURE.read_text())
    docs = work / "docs"
    docs.mkdir()
    for i in range(args.documents):
        (docs / f"bench-{i:04d}.json").write_text(json.dumps(advisory(i, base), indent=2))
    store = KeyStore(work / "data", b"b" * 48)
    store.create("Bench PSIRT <psirt@bench.example>")
    validator = default_validator()
    t0 = time.perf_counter()
    build_provider(
        docs, work / "provider", base_url=SITE, signer=store.signer(), validator=validator
    )
    print(f"set-up: {args.documents} advisories built into a provider in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    server, origin = serve(work / "provider" / "public")
    url = args.database_url or f"sqlite:///{work / 'hospital.db'}"
    migrate.upgrade(url)
    db = Database(url)
    actor = seed_hospital(db, args.assets)
    print(f"set-up: {args.assets} assets, database {url.split(':', 1)[0]}, {validator.name}")
    with http_client(ToLoopback(origin)) as client:
        downloader = Downloader(client)
        with db.session() as s:
            subscription = consumer.subscribe(
                s, actor, downloader, SITE, store.info().fingerprint
            ).id
        start = time.perf_counter()
        with db.session() as s:
            report = consumer.fetch(s, actor, downloader, validator, subscription)
        pipeline = time.perf_counter() - start
        start = time.perf_counter()
        with db.session() as s:
            again = consumer.fetch(s, actor, downloader, validator, subscription)
        refetch = time.perf_counter() - start
    server.shutdown()
    documents = [json.loads(p.read_text()) for p in sorted(docs.glob("*.json"))]
    start = time.perf_counter()
    for i, document in enumerate(documents):
        validator.validate(document, file=str(i), preset=Preset.MANDATORY)
    validation = time.perf_counter() - start
    db.dispose()
    n = args.documents
    print(f"fetch: {report.counts} (error: {report.error})")
    print(f"end to end: {n / pipeline:.1f} documents/s ({pipeline:.1f} s for {n})")
    print(f"bare mandatory validation of the same documents: {n / validation:.1f} documents/s "
          f"({validation:.1f} s)")  # fmt: skip
    print(f"pipeline overhead over validation: {(pipeline - validation) / validation:.2f}x "
          f"({pipeline - validation:.1f} s)")  # fmt: skip
    print(f"second fetch (all 304): {again.counts.get('unchanged')} unchanged in {refetch:.1f} s")


if __name__ == "__main__":
    main()
