"""`medsec csaf validate` and `medsec csaf readability` as a person or a CI job runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.errors import Error

FIXTURE = Path(__file__).resolve().parents[1] / "advisories" / "fixtures" / "exm-2026-001.json"
runner = CliRunner()


def _broken(tmp_path: Path) -> Path:
    document = json.loads(FIXTURE.read_text())
    document["vulnerabilities"][0]["product_status"]["known_affected"].append("CSAFPID-9999")
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    return path


def test_a_valid_advisory_exits_0() -> None:
    result = runner.invoke(app, ["csaf", "validate", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    # Rich wraps at the terminal's width: a long checkout path split "valid (0 / errors".
    assert "valid (0 errors" in " ".join(result.output.split())


def test_an_invalid_advisory_exits_1_and_explains_in_plain_words(tmp_path: Path) -> None:
    result = runner.invoke(app, ["csaf", "validate", str(_broken(tmp_path))])
    assert result.exit_code == 1
    assert "INVALID" in result.output
    assert "Missing definition of product ID" in " ".join(result.output.split())


def test_json_gives_the_result_per_file(tmp_path: Path) -> None:
    broken = _broken(tmp_path)
    result = runner.invoke(
        app, ["csaf", "validate", str(FIXTURE), str(broken), "--format", "json", "--preset", "full"]
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["preset"] == "full"
    assert [(f["file"], f["isValid"]) for f in data["files"]] == [
        (str(FIXTURE), True),
        (str(broken), False),
    ]
    error = data["files"][1]["errors"][0]
    assert error["testId"] == "6.1.1"
    assert error["instancePath"] == "/vulnerabilities/0/product_status/known_affected/1"
    assert error["message"]
    assert error["explanation"].startswith("6.1.1 Missing definition of product ID")
    assert {n["testId"] for n in data["files"][0]["notRun"]} == {"6.3.6", "6.3.7", "6.3.8"}


def test_a_file_that_is_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "document": {,\n}')
    result = runner.invoke(app, ["csaf", "validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2:16: not valid JSON" in result.output


def test_a_bad_file_in_json_mode_is_an_entry_with_its_error(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]")
    result = runner.invoke(app, ["csaf", "validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    entry = json.loads(result.stdout)["files"][0]
    assert entry["isValid"] is False
    assert "a CSAF document is a JSON object" in entry["error"]


def test_readability_of_text_from_stdin() -> None:
    result = runner.invoke(
        app, ["csaf", "readability", "-", "--format", "json"], input="The cat sat on the mat."
    )
    assert result.exit_code == 0, result.output
    [scored] = json.loads(result.stdout)
    assert (scored["readingEase"], scored["grade"], scored["meetsTarget"]) == (116.1, -1.4, True)


def test_readability_of_each_note_of_a_csaf_document() -> None:
    result = runner.invoke(app, ["csaf", "readability", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "document note Summary (/document/notes/0/text): reading ease" in result.output
    assert result.output.count("reading ease") == 3


def test_readability_flags_jargon_and_a_missed_target() -> None:
    text = "Unauthenticated exploitation enables arbitrary code execution."
    result = runner.invoke(app, ["csaf", "readability", "-", "--target-grade", "9"], input=text)
    assert "ABOVE TARGET 9" in result.output
    assert "jargon: 'Unauthenticated' -> say 'without logging in'" in result.output


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "advisories" / "nwis-2026-004.yaml"


def test_new_writes_a_valid_advisory_and_its_html_page(tmp_path: Path) -> None:
    out = tmp_path / "nwis-2026-004.json"
    page = tmp_path / "nwis-2026-004.html"
    fsn = tmp_path / "fsn.html"
    result = runner.invoke(
        app, ["csaf", "new", str(EXAMPLE), "-o", str(out), "--html", str(page), "--fsn", str(fsn)]
    )
    assert result.exit_code == 0, result.output
    assert "valid CSAF 2.0 (0 warnings, 0 infos)" in result.output
    assert runner.invoke(app, ["csaf", "validate", str(out), "--preset", "full"]).exit_code == 0
    assert "<h2>Is my device affected?</h2>" in page.read_text()
    assert "URGENT FIELD SAFETY NOTICE" in fsn.read_text()


def test_new_writes_nothing_for_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    profile = EXAMPLE.parents[1] / "infusion-pump.yaml"
    text = EXAMPLE.read_text().replace("[lvp@4.2.2]", "[lvp@4.2.9]")
    bad.write_text(text.replace("../infusion-pump.yaml", str(profile)))
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["csaf", "new", str(bad), "-o", str(out)])
    assert result.exit_code != 0
    assert isinstance(result.exception, Error)
    assert "unknown product 'lvp@4.2.9'" in result.exception.diagnostics()
    assert f"{bad}:" in result.exception.diagnostics()  # file:line:column
    assert not out.exists()
