"""``build_provider``: what a CSAF 2.0 provider directory built by medsec contains."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.advisories.provider.build import BuildReport, build_provider, provider_base_url
from medsec.advisories.provider.layout import Tlp, csaf_file_name
from medsec.advisories.provider.metadata import ProviderMetadata
from medsec.advisories.signing.openpgp import OpenPgpSigner, load_certificate, verify_detached
from medsec.advisories.validation import default_validator
from medsec.errors import Error

BASE = "https://psirt.example.com"
ROOT = "https://psirt.example.com/.well-known/csaf/"
VALIDATOR = default_validator()
MakeDoc = Callable[..., Path]
CsafDoc = Callable[..., dict[str, Any]]


def build(docs: Path, out: Path, signer: OpenPgpSigner) -> BuildReport:
    return build_provider(docs, out, base_url=BASE, signer=signer, validator=VALIDATOR)


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def three(make_doc: MakeDoc) -> None:
    make_doc("EXM-2025-007", "2025-11-02T08:00:00Z", "2026-02-01T12:00:00Z")
    make_doc("EXM-2026-001", "2026-01-10T10:00:00.000Z")
    make_doc("EXM-2026-002", "2026-03-01T09:30:00+01:00", tlp="RED")


def test_the_layout_is_the_one_checked_by_hand(
    three: None, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    fpr = signer.key.fingerprint
    documents = {
        "public/white/2025/exm-2025-007.json",
        "public/white/2026/exm-2026-001.json",
        "restricted/red/2026/exm-2026-002.json",
    }
    expected = {
        "public/provider-metadata.json",
        "public/service.json",
        f"public/openpgp/{fpr}.asc",
        "public/white/index.txt",
        "public/white/changes.csv",
        "public/white/csaf-feed-tlp-white.json",
        "public/white/csaf-category-tlp-white.json",
        "restricted/service.json",
        "restricted/red/index.txt",
        "restricted/red/changes.csv",
        "restricted/red/csaf-feed-tlp-red.json",
        "restricted/red/csaf-category-tlp-red.json",
    }
    expected |= {f"{d}{suffix}" for d in documents for suffix in ("", ".sha256", ".sha512", ".asc")}
    assert set(files(out)) == expected


def test_index_and_changes_list_each_tlp_folder_newest_first_every_field_quoted(
    three: None, make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    make_doc("EXM-2026-003", "2026-01-10T10:00:00.000Z")  # same date as 001: by path
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    assert (out / "public/white/index.txt").read_text() == (
        "2025/exm-2025-007.json\n2026/exm-2026-001.json\n2026/exm-2026-003.json\n"
    )
    assert (out / "public/white/changes.csv").read_bytes() == (
        b'"2025/exm-2025-007.json","2026-02-01T12:00:00Z"\r\n'
        b'"2026/exm-2026-001.json","2026-01-10T10:00:00.000Z"\r\n'
        b'"2026/exm-2026-003.json","2026-01-10T10:00:00.000Z"\r\n'
    )
    assert (out / "restricted/red/changes.csv").read_bytes() == (
        b'"2026/exm-2026-002.json","2026-03-01T09:30:00+01:00"\r\n'
    )


def test_hash_files_verify_with_coreutils(
    three: None, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    folders = {p.parent for p in out.rglob("*.sha256")}
    assert len(folders) == 3
    for folder in folders:
        for tool, suffix in (("sha256sum", "sha256"), ("sha512sum", "sha512")):
            names = sorted(p.name for p in folder.glob(f"*.{suffix}"))
            done = subprocess.run(
                [tool, "-c", *names], cwd=folder, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert done.stdout.count(": OK") == len(names)


def test_every_signature_verifies_with_the_published_key(
    three: None, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    metadata = json.loads((out / "public/provider-metadata.json").read_text())
    (key,) = metadata["public_openpgp_keys"]
    assert key["url"] == f"{ROOT}openpgp/{key['fingerprint']}.asc"
    cert = load_certificate((out / "public/openpgp" / f"{key['fingerprint']}.asc").read_bytes())
    for document in out.rglob("*.json"):
        signature = document.with_name(document.name + ".asc")
        if signature.exists():
            assert (
                verify_detached(document.read_bytes(), signature.read_bytes(), [cert])
                == (key["fingerprint"])
            )


def test_red_and_amber_never_land_in_the_public_tree(
    make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    make_doc("EXM-2026-010", "2026-01-01T00:00:00Z", tlp="RED")
    make_doc("EXM-2026-011", "2026-01-01T00:00:00Z", tlp="AMBER")
    make_doc("EXM-2026-012", "2026-01-01T00:00:00Z", tlp="GREEN")
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    public = b"".join(p.read_bytes() for p in (out / "public").rglob("*") if p.is_file())
    assert b"EXM-2026-010" not in public.replace(b"exm-2026-010", b"")  # not the document
    assert not list((out / "public").rglob("exm-2026-010*"))
    assert not list((out / "public").rglob("exm-2026-011*"))
    assert (out / "public/green/2026/exm-2026-012.json").is_file()
    metadata = json.loads((out / "public/provider-metadata.json").read_text())
    feeds = {
        f["tlp_label"]: f["url"]
        for d in metadata["distributions"]
        if "rolie" in d
        for f in d["rolie"]["feeds"]
    }
    assert feeds == {
        "WHITE": f"{ROOT}white/csaf-feed-tlp-white.json",
        "GREEN": f"{ROOT}green/csaf-feed-tlp-green.json",
        "AMBER": f"{ROOT}restricted/amber/csaf-feed-tlp-amber.json",
        "RED": f"{ROOT}restricted/red/csaf-feed-tlp-red.json",
    }


def test_provider_metadata_is_what_the_model_accepts_and_names_the_trusted_role(
    three: None, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner, csaf_doc: CsafDoc
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    data = json.loads((out / "public/provider-metadata.json").read_text())
    metadata = ProviderMetadata.model_validate(data)
    assert metadata.role == "csaf_trusted_provider"
    assert data["canonical_url"] == f"{ROOT}provider-metadata.json"
    assert data["last_updated"] == "2026-03-01T08:30:00Z"  # newest current_release_date, UTC
    assert data["publisher"] == csaf_doc("X", "2026-01-01T00:00:00Z")["document"]["publisher"]
    assert metadata.directory_urls() == [f"{ROOT}white/", f"{ROOT}restricted/red/"]


def test_the_rolie_feed_links_document_hashes_and_signature(
    three: None, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    feed = json.loads((out / "public/white/csaf-feed-tlp-white.json").read_text())["feed"]
    assert feed["link"][0] == {"rel": "self", "href": f"{ROOT}white/csaf-feed-tlp-white.json"}
    assert feed["updated"] == "2026-02-01T12:00:00Z"
    first, second = feed["entry"]
    assert first["id"] == "EXM-2025-007"  # newest update first
    url = f"{ROOT}white/2025/exm-2025-007.json"
    assert first["link"] == [
        {"rel": "self", "href": url},
        {"rel": "hash", "href": url + ".sha256"},
        {"rel": "hash", "href": url + ".sha512"},
        {"rel": "signature", "href": url + ".asc"},
    ]
    assert first["content"] == {"type": "application/json", "src": url}
    assert first["published"] == "2025-11-02T08:00:00Z"
    assert second["id"] == "EXM-2026-001"
    service = json.loads((out / "public/service.json").read_text())
    hrefs = [c["href"] for w in service["service"]["workspace"] for c in w["collection"]]
    assert hrefs == [f"{ROOT}white/csaf-feed-tlp-white.json"]


def test_two_builds_of_the_same_inputs_are_byte_identical(
    three: None, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    first = files(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    build(docs_dir, out, signer)
    assert files(out) == first
    # unchanged files keep their modification time: Last-Modified stays true for downloaders
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_a_changed_document_is_signed_again_the_others_keep_their_signature(
    three: None, make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    before = files(out)
    make_doc("EXM-2026-001", "2026-01-10T10:00:00.000Z", "2026-04-01T00:00:00Z")
    build(docs_dir, out, signer)
    after = files(out)
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == {
        "public/white/2026/exm-2026-001.json",
        "public/white/2026/exm-2026-001.json.sha256",
        "public/white/2026/exm-2026-001.json.sha512",
        "public/white/2026/exm-2026-001.json.asc",
        "public/white/changes.csv",
        "public/white/csaf-feed-tlp-white.json",
        "public/provider-metadata.json",
    }


def test_an_invalid_document_is_refused_with_the_plain_explanation(
    make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner, csaf_doc: CsafDoc
) -> None:
    make_doc("EXM-2026-001", "2026-01-10T10:00:00Z")
    bad = csaf_doc("EXM-2026-666", "2026-01-10T10:00:00Z")
    bad["vulnerabilities"] = [{"product_status": {"known_affected": ["CSAFPID-9999"]}}]
    (docs_dir / "bad.json").write_text(json.dumps(bad))
    (docs_dir / "broken.json").write_text("{")
    out = tmp_path / "out"
    report = build_provider(docs_dir, out, base_url=BASE, signer=signer, validator=VALIDATOR)
    refused = {r.source: r for r in report.refused}
    assert set(refused) == {"bad.json", "broken.json"}
    assert "requirement 1" in refused["bad.json"].reason
    assert any("CSAFPID-9999" in d and "never defines it" in d for d in refused["bad.json"].details)
    assert refused["broken.json"].reason == "not a CSAF 2.0 document"
    assert not list(out.rglob("exm-2026-666*"))
    assert [p.tracking_id for p in report.published] == ["EXM-2026-001"]


def test_two_documents_with_one_file_name_are_both_refused(
    make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    make_doc("EXM-2026-001", "2026-01-10T10:00:00Z", file="a.json")
    make_doc("exm-2026-001", "2026-01-10T10:00:00Z", file="b.json")
    make_doc("EXM-2026-005", "2026-01-10T10:00:00Z")
    report = build(docs_dir, tmp_path / "out", signer)
    assert sorted(r.source for r in report.refused) == ["a.json", "b.json"]


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://psirt.example.com", ROOT),
        ("https://psirt.example.com/", ROOT),
        ("https://psirt.example.com/.well-known/csaf", ROOT),
        ("https://psirt.example.com/.well-known/csaf/", ROOT),
    ],
)
def test_the_base_url_names_the_well_known_folder(base_url: str, expected: str) -> None:
    assert provider_base_url(base_url) == expected


@pytest.mark.parametrize(
    "base_url", ["http://psirt.example.com", "http://127.0.0.1.example.com", "ftp://localhost"]
)
def test_a_plain_http_base_url_is_refused(base_url: str) -> None:
    with pytest.raises(Error, match="https://"):
        provider_base_url(base_url)


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000", "http://localhost:8765/", "http://[::1]:8000"]
)
def test_plain_http_is_accepted_on_a_loopback_host_only(base_url: str) -> None:
    assert provider_base_url(base_url) == base_url.rstrip("/") + "/.well-known/csaf/"


def test_a_folder_medsec_did_not_build_is_never_replaced(
    make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    make_doc("EXM-2026-001", "2026-01-10T10:00:00Z")
    out = tmp_path / "home"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(Error, match="not a provider directory built by medsec"):
        build(docs_dir, out, signer)
    assert files(out) == {"notes.txt": b"mine"}


class _FailingSigner:
    def __init__(self, real: OpenPgpSigner) -> None:
        self.real = real
        self.key = real.key

    def public_key_armored(self) -> str:
        return self.real.public_key_armored()

    def sign_detached(self, data: bytes) -> str:
        raise Error("the signing service is down")


def test_a_failed_build_leaves_the_previous_one_untouched(
    three: None, make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    before = files(out)
    make_doc("EXM-2026-099", "2026-05-01T00:00:00Z")
    with pytest.raises(Error, match="signing service is down"):
        build_provider(
            docs_dir, out, base_url=BASE, signer=_FailingSigner(signer), validator=VALIDATOR
        )
    assert files(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_nothing_to_publish_is_an_error(
    docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    (docs_dir / "broken.json").write_text("[]")
    with pytest.raises(Error, match="no document can be published"):
        build(docs_dir, tmp_path / "out", signer)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("tracking_id", "file_name"),
    [
        ("EXM-2026-001", "exm-2026-001.json"),
        ("OASIS_CSAF_TC-CSAF_2.0-2021-5-1-11", "oasis_csaf_tc-csaf_2_0-2021-5-1-11.json"),
        ("OASIS: #/CSAF_TC-CSAF_2.0-2021-5-1-13", "oasis_csaf_tc-csaf_2_0-2021-5-1-13.json"),
        ("cisco-sa-20180328+smi2", "cisco-sa-20180328+smi2.json"),  # "+" is kept (§5.1)
        ("Ünïcode 2026", "_n_code_2026.json"),
    ],
)
def test_file_names_follow_section_5_1(tracking_id: str, file_name: str) -> None:
    assert csaf_file_name(tracking_id) == file_name


@given(st.text(min_size=1))
def test_a_file_name_is_always_safe(tracking_id: str) -> None:
    name = csaf_file_name(tracking_id)
    assert name.endswith(".json")
    assert set(name[:-5]) <= set("abcdefghijklmnopqrstuvwxyz0123456789+-_")
    assert "__" not in name[:-5]


@pytest.mark.parametrize(
    ("label", "folder"),
    [
        ("WHITE", "public/white"),
        ("CLEAR", "public/white"),
        ("GREEN", "public/green"),
        ("AMBER", "restricted/amber"),
        ("RED", "restricted/red"),
        (None, "public/unlabeled"),
    ],
)
def test_the_tlp_folder(label: str | None, folder: str, csaf_doc: CsafDoc) -> None:
    document = csaf_doc("X", "2026-01-01T00:00:00Z", tlp=label)
    assert Tlp.of(document).folder == folder


def test_the_built_tree_can_be_copied_and_still_verifies(
    three: None, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner
) -> None:
    out = tmp_path / "out"
    build(docs_dir, out, signer)
    copy = tmp_path / "served"
    shutil.copytree(out / "public", copy)
    assert (copy / "white/2026/exm-2026-001.json.asc").is_file()
