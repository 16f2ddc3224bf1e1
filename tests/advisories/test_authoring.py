"""Writing advisories: from an input naming PSP profiles to CSAF 2.0, HTML and an FSN."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from medsec.advisories.authoring import (
    AdvisoryInvalid,
    build_advisory,
    load_advisory_input,
    write_advisory,
)
from medsec.advisories.authoring.build import BuiltAdvisory, prose_readability
from medsec.advisories.authoring.input import parse_advisory_input
from medsec.advisories.authoring.products import cpe_for_version, purl_for_version
from medsec.advisories.authoring.render import render_fsn_html, render_fsn_pdf, render_html
from medsec.advisories.interfaces import Preset
from medsec.advisories.validation import default_validator
from medsec.errors import DocumentError, Error

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "advisories" / "nwis-2026-004.yaml"
GENERATED = dt.datetime(2026, 5, 18, 12, 0, tzinfo=dt.UTC)


def _input() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(EXAMPLE.read_text())
    return data


def _build(data: dict[str, Any], tmp_path: Path) -> BuiltAdvisory:
    """Build from modified input data, written next to the example's profile path."""
    data = copy.deepcopy(data)
    for product in data["products"]:
        product["profile"] = str((EXAMPLE.parent / product["profile"]).resolve())
    path = tmp_path / "advisory.yaml"
    stream = path.open("w")
    YAML().dump(data, stream)
    stream.close()
    advisory, _ = load_advisory_input(path)
    return build_advisory(advisory, base=tmp_path, file="out.json", generated=GENERATED)


@pytest.fixture(scope="module")
def example() -> BuiltAdvisory:
    advisory, _ = load_advisory_input(EXAMPLE)
    return build_advisory(advisory, base=EXAMPLE.parent, file="x.json", generated=GENERATED)


def test_the_example_is_valid_csaf_with_no_finding_at_all(example: BuiltAdvisory) -> None:
    assert example.validation.is_valid
    assert example.validation.findings == ()
    again = default_validator().validate(example.document, file="x", preset=Preset.FULL)
    assert again.findings == ()


def test_products_come_from_the_profile_with_identifiers_per_version(
    example: BuiltAdvisory,
) -> None:
    [vendor] = example.document["product_tree"]["branches"]
    assert vendor["name"] == "Northwind Infusion Systems"
    [name] = vendor["branches"]
    assert name["name"] == "Northwind LVP 3000"
    leaves = [b["product"] for b in name["branches"]]
    assert [p["product_id"] for p in leaves] == ["lvp@4.2.0", "lvp@4.2.1", "lvp@4.2.2"]
    assert leaves[2]["name"] == "Northwind LVP 3000 4.2.2"
    assert leaves[2]["product_identification_helper"] == {
        "cpe": "cpe:2.3:h:northwind:lvp_3000:4.2.2:*:*:*:*:*:*:*",
        "model_numbers": ["LVP-3000", "LVP-3000W"],
        "purl": "pkg:generic/northwind/lvp-3000@4.2.2",
    }


def test_scores_are_computed_by_the_cvss_library(example: BuiltAdvisory) -> None:
    [vuln] = example.document["vulnerabilities"]
    [score] = vuln["scores"]
    assert score["products"] == ["lvp@4.2.0", "lvp@4.2.1"]
    assert (score["cvss_v3"]["baseScore"], score["cvss_v3"]["baseSeverity"]) == (6.5, "MEDIUM")
    v4 = next(n for n in vuln["notes"] if n["title"] == "CVSS v4.0")
    assert v4["text"].startswith("CVSS v4.0 base score 7.1 (High), vector CVSS:4.0/AV:A/")


def test_tracking_follows_the_revisions(example: BuiltAdvisory) -> None:
    tracking = example.document["document"]["tracking"]
    assert [r["number"] for r in tracking["revision_history"]] == ["1.0.0", "1.1.0"]
    assert tracking["version"] == "1.1.0"
    assert tracking["initial_release_date"] == "2026-05-04T09:00:00.000Z"
    assert tracking["current_release_date"] == "2026-05-18T09:00:00.000Z"
    assert tracking["generator"]["date"] == "2026-05-18T12:00:00.000Z"


