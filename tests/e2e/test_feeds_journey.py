"""Two real instances on loopback — a manufacturer's and a hospital's, each ``medsec
serve`` in its own process with its own SQLite data directory — and the signed feed
between them (issue 7 §6):

the manufacturer publishes a profile (examples/infusion-pump.yaml) with its SBOM and a
CSAF advisory about it (written over the API, published into its instance's CSAF
provider) → the hospital subscribes with the feed's key, fetches: the index's signature
and every document's SHA-256 verify, the version and its SBOM are stored, its pump is
linked; the index names the CSAF provider, so the same fetch subscribes the hospital to
it pinned to the feed's key, imports the advisory (hash, signature, validation), matches
the pump and notifies the staff of both → a second version arrives with the diff → a
document altered on the manufacturer's server after publication is quarantined, never
stored → the CSAF subscription is not duplicated by later fetches.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from medsec.accounts import services as accounts
from medsec.accounts import tokens
from medsec.accounts.actor import Actor
from medsec.accounts.authentication import actor_for
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import ROLE_PERMISSIONS, OrganizationKind, Role
from medsec.advisories.publishing import publish as advisory_publishing
from medsec.advisories.publishing.demo import example_input
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.advisories.signing.openpgp import KeyStore
from medsec.audit.services import Context
from medsec.cli.main import app as cli
from medsec.db import migrate
from medsec.inventory import services as inventory
from medsec.inventory.schemas import SiteIn
from medsec.notifications import services as notifications
from medsec.products import services as products
from medsec.products.models import ProfileVersion
from medsec.service import Instance
from medsec.settings import Settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "examples" / "infusion-pump.yaml"
SBOM = REPO / "examples" / "sbom" / "infusion-pump-4.2.1.cdx.json"
MANUFACTURER = "Northwind Infusion Systems"
HOSPITAL = "St. Example Hospital"
PASSWORD = "marble orchard lighthouse sparrow"
PRODUCT = "Northwind LVP 3000"
TRACKING_ID = "NWIS-2026-004"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class Side:
    url: str
    settings: Settings
    instance: Instance
    token: str
    actor: Actor

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _prepare(data: Path, url: str, org_name: str, kind: OrganizationKind, role: Role) -> Side:
    """A migrated instance with one organization, one user and an API token of that user."""
    settings = Settings(data_dir=data, database_url=None, base_url=url, cookie_secure=False)
    migrate.upgrade(settings.resolved_database_url())
    instance = Instance.from_settings(settings)
    with instance.db.session() as session:
        org = accounts.create_organization(session, org_name, kind, Context.cli("test"))
        user = accounts.create_local_user(
            session,
            org,
            accounts.NewUser(f"{role.value}-1", role),
            PASSWORD,
            Context.cli("test"),
            temporary=False,
            hasher=instance.auth.hasher,
        )
        actor = actor_for(session, user, None, instance.auth, Context(ip="127.0.0.1"))
        _, token = tokens.create_token(session, actor, "e2e", sorted(ROLE_PERMISSIONS[role]), 1)
    return Side(url, settings, instance, token, actor)


@pytest.fixture
def serve() -> Iterator[Any]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(side: Side, log: Path) -> None:
        port = int(side.url.rsplit(":", 1)[1])
        env = {
            **os.environ,
            "MEDSEC_DATA_DIR": str(side.settings.data_dir),
            "MEDSEC_BASE_URL": side.url,
            "MEDSEC_COOKIE_SECURE": "false",
        }
        for name in ("MEDSEC_DATABASE_URL", "MEDSEC_SECRET_KEY"):
            env.pop(name, None)
        command = [sys.executable, "-c", "from medsec.cli.main import main; main()"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        processes.append(process)
        deadline = time.monotonic() + 120  # start-up wait, not a timed assertion
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(side.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _publish(side: Side, text: str) -> int:
    """Upload over the API (as the product security officer's token), attach the SBOM,
    publish (a recent login is needed: done in-process, as the web form after re-login)."""
    uploaded = httpx.post(
        side.url + "/api/v1/profiles",
        headers=side.headers(),
        files={"file": ("infusion-pump.yaml", text.encode())},
    )
    assert uploaded.status_code == 201, uploaded.text
    version_id = int(uploaded.json()["id"])
    sbom = httpx.post(
        f"{side.url}/api/v1/profile-versions/{version_id}/sbom",
        headers=side.headers(),
        files={"file": (SBOM.name, SBOM.read_bytes())},
    )
    assert sbom.status_code == 201, sbom.text
    with side.instance.db.session() as session:
        recent = dataclasses.replace(side.actor, recently_authenticated=True)
        products.publish(session, recent, version_id)
    return version_id


def _advisory(side: Side) -> None:
    """The example advisory (examples/advisories/nwis-2026-004.yaml) about the published
    product, written over the API and published into the instance's CSAF provider (at its
    loopback address; a recent login is needed: done in-process, as after re-login)."""
    created = httpx.post(
        side.url + "/api/v1/advisories", headers=side.headers(), json=example_input(PRODUCT)
    )
    assert created.status_code == 201, created.text
    with side.instance.db.session() as session:
        recent = dataclasses.replace(side.actor, recently_authenticated=True)
        advisory_publishing.publish(
            session, recent, int(created.json()["id"]), ProviderTarget.from_settings(side.settings)
        )


def test_a_manufacturer_feed_reaches_a_hospital_verified_diffed_and_matched(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    maker = _prepare(
        tmp_path / "manufacturer",
        f"http://127.0.0.1:{_free_port()}",
        MANUFACTURER,
        OrganizationKind.MANUFACTURER,
        Role.PRODUCT_SECURITY_OFFICER,
    )
    hospital = _prepare(
        tmp_path / "hospital",
        f"http://127.0.0.1:{_free_port()}",
        HOSPITAL,
        OrganizationKind.HEALTHCARE_PROVIDER,
        Role.SECURITY_ANALYST,
    )
    KeyStore(maker.settings.data_dir, maker.settings.resolved_secret_key()).create(
        "Northwind PSIRT <psirt@northwind-infusion.example>"
    )
    with hospital.instance.db.session() as session:
        site = inventory.create_site(session, hospital.actor, SiteIn(name="Main campus"))
        pump = inventory.create_asset(
            session,
            hospital.actor,
            site.id,
            None,
            {
                "serial": "NW-0001",
                "vendor": MANUFACTURER,
                "model": "LVP-3000",
                "firmware_version": "4.2.1",
            },
        )
        pump_id = pump.id
    serve(maker, tmp_path / "manufacturer.log")
    serve(hospital, tmp_path / "hospital.log")

    # The manufacturer publishes version 4.2.1 with its SBOM, and an advisory about it.
    first_text = PROFILE.read_text(encoding="utf-8")
    _publish(maker, first_text)
    _advisory(maker)
    feed = f"{maker.url}/public/feeds/northwind-infusion-systems/index.json"
    key = httpx.get(feed.replace("index.json", "key.asc"))
    assert key.status_code == 200 and "PGP PUBLIC KEY" in key.text

    # The hospital subscribes, pinning that key, and fetches.
    subscribed = httpx.post(
        hospital.url + "/api/v1/feed-subscriptions",
        headers=hospital.headers(),
        json={"url": feed, "key": key.text},
    )
    assert subscribed.status_code == 201, subscribed.text
    subscription = subscribed.json()
    fetch_url = f"{hospital.url}/api/v1/feed-subscriptions/{subscription['id']}/fetch"
    report = httpx.post(fetch_url, headers=hospital.headers(), timeout=60).json()
    assert report["status"] == "ok", report
    assert report["stored"] == [f"{PRODUCT}/4.2.1/profile", f"{PRODUCT}/4.2.1/sbom"]
    # ... and the advisory leg: the provider the index names, followed with the feed's key
    provider_url = f"{maker.url}/.well-known/csaf/provider-metadata.json"
    leg = report["advisories"]
    assert (leg["provider_url"], leg["created"], leg["error"]) == (provider_url, True, None)
    assert (leg["counts"]["imported"], leg["counts"]["newMatches"]) == (1, 1), leg
    followed = httpx.get(hospital.url + "/api/v1/csaf/subscriptions", headers=hospital.headers())
    [csaf] = followed.json()
    assert (csaf["id"], csaf["metadata_url"]) == (leg["csaf_subscription_id"], provider_url)
    assert csaf["key_fingerprint"] == subscription["fingerprint"], "pinned to the feed's key"
    assert csaf["created_by"] == f"feed:{subscription['id']}"

    asset = httpx.get(f"{hospital.url}/api/v1/assets/{pump_id}", headers=hospital.headers()).json()
    assert asset["profile_version_id"] is not None, asset
    first_version = asset["profile_version_id"]
    sbom = httpx.get(
        f"{hospital.url}/api/v1/profile-versions/{first_version}/sboms", headers=hospital.headers()
    ).json()
    assert sbom and sbom[0]["source"] == "feed" and sbom[0]["component_count"] > 0
    with hospital.instance.db.session() as session:
        notifications.deliver_pending(session)  # the worker's notifications.deliver
    inbox = httpx.get(hospital.url + "/api/v1/notifications", headers=hospital.headers()).json()
    assert sorted(n["subject"] for n in inbox) == [
        f"{TRACKING_ID}: {example_input()['title']} concerns 1 device(s) of your inventory",
        f"New version 4.2.1 of {PRODUCT}: 1 of your devices",
    ], "the version and the advisory, one notification each"
    matches = httpx.get(hospital.url + "/api/v1/csaf/matches", headers=hospital.headers()).json()
    assert [(m["asset_id"], m["tracking_id"], m["status"]) for m in matches] == [
        (pump_id, TRACKING_ID, "affected")
    ]

    # A second version, fetched with the CLI as the operator would from cron.
    second_text = first_text.replace('version: "4.2.1"', 'version: "4.2.2"', 1).replace(
        "default_port: 6514", "default_port: 6600"
    )
    _publish(maker, second_text)
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(hospital.settings.data_dir))
    fetched = CliRunner().invoke(cli, ["feeds", "fetch", "--organization", HOSPITAL])
    assert fetched.exit_code == 0, fetched.output
    assert f"stored {PRODUCT}/4.2.2/profile" in fetched.stdout
    entries = httpx.get(
        f"{hospital.url}/api/v1/feed-subscriptions/{subscription['id']}/entries",
        headers=hospital.headers(),
    ).json()
    assert [(e["version"], e["kind"], e["state"]) for e in entries[:2]] == [
        ("4.2.2", "sbom", "stored"),
        ("4.2.2", "profile", "stored"),
    ], "newest first"
    newest = entries[1]
    detail = httpx.get(
        f"{hospital.url}/api/v1/feed-entries/{newest['id']}", headers=hospital.headers()
    ).json()
    assert detail["previous_version_id"] == first_version
    assert any("6514" in c["message"] and "6600" in c["message"] for c in detail["changes"])

    # A third version, altered on the manufacturer's server after publication.
    third_id = _publish(maker, first_text.replace('version: "4.2.1"', 'version: "4.2.3"', 1))
    with maker.instance.db.session() as session:
        session.execute(
            update(ProfileVersion)
            .where(ProfileVersion.id == third_id)
            .values(source=ProfileVersion.source + "\n# altered\n")
        )
    report = httpx.post(fetch_url, headers=hospital.headers(), timeout=60).json()
    assert report["status"] == "partial", report
    quarantined = {q["entry"]: q["reason"] for q in report["quarantined"]}
    assert "the index says" in quarantined[f"{PRODUCT}/4.2.3/profile"]
    held = httpx.get(
        f"{hospital.url}/api/v1/feed-subscriptions/{subscription['id']}/entries",
        params={"state": "quarantined"},
        headers=hospital.headers(),
    ).json()
    assert {e["version"] for e in held} == {"4.2.3"}
    with hospital.instance.db.session() as session:
        versions = session.execute(select(ProfileVersion.version).order_by(ProfileVersion.id))
        assert list(versions.scalars()) == ["4.2.1", "4.2.2"], "4.2.3 was never stored"
        assert (
            session.execute(
                select(User.id).join(Organization).where(Organization.name == MANUFACTURER)
            ).first()
            is None
        ), "the publisher has no users"

    # The advisory leg is followed once: later fetches found the same CSAF subscription.
    kept = httpx.get(
        f"{hospital.url}/api/v1/feed-subscriptions/{subscription['id']}", headers=hospital.headers()
    ).json()
    assert kept["csaf_provider_url"] == provider_url
    assert report["advisories"]["created"] is False
    followed = httpx.get(hospital.url + "/api/v1/csaf/subscriptions", headers=hospital.headers())
    assert [s["id"] for s in followed.json()] == [csaf["id"]]
