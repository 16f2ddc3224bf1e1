"""The service serves the built CSAF provider: public tree to anyone, AMBER/RED to a login,
with conditional GET; a downloader can follow it from provider-metadata.json to a verified
document. (Here rather than in tests/advisories: it needs the service fixtures.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.build import build_provider
from medsec.advisories.signing.openpgp import KeyStore, load_certificate, verify_detached
from medsec.advisories.validation import default_validator
from medsec.service import Instance

FIXTURE = Path(__file__).resolve().parents[1] / "advisories" / "fixtures" / "exm-2026-001.json"
SITE = "https://psirt.example.com"
ROOT = f"{SITE}/.well-known/csaf/"


@pytest.fixture
def provider(instance: Instance, tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for tracking_id, tlp in (("EXM-2026-001", "WHITE"), ("EXM-2026-002", "RED")):
        document = json.loads(FIXTURE.read_text())
        document["document"]["tracking"]["id"] = tracking_id
        document["document"]["distribution"]["tlp"]["label"] = tlp
        (docs / f"{tracking_id}.json").write_text(json.dumps(document))
    store = KeyStore(instance.settings.data_dir, instance.settings.resolved_secret_key())
    store.create("Example Medical PSIRT <psirt@example.com>")
    out = provider_dir(instance.settings.data_dir)
    build_provider(docs, out, base_url=SITE, signer=store.signer(), validator=default_validator())
    return out


def local(url: str) -> str:
    assert url.startswith(SITE)
    return url.removeprefix(SITE)


def test_a_downloader_follows_metadata_feed_hash_and_signature(
    client: TestClient, provider: Path
) -> None:
    metadata = client.get("/.well-known/csaf/provider-metadata.json")
    assert metadata.status_code == 200
    assert metadata.headers["content-type"] == "application/json"
    data = metadata.json()
    key = client.get(local(data["public_openpgp_keys"][0]["url"]))
    cert = load_certificate(key.content)
    (white,) = [
        f for d in data["distributions"] if "rolie" in d for f in d["rolie"]["feeds"]
        if f["tlp_label"] == "WHITE"
    ]  # fmt: skip
    feed = client.get(local(white["url"])).json()["feed"]
    (entry,) = feed["entry"]
    links = {(link["rel"], link["href"].rsplit(".", 1)[-1]): link["href"] for link in entry["link"]}
    document = client.get(local(entry["content"]["src"])).content
    sha256 = client.get(local(links["hash", "sha256"])).text
    assert sha256.split()[0] == hashlib.sha256(document).hexdigest()
    signature = client.get(local(links["signature", "asc"])).content
    assert (
        verify_detached(document, signature, [cert])
        == data["public_openpgp_keys"][0]["fingerprint"]
    )


def test_conditional_get_answers_304(client: TestClient, provider: Path) -> None:
    first = client.get("/.well-known/csaf/white/changes.csv")
    assert first.headers["content-type"] == "text/csv; charset=utf-8"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert (
        client.get(
            "/.well-known/csaf/white/changes.csv", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
    assert (
        client.get(
            "/.well-known/csaf/white/changes.csv", headers={"If-Modified-Since": modified}
        ).status_code
        == 304
    )
    assert (
        client.get(
            "/.well-known/csaf/white/changes.csv", headers={"If-None-Match": '"other"'}
        ).status_code
        == 200
    )


def test_folders_have_a_server_side_listing(client: TestClient, provider: Path) -> None:
    listing = client.get("/.well-known/csaf/white/")
    assert listing.status_code == 200
    assert '<a href="2026/">2026/</a>' in listing.text
    assert '<a href="index.txt">index.txt</a>' in listing.text
    assert client.get("/.well-known/csaf/white").status_code == 404  # no redirects (req. 6)


def test_red_is_served_only_to_a_login_with_products_read(
    client: TestClient, provider: Path, make: Any
) -> None:
    path = "/.well-known/csaf/restricted/red/2026/exm-2026-002.json"
    assert client.get(path).status_code == 401
    assert client.get(path).json()["type"] == "https://medsec.dev/problems/unauthenticated"
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    _, reporter = make.token(make.user(clinic, Role.REPORTER))
    assert client.get(path, headers={"Authorization": f"Bearer {reporter}"}).status_code == 403
    _, engineer = make.token(make.user(clinic, Role.CLINICAL_ENGINEER))
    served = client.get(path, headers={"Authorization": f"Bearer {engineer}"})
    assert served.status_code == 200
    assert served.content == (provider / "restricted/red/2026/exm-2026-002.json").read_bytes()
    assert served.headers["cache-control"] == "private"


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/csaf/restricted/../public/provider-metadata.json",
        "/.well-known/csaf/%2e%2e/restricted/red/index.txt",
        "/.well-known/csaf/..%2f..%2fsecret_key",
        "/.well-known/csaf/red/index.txt",
        "/.well-known/csaf/white/2026/nothing.json",
    ],
)
def test_nothing_outside_the_public_tree_is_served_without_login(
    client: TestClient, provider: Path, path: str
) -> None:
    response = client.get(path)
    assert response.status_code in (401, 404), response.text
    assert b"exm-2026-002" not in response.content.lower()
