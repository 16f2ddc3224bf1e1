"""``check_provider``: each CSAF 2.0 requirement a broken provider directory violates is
reported by number, naming the file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from medsec.advisories.provider.build import build_provider
from medsec.advisories.provider.check import CheckReport, Status, check_provider
from medsec.advisories.signing.openpgp import KeyStore, OpenPgpSigner
from medsec.advisories.validation import default_validator
from medsec.cli.main import app
from medsec.errors import Error

VALIDATOR = default_validator()
MakeDoc = Callable[..., Path]
ROOT = "https://psirt.example.com/.well-known/csaf/"


@pytest.fixture
def built(make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, signer: OpenPgpSigner) -> Path:
    make_doc("EXM-2025-007", "2025-11-02T08:00:00Z", "2026-02-01T12:00:00Z")
    make_doc("EXM-2026-001", "2026-01-10T10:00:00.000Z")
    make_doc("EXM-2026-002", "2026-03-01T09:30:00+01:00", tlp="AMBER")
    out = tmp_path / "out"
    build_provider(
        docs_dir, out, base_url="https://psirt.example.com", signer=signer, validator=VALIDATOR
    )
    return out


def check(root: Path, security_txt: Path | None = None) -> CheckReport:
    return check_provider(root, validator=VALIDATOR, security_txt=security_txt)


def failures(report: CheckReport) -> dict[int, tuple[str, ...]]:
    return {r.number: r.messages for r in report.results if r.status is Status.FAIL}


def test_a_fresh_build_passes_every_offline_requirement(built: Path) -> None:
    report = check(built)
    assert failures(report) == {}
    statuses = {r.number: r.status for r in report.results}
    assert [n for n, s in statuses.items() if s is Status.PASS] == [
        1, 2, 3, 4, 5, 7, 9, 11, 12, 13, 15, 16, 17, 18, 19, 20,
    ]  # fmt: skip
    assert [n for n, s in statuses.items() if s is Status.NOT_CHECKED] == [6, 8, 10, 14]
    assert [n for n, s in statuses.items() if s is Status.NOT_APPLICABLE] == [21, 22, 23]
    assert report.role_claimed == report.role_met == "csaf_trusted_provider"


def test_a_tampered_document_fails_integrity_and_signature_naming_it(built: Path) -> None:
    path = built / "public/white/2026/exm-2026-001.json"
    path.write_bytes(path.read_bytes().replace(b"network stop", b"network stall"))
    found = failures(check(built))
    assert found[18] == (
        "public/white/2026/exm-2026-001.json: does not match its .sha256 file (changed after "
        "hashing)",
        "public/white/2026/exm-2026-001.json: does not match its .sha512 file (changed after "
        "hashing)",
    )
    assert len(found[19]) == 1
    assert found[19][0].startswith("public/white/2026/exm-2026-001.json: the signature does not")
    assert check(built).role_met == "csaf_provider"


def test_an_amber_document_copied_into_the_public_tree_fails_requirement_5(built: Path) -> None:
    source = built / "restricted/amber/2026/exm-2026-002.json"
    target = built / "public/white/2026/exm-2026-002.json"
    shutil.copy(source, target)
    found = failures(check(built))
    assert found[5] == ("public/white/2026/exm-2026-002.json is TLP:AMBER and in the public tree",)
    assert found[12] == (
        "public/white/2026/exm-2026-002.json is in public/white but not in index.txt",
        "public/white/2026/exm-2026-002.json is listed neither in an index.txt nor in a ROLIE feed",
    )


def test_unquoted_or_unsorted_changes_csv_fails_requirement_13(built: Path) -> None:
    changes = built / "public/white/changes.csv"
    rows = changes.read_text().splitlines()
    changes.write_text("\n".join(reversed(rows)).replace('"', "") + "\n")
    found = failures(check(built))
    assert found[13] == (
        'public/white/changes.csv:1: not two quoted fields ("file","date")',
        'public/white/changes.csv:2: not two quoted fields ("file","date")',
        "public/white/changes.csv is not sorted newest current_release_date first",
    )


def test_a_wrong_date_in_changes_csv_is_named(built: Path) -> None:
    changes = built / "public/white/changes.csv"
    changes.write_text(changes.read_text().replace("2026-02-01T12:00:00Z", "2026-02-02T12:00:00Z"))
    assert failures(check(built))[13] == (
        "public/white/changes.csv: 2025/exm-2025-007.json has 2026-02-02T12:00:00Z, the "
        "document says 2026-02-01T12:00:00Z",
    )


def test_a_document_missing_from_index_txt_fails_requirement_12(built: Path) -> None:
    index = built / "public/white/index.txt"
    index.write_text("2025/exm-2025-007.json\n")
    found = failures(check(built))
    assert found[12] == (
        "public/white/2026/exm-2026-001.json is in public/white but not in index.txt",
    )  # the ROLIE feed still lists it, and changes.csv is right about both


def test_changes_csv_missing_a_document_of_index_txt_fails_requirement_13(built: Path) -> None:
    changes = built / "public/white/changes.csv"
    changes.write_text(changes.read_text().splitlines()[0] + "\n")
    assert failures(check(built))[13] == (
        "public/white/changes.csv does not list 2026/exm-2026-001.json (index.txt does)",
    )


def test_a_document_in_the_wrong_year_fails_requirement_11(built: Path) -> None:
    white = built / "public/white"
    (white / "2024").mkdir()
    for suffix in ("", ".sha256", ".sha512", ".asc"):
        (white / f"2026/exm-2026-001.json{suffix}").rename(
            white / f"2024/exm-2026-001.json{suffix}"
        )
    for name in ("index.txt", "changes.csv"):
        text = (white / name).read_text().replace("2026/exm-2026-001", "2024/exm-2026-001")
        (white / name).write_text(text)
    found = failures(check(built))
    assert found[11] == (
        "public/white/2024/exm-2026-001.json is not in a folder named 2026 (its "
        "initial_release_date)",
    )


def test_a_missing_signature_and_hash_fail_18_and_19(built: Path) -> None:
    for suffix in (".sha256", ".sha512", ".asc"):
        (built / f"public/white/2026/exm-2026-001.json{suffix}").unlink()
    found = failures(check(built))
    assert found[18] == ("public/white/2026/exm-2026-001.json: has no .sha256 or .sha512 file",)
    assert found[19] == ("public/white/2026/exm-2026-001.json: has no .asc signature",)


def test_a_replaced_public_key_fails_requirement_20(built: Path, tmp_path: Path) -> None:
    other = KeyStore(tmp_path / "other", b"another-instance-secret-0123456789abcdef")
    other.create("Mallory <m@example.com>")
    (key,) = (built / "public/openpgp").iterdir()
    key.write_text(other.public_key_armored())
    found = failures(check(built))
    assert len(found[20]) == 1
    assert "has fingerprint" in found[20][0]
    assert len(found[19]) == 3  # no document verifies with the key found there


@pytest.mark.parametrize(
    ("line", "status", "message"),
    [
        (f"CSAF: {ROOT}provider-metadata.json", Status.PASS, None),
        (
            "CSAF: http://psirt.example.com/.well-known/csaf/provider-metadata.json",
            Status.FAIL,
            "is not an https:// URL",
        ),
        (
            "CSAF: https://elsewhere.example/provider-metadata.json",
            Status.FAIL,
            f"no CSAF field points at {ROOT}provider-metadata.json",
        ),
        ("Contact: mailto:psirt@example.com", Status.FAIL, "has no CSAF field"),
    ],
)
def test_security_txt_must_point_at_the_provider_metadata(
    built: Path, tmp_path: Path, line: str, status: Status, message: str | None
) -> None:
    security_txt = tmp_path / "security.txt"
    security_txt.write_text(f"Contact: mailto:psirt@example.com\n{line}\n")
    result = check(built, security_txt).result(8)
    assert result.status is status
    if message:
        assert message in result.messages[0]


def test_a_folder_without_provider_metadata_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(Error, match=r"no provider-metadata\.json"):
        check(tmp_path)


def test_the_cli_builds_and_checks_a_provider(
    make_doc: MakeDoc, docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("MEDSEC_SECRET_KEY", "cli-test-instance-secret-0123456789abcdef")
    runner = CliRunner()
    created = runner.invoke(
        app, ["csaf", "key", "create", "--user-id", "PSIRT <p@example.com>", "--format", "json"]
    )
    assert created.exit_code == 0, created.output
    fingerprint = json.loads(created.stdout)["fingerprint"]
    shown = runner.invoke(app, ["csaf", "key", "show"])
    assert fingerprint in shown.stdout
    exported = runner.invoke(app, ["csaf", "key", "export"])
    assert exported.stdout.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "PRIVATE" not in exported.stdout
    make_doc("EXM-2026-001", "2026-01-10T10:00:00Z")
    (docs_dir / "broken.json").write_text("{}")
    out = tmp_path / "out"
    args = ["csaf", "provider", "build", str(docs_dir), "-o", str(out)]
    built = runner.invoke(app, [*args, "--base-url", "https://psirt.example.com", "-f", "json"])
    assert built.exit_code == 1  # one refused
    report = json.loads(built.stdout)
    assert [p["path"] for p in report["published"]] == ["public/white/2026/exm-2026-001.json"]
    assert [r["source"] for r in report["refused"]] == ["broken.json"]
    checked = runner.invoke(app, ["csaf", "provider", "check", str(out), "-f", "json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["roleMet"] == "csaf_trusted_provider"
    (out / "public/white/2026/exm-2026-001.json").write_text("{}")
    assert runner.invoke(app, ["csaf", "provider", "check", str(out)]).exit_code == 1


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["feed", "entry", "link", "rel", "href", "url", "tlp_label", "rolie", "feeds",
             "distributions", "directory_url", "content", "src", "document", "tracking",
             "canonical_url", "public_openpgp_keys", "service", "categories", "x"]
        ),
        children,
        max_size=5,
    ),
    max_leaves=20,
)  # fmt: skip
TARGETS = [
    "public/provider-metadata.json",
    "public/white/csaf-feed-tlp-white.json",
    "public/service.json",
    "public/white/csaf-category-tlp-white.json",
    "public/white/2026/exm-2026-001.json",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=st.sampled_from(TARGETS), value=JSON)
def test_any_json_in_a_provider_file_gives_a_report_or_an_error(
    built: Path, target: str, value: object
) -> None:
    path = built / target
    original = path.read_bytes()
    path.write_text(json.dumps(value))
    try:
        report = check(built)
    except Error:
        pass
    else:
        assert len(report.results) == 23
    finally:
        path.write_bytes(original)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=64))
def test_any_bytes_in_index_changes_or_hash_files_give_a_report(built: Path, data: bytes) -> None:
    names = ["public/white/index.txt", "public/white/changes.csv",
             "public/white/2026/exm-2026-001.json.sha256"]  # fmt: skip
    originals = {n: (built / n).read_bytes() for n in names}
    try:
        for name in names:
            (built / name).write_bytes(data)
        assert len(check(built).results) == 23
    finally:
        for name, content in originals.items():
            (built / name).write_bytes(content)


def test_names_in_index_txt_never_lead_outside_the_directory(built: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text((built / "public/white/2026/exm-2026-001.json").read_text())
    index = built / "public/white/index.txt"
    index.write_text(index.read_text() + f"{outside}\n../../../outside.json\n")
    found = failures(check(built))
    assert f"public/white/index.txt lists {outside}, which is not a CSAF document here" in found[12]
    assert (
        "public/white/index.txt lists ../../../outside.json, which is not a CSAF document here"
        in found[12]
    )
