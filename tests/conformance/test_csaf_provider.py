"""The CSAF provider against public references in ../shared/data/csaf.

- gocsaf's example providers (``testdata/simple-directory-provider`` and
  ``simple-rolie-provider``, Go templates rendered here with ``{{.URL}}`` =
  ``https://provider.example/.well-known/csaf`` and the SHA-256/512 switches on): what
  ``medsec csaf provider check`` reports, requirement by requirement. Both are test fixtures
  for gocsaf's downloader, and lack some things on purpose or by accident; each expected
  failure below says which.
- the OASIS provider-metadata JSON schema: medsec's output validates against it, and the
  model medsec checks with accepts the OASIS and gocsaf examples.
- the OASIS file-name test cases (§5.1).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from medsec.advisories.provider.build import build_provider
from medsec.advisories.provider.check import CheckReport, Status, check_provider
from medsec.advisories.provider.layout import csaf_file_name
from medsec.advisories.provider.metadata import ProviderMetadata
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator

pytestmark = pytest.mark.conformance

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "csaf"
GOCSAF = SHARED / "gocsaf-provider" / "testdata"
OASIS = SHARED / "oasis" / "csaf_2.0"
URL = "https://provider.example/.well-known/csaf"
VALIDATOR = default_validator()
FIXTURE = Path(__file__).resolve().parents[1] / "advisories" / "fixtures" / "exm-2026-001.json"


def _need(path: Path) -> Path:
    if not path.exists():
        reason = f"{path} is absent: the CSAF reference data is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    return path


def _render(source: Path, target: Path) -> Path:
    """Copy a gocsaf template provider, filling in the Go template placeholders."""
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".txt", ".html"):
            text = path.read_text(encoding="utf-8")
            rendered = re.sub(r"[ \t]*\{\{(if [^}]*|end)\}\}\n?", "", text)
            rendered = rendered.replace("{{.URL}}", URL)
            if rendered != text:
                path.write_text(rendered, encoding="utf-8")
    return target


def _statuses(report: CheckReport) -> dict[int, str]:
    return {r.number: r.status.value for r in report.results}


def _expected(fail: dict[int, str], **others: list[int]) -> dict[int, str]:
    statuses = dict.fromkeys(range(1, 24), "pass")
    for n in (6, 10, 14):
        statuses[n] = "not checked"
    for n in (21, 22, 23, *others.get("not_applicable", [])):
        statuses[n] = "not applicable"
    statuses.update(dict.fromkeys(fail, "fail"))
    return statuses


def test_gocsaf_directory_provider(tmp_path: Path) -> None:
    root = _render(_need(GOCSAF / "simple-directory-provider"), tmp_path / "provider")
    report = check_provider(root, validator=VALIDATOR)
    failures = {r.number: r.messages for r in report.results if r.status is Status.FAIL}
    # 8: its security.txt says "CSAF: /provider-metadata.json", a relative reference; CSAF
    #    2.0 §7.1.8 wants the full https:// URL (the fixture is served by a test server on
    #    a random port, so it cannot know it).
    # 11: the documents lie directly in white/, not in a 2020/ folder (gocsaf's downloader
    #    does not need year folders; a provider must have them).
    # 12: white/avendor-advisory-0004-not-listed.json is on purpose not in index.txt (it tests
    #    that a downloader fetches only listed documents).
    assert failures == {
        8: ("security.txt: the first CSAF field '/provider-metadata.json' is not an https:// URL",),
        11: (
            "white/avendor-advisory-0004.json is not in a folder named 2020 (its "
            "initial_release_date)",
        ),
        12: (
            "white/avendor-advisory-0004-not-listed.json is in white but not in index.txt",
            "white/avendor-advisory-0004-not-listed.json is listed neither in an index.txt nor "
            "in a ROLIE feed",
        ),
    }
    assert _statuses(report) == _expected(failures, not_applicable=[15, 16, 17])
    # 18 and 19 pass: gocsaf's hash files and its gpg-made Ed25519 signature verify here.
    assert report.role_claimed == "csaf_trusted_provider"
    assert report.role_met == "csaf_publisher"  # without year folders, not a provider


def test_gocsaf_rolie_provider(tmp_path: Path) -> None:
    root = _render(_need(GOCSAF / "simple-rolie-provider"), tmp_path / "provider")
    report = check_provider(root, validator=VALIDATOR)
    failures = {r.number: r.messages for r in report.results if r.status is Status.FAIL}
    # 8: as above. 15: the feed template's own self link names csaf-feed-tlp-white.json
    # while the file (and provider-metadata.json) is white-feed.json, and its entry's
    # content.src lacks the white/ folder its self link has (it names no file).
    assert failures == {
        8: ("security.txt: the first CSAF field '/provider-metadata.json' is not an https:// URL",),
        15: (
            f"white/white-feed.json: its self link ['{URL}/white/csaf-feed-tlp-white.json'] is "
            f"not its URL {URL}/white/white-feed.json",
            f"white/white-feed.json entry 0: content.src {URL}/avendor-advisory-0004.json is not "
            f"the self link {URL}/white/avendor-advisory-0004.json",
        ),
    }
    # ROLIE only: 11–13 are for directory distributions; service.json exists but
    # provider-metadata.json does not list it, so 16 is not used.
    assert _statuses(report) == _expected(failures, not_applicable=[11, 12, 13, 16, 17])
    assert report.role_met == "csaf_publisher"


def _provider_schema_validator() -> Callable[[Any], None]:
    provider = json.loads(_need(OASIS / "json_schema" / "provider_json_schema.json").read_text())
    csaf = json.loads((OASIS / "json_schema" / "csaf_json_schema.json").read_text())
    registry: Registry[Any] = Registry().with_resource(csaf["$id"], Resource.from_contents(csaf))
    validator = jsonschema.Draft202012Validator(
        provider, registry=registry, format_checker=jsonschema.FormatChecker()
    )
    return validator.validate


def _one_doc(docs: Path, tracking_id: str, tlp: str) -> None:
    document = json.loads(FIXTURE.read_text())
    document["document"]["tracking"]["id"] = tracking_id
    document["document"]["distribution"]["tlp"]["label"] = tlp
    (docs / f"{tracking_id}.json").write_text(json.dumps(document))


def test_medsec_provider_metadata_validates_against_the_oasis_schema(tmp_path: Path) -> None:
    validate = _provider_schema_validator()
    docs = tmp_path / "docs"
    docs.mkdir()
    for tracking_id, tlp in (("EXM-2026-001", "WHITE"), ("EXM-2026-002", "GREEN"),
                             ("EXM-2026-003", "AMBER"), ("EXM-2026-004", "RED")):  # fmt: skip
        _one_doc(docs, tracking_id, tlp)
    store = KeyStore(tmp_path / "instance", b"conformance-instance-secret-0123456789ab")
    store.create("Example Medical PSIRT <psirt@example.com>")
    out = tmp_path / "out"
    report = build_provider(
        docs, out, base_url="https://example.com", signer=store.signer(), validator=VALIDATOR
    )
    assert len(report.published) == 4
    validate(json.loads((out / "public" / "provider-metadata.json").read_text()))
    assert check_provider(out, validator=VALIDATOR).role_met == "csaf_trusted_provider"


@pytest.mark.parametrize(
    "path",
    [
        "oasis/csaf_2.0/examples/provider-metadata/example-01-provider-metadata.json",
        "gocsaf-provider/testdata/simple-directory-provider/provider-metadata.json",
        "gocsaf-provider/testdata/simple-rolie-provider/provider-metadata.json",
    ],
)
def test_the_schema_and_the_model_accept_the_reference_examples(path: str) -> None:
    text = _need(SHARED / path).read_text().replace("{{.URL}}", URL)
    data = json.loads(text)
    _provider_schema_validator()(data)
    ProviderMetadata.model_validate(data)


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        (lambda d: d.update(role="csaf_aggregator"), "role"),
        (lambda d: d.update(metadata_version="2.1"), "metadata_version"),
        (lambda d: d.update(canonical_url="https://example.com/metadata.json"), "canonical_url"),
        (lambda d: d["public_openpgp_keys"][0].update(fingerprint="ABC"), "fingerprint"),
        (lambda d: d.pop("publisher"), "publisher"),
    ],
)
def test_the_model_refuses_what_the_schema_refuses(
    mutation: Callable[[dict[str, Any]], object], field: str
) -> None:
    path = OASIS / "examples" / "provider-metadata" / "example-01-provider-metadata.json"
    data = json.loads(_need(path).read_text())
    mutation(data)
    with pytest.raises(jsonschema.ValidationError):
        _provider_schema_validator()(data)
    with pytest.raises(ValueError, match=field):
        ProviderMetadata.model_validate(data)


def _filename_cases() -> list[tuple[str, bool]]:
    folder = OASIS / "test" / "filenames" / "data"
    if not folder.is_dir():
        return []
    return [
        (str(p.relative_to(folder)), p.parent.name == "valid")
        for p in sorted(folder.rglob("*.json"))
    ]


@pytest.mark.parametrize(("case", "valid"), _filename_cases() or [("absent", True)])
def test_oasis_file_name_cases(case: str, valid: bool) -> None:
    path = _need(OASIS / "test" / "filenames" / "data" / case)
    tracking_id = json.loads(path.read_text())["document"]["tracking"]["id"]
    assert (csaf_file_name(tracking_id) == path.name) is valid