@pytest.mark.parametrize(
    ("status", "revisions", "numbers"),
    [
        ("final", [{}], ["1.0.0"]),
        ("final", [{}, {"change": "patch"}, {"change": "minor"}], ["1.0.0", "1.0.1", "1.1.0"]),
        ("final", [{}, {"change": "major"}], ["1.0.0", "2.0.0"]),
        ("interim", [{"number": "1.2.0"}, {"change": "patch"}], ["1.2.0", "1.2.1"]),
        ("draft", [{}, {}], ["0.1.0", "0.2.0"]),
    ],
)
def test_revision_numbers_follow_semantic_versioning(
    tmp_path: Path, status: str, revisions: list[dict[str, str]], numbers: list[str]
) -> None:
    data = _input()
    data["status"] = status
    data["revisions"] = [
        {"date": f"2026-05-{10 + i:02d}T09:00:00Z", "summary": f"Revision {i}.", **r}
        for i, r in enumerate(revisions)
    ]
    built = _build(data, tmp_path)
    history = built.document["document"]["tracking"]["revision_history"]
    assert [r["number"] for r in history] == numbers
    assert built.validation.is_valid


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "final", "revisions": [{"number": "0.9.0"}]}, "is a draft version"),
        ({"revisions": [{"number": "2.0.0"}, {"number": "1.0.0"}]}, "does not come after 2.0.0"),
        ({"revisions": [{"number": "1.0"}]}, "is not a semantic version"),
    ],
)
def test_wrong_revision_numbers_are_errors(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    data = _input()
    data.update(change)
    data["revisions"] = [
        {"date": f"2026-05-{10 + i:02d}T09:00:00Z", "summary": "x", **r}
        for i, r in enumerate(data["revisions"])
    ]
    with pytest.raises(Error, match=message):
        _build(data, tmp_path)


def test_an_unknown_product_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    data = _input()
    data["vulnerabilities"][0]["product_status"]["fixed"] = ["lvp@9.9"]
    with pytest.raises(Error) as raised:
        _build(data, tmp_path)
    assert "vulnerabilities[0].product_status.fixed[0]: unknown product 'lvp@9.9'" in str(
        raised.value
    )
    assert raised.value.hint == "known products: lvp@4.2.0, lvp@4.2.1, lvp@4.2.2"


@pytest.mark.parametrize("field", ["cvss_v3", "cvss_v4"])
def test_a_malformed_cvss_vector_is_an_error(tmp_path: Path, field: str) -> None:
    data = _input()
    data["vulnerabilities"][0][field] = "CVSS:3.1/AV:Q"
    with pytest.raises(Error, match=f"vulnerabilities\\[0\\].{field}: 'CVSS:3.1/AV:Q' is not"):
        _build(data, tmp_path)


def test_a_history_not_starting_at_1_is_refused_by_test_6_1_21(tmp_path: Path) -> None:
    data = _input()
    data["revisions"] = [{"date": "2026-05-10T09:00:00Z", "summary": "x", "number": "3.0.0"}]
    with pytest.raises(AdvisoryInvalid, match=r"6\.1\.21 Missing item in revision history"):
        _build(data, tmp_path)


def test_an_advisory_failing_a_mandatory_test_is_refused_with_the_reason(tmp_path: Path) -> None:
    data = _input()
    data["vulnerabilities"][0]["product_status"]["known_not_affected"] = ["lvp@4.2.0"]
    with pytest.raises(AdvisoryInvalid) as raised:
        _build(data, tmp_path)
    assert "6.1.6 Contradicting product status: product 'lvp@4.2.0'" in raised.value.message
    assert raised.value.hint == "correct the advisory input; nothing was written"


def test_input_errors_name_file_line_and_key() -> None:
    text = EXAMPLE.read_text().replace("tlp: WHITE", "tlp: PURPLE\ncolour: red")
    with pytest.raises(DocumentError) as raised:
        parse_advisory_input(text, "a.yaml")
    shown = [str(p) for p in raised.value.problems]
    line = text.splitlines().index("tlp: PURPLE") + 1
    assert any(s.startswith(f"a.yaml:{line}:1: tlp: Input should be") for s in shown), shown
    assert any(s.endswith("colour: unknown key 'colour'") for s in shown), shown


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_reading_an_input_never_raises_anything_but_error(text: str) -> None:
    try:
        parse_advisory_input(text, "a.yaml")
    except Error:
        pass


@pytest.mark.parametrize(
    ("cpe", "version", "expected"),
    [
        ("cpe:2.3:h:nw:lvp:4.2.1:*:*:*:*:*:*:*", "4.2.2", "cpe:2.3:h:nw:lvp:4.2.2:*:*:*:*:*:*:*"),
        ("cpe:2.3:a:x:a\\:b:1:*:*:*:*:*:*:*", "2.0+b", "cpe:2.3:a:x:a\\:b:2.0\\+b:*:*:*:*:*:*:*"),
        ("cpe:/h:nw:lvp:4.2.1", "4.2.2", None),
    ],
)
def test_cpe_version_replacement(cpe: str, version: str, expected: str | None) -> None:
    assert cpe_for_version(cpe, version) == expected


def test_purl_version_replacement() -> None:
    assert purl_for_version("pkg:generic/nw/lvp@4.2.1?arch=arm", "4.3") == (
        "pkg:generic/nw/lvp@4.3?arch=arm"
    )
    assert purl_for_version("not a purl", "1") is None


def test_the_html_page_says_who_is_affected_and_what_to_do(example: BuiltAdvisory) -> None:
    page = render_html(example)
    assert page.startswith("<!DOCTYPE html>")
    assert "Is my device affected?" in page
    assert '<td class="affected">affected</td>' in page
    assert "Install the update" in page and "Workaround until you update" in page
    assert "from a computer on the same network segment, without logging in" in page
    assert "<script" not in page and "http://" not in page.replace("https://", "")


def test_advisory_text_cannot_become_markup(tmp_path: Path) -> None:
    data = _input()
    data["notes"]["summary"] = "<script>alert(1)</script> Update now."
    page = render_html(_build(data, tmp_path))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_field_safety_notice_has_the_sections_of_the_template(example: BuiltAdvisory) -> None:
    page = render_fsn_html(example)
    for heading in (
        "URGENT FIELD SAFETY NOTICE",
        "1. Affected devices",
        "2. Reason for this field safety corrective action",
        "3. Actions to be taken by the user",
        "4. General information",
        "Acknowledgement form",
    ):
        assert heading in page
    assert "UDI-DI 04012345678901" in page
    assert "psirt@northwind-infusion.example" in page


@pytest.mark.slow
def test_the_field_safety_notice_prints_as_pdf(example: BuiltAdvisory, tmp_path: Path) -> None:
    pdf = render_fsn_pdf(example)
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        path = tmp_path / "fsn.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "URGENT FIELD SAFETY NOTICE" in text


def test_the_authored_prose_meets_the_readability_target(example: BuiltAdvisory) -> None:
    scored = prose_readability(example)
    # 4 document notes, the description, 2 remediations; not the generated CVSS v4.0 note
    assert len(scored) == 7
    assert all(s.report.meets_target for s in scored), [
        (s.label, s.report.grade) for s in scored if not s.report.meets_target
    ]


def test_writing_is_all_or_nothing(example: BuiltAdvisory, tmp_path: Path) -> None:
    good = tmp_path / "a.json"
    with pytest.raises(Error, match="cannot write"):
        write_advisory(example, good, html=tmp_path / "missing-dir" / "a.html")
    assert list(tmp_path.iterdir()) == []
    written = write_advisory(example, good, html=tmp_path / "a.html", fsn=tmp_path / "f.html")
    assert written == [good, tmp_path / "a.html", tmp_path / "f.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.json", "f.html"]


def test_an_input_problem_names_its_line_when_the_source_is_known() -> None:
    text = EXAMPLE.read_text().replace("fixed: [lvp@4.2.2]", "fixed: [lvp@4.2.9]")
    advisory, source = parse_advisory_input(text, str(EXAMPLE))
    with pytest.raises(DocumentError) as raised:
        build_advisory(advisory, base=EXAMPLE.parent, file="x.json", source=source)
    [problem] = raised.value.problems
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "fixed: [lvp@4.2.9]" in t)
    assert problem.location.line == line
    assert problem.location.path == "vulnerabilities[0].product_status.fixed[0]"
    assert problem.message.startswith("unknown product 'lvp@4.2.9' (known products: lvp@4.2.0")


