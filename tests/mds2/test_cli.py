"""``medsec mds2 export | import | compare``: outputs, summaries and exit status.

The sub-app is mounted on a throw-away root here, as ``medsec.cli.main`` mounts it
(``app.add_typer(mds2.app, name="mds2")``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from medsec.cli import mds2

root = typer.Typer(rich_markup_mode=None)
root.add_typer(mds2.app, name="mds2")

PUMP = Path(__file__).resolve().parents[2] / "examples" / "infusion-pump.yaml"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(root, ["mds2", *map(str, args)])


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".json"])
def test_export_writes_the_file_and_summarises(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"pump{suffix}"
    result = run("export", PUMP, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "answered automatically" in result.stdout
    assert "left for manual entry of 240" in result.stdout


def test_export_json_summary_counts_each_kind_of_answer(tmp_path: Path) -> None:
    result = run("export", PUMP, "-o", tmp_path / "pump.xlsx", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["automatic"] + summary["manual"] + summary["unanswered"] == 240
    assert summary["unanswered"] == len(summary["unanswered_ids"])
    assert summary["automatic"] > 100


def test_import_prints_the_answers(tmp_path: Path) -> None:
    out = tmp_path / "pump.csv"
    run("export", PUMP, "-o", out)
    text = run("import", out)
    assert text.exit_code == 0, text.output
    assert "PAUT-8" in text.stdout
    as_json = json.loads(run("import", out, "--format", "json").stdout)
    mfa = next(a for a in as_json["answers"] if a["id"] == "PAUT-8")
    assert (mfa["answer"], mfa["origin"]) == ("Yes", "imported")


def test_import_of_a_bad_file_says_why_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "pump.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    result = run("import", bad)
    assert result.exit_code == 1
    assert "not an xlsx workbook" in result.stderr
    assert "Traceback" not in result.output


def test_compare_a_profile_with_its_own_export_finds_nothing(tmp_path: Path) -> None:
    out = tmp_path / "pump.xlsx"
    run("export", PUMP, "-o", out)
    result = run("compare", PUMP, out)
    assert (result.exit_code, result.stdout.strip()) == (0, "no differences")


def test_compare_reports_severities_and_can_fail_the_build(tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    after = tmp_path / "after.json"
    before.write_text(
        json.dumps({"answers": [{"id": "PAUT-8", "answer": "Yes"}]}), encoding="utf-8"
    )
    after.write_text(json.dumps({"answers": [{"id": "PAUT-8", "answer": "No"}]}), encoding="utf-8")
    text = run("compare", before, after)
    assert text.exit_code == 0
    assert text.stdout.startswith("high   PAUT-8: multi-factor authentication dropped")
    as_json = json.loads(run("compare", before, after, "--format", "json").stdout)
    assert as_json["differences"][0]["severity"] == "high"
    assert run("compare", before, after, "--fail-on", "high").exit_code == 1
    assert run("compare", after, before, "--fail-on", "low").exit_code == 0  # an improvement


EXAMPLES = PUMP.parent


def test_query_lists_matching_files_and_unanswered_ones(tmp_path: Path) -> None:
    weak = EXAMPLES / "weak" / "infusion-pump-weak.yaml"
    files = [EXAMPLES / "ct-scanner.yaml", PUMP, weak]
    result = run("query", *files, "--preset", "remote-service", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["searched"] == 3
    assert [m["label"] for m in body["matches"]] == [str(EXAMPLES / "ct-scanner.yaml")]
    assert [u["label"] for u in body["unknown"]] == [str(weak)]


def test_query_with_conditions_reads_exported_spreadsheets_too(tmp_path: Path) -> None:
    sheet = tmp_path / "pump.xlsx"
    assert run("export", PUMP, "-o", sheet).exit_code == 0
    result = run("query", sheet, "-c", "RMOT-1=No")
    assert result.exit_code == 0, result.output
    assert f"match    {sheet}" in result.stdout


def test_a_bad_query_exits_1_with_a_hint() -> None:
    result = run("query", PUMP, "-c", "STCF-1=maybe")
    assert result.exit_code == 1
    assert "'maybe' is not an answer" in result.output
    assert "hint: answers are Yes, No, N/A or See note" in result.output
