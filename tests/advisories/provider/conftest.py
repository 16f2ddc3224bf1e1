"""Fixtures for provider tests: a signing key in a temporary data dir, and small valid CSAF
documents made from ``tests/advisories/fixtures/exm-2026-001.json``."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medsec.advisories.signing.openpgp import KeyStore, OpenPgpSigner

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "exm-2026-001.json"
SECRET = b"provider-tests-instance-secret-0123456789"

MakeDoc = Callable[..., Path]


@pytest.fixture(scope="session")
def key_store(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    store = KeyStore(tmp_path_factory.mktemp("instance"), SECRET)
    store.create("Example Medical PSIRT <psirt@example.com>")
    return store


@pytest.fixture(scope="session")
def signer(key_store: KeyStore) -> OpenPgpSigner:
    return key_store.signer()


def csaf_document(
    tracking_id: str, initial: str, current: str | None = None, tlp: str | None = "WHITE"
) -> dict[str, Any]:
    base: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc = copy.deepcopy(base)
    tracking = doc["document"]["tracking"]
    current = current or initial
    tracking["id"] = tracking_id
    tracking["initial_release_date"] = initial
    tracking["current_release_date"] = current
    tracking["revision_history"] = [
        {"date": initial, "number": "1.0.0", "summary": "First release."}
    ]
    if current != initial:
        tracking["revision_history"].append(
            {"date": current, "number": "2.0.0", "summary": "Update."}
        )
        tracking["version"] = "2.0.0"
    doc["document"]["references"][0]["url"] = f"https://example.com/{tracking_id}.json"
    if tlp is None:
        del doc["document"]["distribution"]
    else:
        doc["document"]["distribution"]["tlp"]["label"] = tlp
    return doc


CsafDoc = Callable[..., dict[str, Any]]


@pytest.fixture
def csaf_doc() -> CsafDoc:
    """``csaf_doc(tracking_id, initial, current=None, tlp="WHITE")``: a valid document."""
    return csaf_document


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    path = tmp_path / "docs"
    path.mkdir()
    return path


@pytest.fixture
def make_doc(docs_dir: Path) -> MakeDoc:
    def make(
        tracking_id: str,
        initial: str,
        current: str | None = None,
        tlp: str | None = "WHITE",
        file: str | None = None,
    ) -> Path:
        path = docs_dir / (file or f"{tracking_id}.json")
        document = csaf_document(tracking_id, initial, current, tlp)
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        return path

    return make