def test_products_from_several_profiles_get_one_vendor_branch_each(tmp_path: Path) -> None:
    data = _input()
    data["products"].append({"key": "pacs", "profile": "../pacs-server.yaml"})
    data["vulnerabilities"][0]["product_status"]["known_not_affected"] = ["pacs@12.4.0"]
    data["vulnerabilities"][0]["threats"].append(
        {
            "category": "impact",
            "details": "The PACS does not use the pump link.",
            "products": ["pacs@12.4.0"],
        }
    )
    built = _build(data, tmp_path)
    vendors = built.document["product_tree"]["branches"]
    assert [v["name"] for v in vendors] == ["Northwind Infusion Systems", "Contoso Health Imaging"]
    [pacs] = vendors[1]["branches"][0]["branches"]
    assert pacs["product"]["product_id"] == "pacs@12.4.0"  # the profile's own version
    assert pacs["product"]["product_identification_helper"]["cpe"] == (
        "cpe:2.3:a:contoso:vista_pacs:12.4.0:*:*:*:*:*:*:*"
    )
    assert built.validation.is_valid


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"key": "lvp"}, "give either profile"),
        ({"key": "lvp", "profile": "p.yaml", "product": "LVP 3000"}, "give either profile"),
    ],
)
def test_a_product_entry_names_a_profile_or_a_stored_product(
    entry: dict[str, str], message: str
) -> None:
    data = _input()
    data["products"] = [entry]
    with pytest.raises(DocumentError) as raised:
        parse_advisory_input(json.dumps(data, default=str), "a.json")
    [problem] = raised.value.problems
    assert problem.location.path == "products[0]"
    assert message in problem.message


def test_a_file_cannot_name_a_stored_product() -> None:
    text = EXAMPLE.read_text().replace("profile: ../infusion-pump.yaml", "product: LVP 3000")
    advisory, source = parse_advisory_input(text, str(EXAMPLE))
    with pytest.raises(DocumentError) as raised:
        build_advisory(advisory, base=EXAMPLE.parent, file="x.json", source=source)
    [problem] = raised.value.problems
    assert problem.location.path == "products[0].product"
    assert "names a product stored in the service" in problem.message
