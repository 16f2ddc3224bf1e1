"""The CSAF 2.0 validator port, through the csaf-library adapter, on small hand-made documents.

Each row breaks one rule of a valid advisory and names the test that must report it, with the
severity and the place. The OASIS suite itself runs in tests/conformance/test_csaf_oasis.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.advisories.document import parse_csaf_text, read_csaf
from medsec.advisories.interfaces import Preset, Severity
from medsec.advisories.validation import default_validator
from medsec.errors import DocumentError, Error

FIXTURE = Path(__file__).parent / "fixtures" / "exm-2026-001.json"
VALIDATOR = default_validator()
Doc = dict[str, Any]


def _advisory() -> Doc:
    return copy.deepcopy(read_csaf(FIXTURE))


def _undefined_product(d: Doc) -> None:
    d["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999")


def _version_range(d: Doc) -> None:
    d["product_tree"]["branches"][0]["branches"][0]["branches"][0]["name"] = "prior to 1.1"


def _wrong_score(d: Doc) -> None:
    d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 9.8


def _cvss_missing_severity(d: Doc) -> None:
    del d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"]


def _no_vulnerability_notes(d: Doc) -> None:
    del d["vulnerabilities"][0]["notes"]


def _no_product_tree(d: Doc) -> None:
    del d["product_tree"]


def _contradicting_status(d: Doc) -> None:
    d["vulnerabilities"][0]["product_status"]["known_not_affected"] = ["CSAFPID-0001"]


def _md5_only(d: Doc) -> None:
    product = d["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"]
    product["product_identification_helper"]["hashes"] = [
        {
            "file_hashes": [{"algorithm": "md5", "value": "0" * 32}],
            "filename": "pump-1.0.bin",
        }
    ]


def _no_cwe(d: Doc) -> None:
    del d["vulnerabilities"][0]["cwe"]


def _no_title(d: Doc) -> None:
    del d["document"]["title"]


BROKEN: list[tuple[str, Callable[[Doc], None], str, Severity, str]] = [
    (
        "a product named in a status but never defined",
        _undefined_product,
        "6.1.1",
        Severity.ERROR,
        "/vulnerabilities/0/product_status/known_affected/1",
    ),
    (
        "a version range as a product version",
        _version_range,
        "6.1.31",
        Severity.ERROR,
        "/product_tree/branches/0/branches/0/branches/0/name",
    ),
    (
        "a base score that does not match its vector",
        _wrong_score,
        "6.1.9",
        Severity.ERROR,
        "/vulnerabilities/0/scores/0/cvss_v3/baseScore",
    ),
    (
        "a CVSS object the FIRST schema rejects",
        _cvss_missing_severity,
        "6.1.8",
        Severity.ERROR,
        "/vulnerabilities/0/scores/0/cvss_v3",
    ),
    (
        "a vulnerability without notes in a security advisory",
        _no_vulnerability_notes,
        "6.1.27.5",
        Severity.ERROR,
        "/vulnerabilities/0/notes",
    ),
    (
        "a security advisory without a product tree",
        _no_product_tree,
        "6.1.27.4",
        Severity.ERROR,
        "/product_tree",
    ),
    (
        "a product both affected and not affected",
        _contradicting_status,
        "6.1.6",
        Severity.ERROR,
        "/vulnerabilities/0/product_status",
    ),
    (
        "MD5 as the only hash",
        _md5_only,
        "6.2.8",
        Severity.WARNING,
        "/product_tree/branches/0/branches/0/branches/0/product/"
        "product_identification_helper/hashes/0/file_hashes",
    ),
    ("no CWE", _no_cwe, "6.3.4", Severity.INFO, "/vulnerabilities/0/cwe"),
    ("no title", _no_title, "schema", Severity.ERROR, "/document"),
]


def test_the_fixture_passes_every_test_that_runs() -> None:
    result = VALIDATOR.validate(_advisory(), file=str(FIXTURE), preset=Preset.FULL)
    assert result.is_valid
    assert result.findings == ()
    assert {n.test_id for n in result.not_run} == {"6.3.6", "6.3.7", "6.3.8"}


@pytest.mark.parametrize(
    ("case", "breaks", "test_id", "severity", "path"), BROKEN, ids=[row[0] for row in BROKEN]
)
def test_a_broken_rule_is_reported_by_its_test_at_its_place(
    case: str, breaks: Callable[[Doc], None], test_id: str, severity: Severity, path: str
) -> None:
    document = _advisory()
    breaks(document)
    result = VALIDATOR.validate(document, file="x.json", preset=Preset.FULL)
    found = {(f.test_id, f.severity, f.instance_path) for f in result.findings}
    assert (test_id, severity, path) in found, result.findings
    assert result.is_valid == (severity is not Severity.ERROR)


def test_a_broken_cvss_object_is_reported_once_as_6_1_8_not_also_as_schema() -> None:
    document = _advisory()
    _cvss_missing_severity(document)
    result = VALIDATOR.validate(document, file="x.json", preset=Preset.MANDATORY)
    assert [f.test_id for f in result.errors] == ["6.1.8"]


def test_mandatory_tests_still_run_when_the_schema_fails() -> None:
    document = _advisory()
    _no_title(document)
    _undefined_product(document)
    result = VALIDATOR.validate(document, file="x.json", preset=Preset.MANDATORY)
    assert {f.test_id for f in result.errors} == {"schema", "6.1.1"}


@pytest.mark.parametrize(
    ("preset", "runs"),
    [
        (Preset.SCHEMA, set()),
        (Preset.MANDATORY, {"6.1"}),
        (Preset.OPTIONAL, {"6.1", "6.2"}),
        (Preset.FULL, {"6.1", "6.2", "6.3"}),
    ],
)
def test_each_preset_runs_its_tiers(preset: Preset, runs: set[str]) -> None:
    document = _advisory()
    for breaks in (_undefined_product, _md5_only, _no_cwe):
        breaks(document)
    result = VALIDATOR.validate(document, file="x.json", preset=preset)
    assert {f.test_id[:3] for f in result.findings} == runs
    assert "6.1.1" in {f.test_id for f in result.findings} or preset is Preset.SCHEMA


def test_csaf_2_1_draft_checks_are_warnings_not_errors() -> None:
    document = _advisory()
    # Remediation for a product without status for this vulnerability: the library's
    # 2.1-draft rule (6.1.27.13). CSAF 2.0 allows it.
    document["vulnerabilities"][0]["remediations"][0]["product_ids"].append("CSAFPID-0003")
    document["product_tree"]["branches"][0]["branches"][0]["branches"].append(
        {
            "category": "product_version",
            "name": "1.2",
            "product": {"name": "Example Pump 1.2", "product_id": "CSAFPID-0003"},
        }
    )
    result = VALIDATOR.validate(document, file="x.json", preset=Preset.MANDATORY)
    assert result.is_valid
    assert [(f.test_id, f.severity) for f in result.warnings] == [("6.1.27.13", Severity.WARNING)]
    assert result.warnings[0].message.startswith("CSAF 2.1 draft check")


def test_the_json_shape() -> None:
    document = _advisory()
    _undefined_product(document)
    data = VALIDATOR.validate(document, file="a.json", preset=Preset.MANDATORY).to_json()
    assert data["file"] == "a.json"
    assert data["isValid"] is False
    assert data["errors"] == [
        {
            "testId": "6.1.1",
            "instancePath": "/vulnerabilities/0/product_status/known_affected/1",
            "message": "product id `CSAFPID-9999` is not defined in product_tree",
        }
    ]
    assert data["warnings"] == data["infos"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"document": {"csaf_version": "2.0"},\n  "x": }', "x.json:2:8: not valid JSON"),
        ("[1, 2]", "a CSAF document is a JSON object, found list"),
        ('{"title": "x"}', "not a CSAF document (no /document/csaf_version)"),
        ('{"document": {"csaf_version": "2.1"}}', "medsec validates CSAF 2.0"),
        ('{"document": {"csaf_version": "2.0", "lang": "en", "lang": "de"}}', "appears twice"),
        ('{"document": {"csaf_version": "2.0"}, "n": NaN}', "NaN is not a JSON number"),
    ],
)
def test_what_is_not_a_csaf_2_0_document_is_a_clear_error(text: str, expected: str) -> None:
    with pytest.raises(Error) as raised:
        parse_csaf_text(text, "x.json")
    shown = raised.value.diagnostics()
    if isinstance(raised.value, DocumentError):
        shown = "; ".join(str(p) for p in raised.value.problems)
    assert expected in shown


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{\n  "document": "caf\xe9"}')
    with pytest.raises(DocumentError) as raised:
        read_csaf(path)
    location = raised.value.problems[0].location
    assert (location.line, location.column) == (2, 19)  # the é of "café"


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Error, match="no such file"):
        read_csaf(tmp_path / "absent.json")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parsing_never_raises_anything_but_error(text: str) -> None:
    try:
        parse_csaf_text(text, "x.json")
    except Error:
        pass


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_keys = st.sampled_from(["product_tree", "vulnerabilities", "document", "x"])


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_keys, _json, max_size=4), _json)
def test_the_validator_never_crashes_on_malformed_documents(body: Doc, document: Any) -> None:
    """Whatever a document contains, the result is a report (tests that cannot run on it
    are listed as not run), never an exception."""
    body["document"] = (
        {**document, "csaf_version": "2.0"} if isinstance(document, dict) else document
    )
    result = VALIDATOR.validate(body, file="x.json", preset=Preset.FULL)
    assert not result.is_valid


def test_the_example_documents_round_trip_through_json() -> None:
    document = _advisory()
    assert parse_csaf_text(json.dumps(document), "x.json") == document


def test_validation_opens_no_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schemas (CSAF 2.0, FIRST CVSS) are bundled and the URL tests do not run: a full
    validation of a document full of URLs never touches the network."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    document = _advisory()
    document["document"]["references"].append(
        {"category": "external", "summary": "x", "url": "https://unreachable.invalid/x"}
    )
    result = VALIDATOR.validate(document, file="x.json", preset=Preset.FULL)
    assert result.is_valid


def _vex(product_status: dict[str, list[str]]) -> Doc:
    document = _advisory()
    document["document"]["category"] = "csaf_vex"
    vuln = document["vulnerabilities"][0]
    vuln["product_status"] = product_status
    vuln["remediations"][0]["product_ids"] = ["CSAFPID-0001"]
    return document


@pytest.mark.parametrize(
    ("product_status", "severity"),
    [
        # CSAF 2.0 §6.1.27.7: at least one of the four VEX statuses must be present.
        ({"known_affected": ["CSAFPID-0001"], "recommended": ["CSAFPID-0002"]}, Severity.WARNING),
        ({"recommended": ["CSAFPID-0002"], "last_affected": ["CSAFPID-0001"]}, Severity.ERROR),
    ],
)
def test_other_statuses_beside_a_vex_status_are_only_a_warning(
    product_status: dict[str, list[str]], severity: Severity
) -> None:
    result = VALIDATOR.validate(_vex(product_status), file="x.json", preset=Preset.MANDATORY)
    found = [f for f in result.findings if f.test_id == "6.1.27.7"]
    assert found and {f.severity for f in found} == {severity}


def test_tests_that_crash_on_a_malformed_document_are_listed_as_not_run() -> None:
    """A vulnerability that is a number makes several library rules raise AttributeError;
    they are listed as not run, and the schema error and the other tests still come out."""
    document = _advisory()
    document["vulnerabilities"].append(1)
    document["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999")
    result = VALIDATOR.validate(document, file="x.json", preset=Preset.MANDATORY)
    crashed = {n.test_id for n in result.not_run if n.reason.startswith("could not run")}
    assert "6.1.6" in crashed
    assert "schema" in {f.test_id for f in result.errors}
    assert "6.1.1" in {f.test_id for f in result.errors}  # 6.1.1 runs and finds its product


def test_a_key_made_of_a_superscript_digit_does_not_crash_the_sorting() -> None:
    """Regression: findings were sorted with str.isdigit() + int(), and "¹".isdigit() is
    true while int("¹") raises (found by the property test above)."""
    result = VALIDATOR.validate(
        {"document": {"csaf_version": "2.0"}, "¹": {"²": 1}}, file="x.json", preset=Preset.FULL
    )
    assert not result.is_valid
