"""``medsec profile lint``: output formats and exit status.

The command is registered on a throw-away Typer app here, the way
``medsec.cli.profile`` registers it (``app.command("lint")(lint_command)``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
import typer
from typer.testing import CliRunner, Result

from medsec.cli.profile_lint import lint_command
from medsec.profiles.lint import Principle

app = typer.Typer(rich_markup_mode=None)
app.command("lint")(lint_command)


@app.callback()
def profile() -> None:
    """Stands in for the ``medsec profile`` group."""


LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<sev>error|warning|info) (?P<rule>PSP-[A-Z]+-\d{3}) (?P<msg>.+)$"
)


@pytest.fixture(autouse=True)
def fixed_today() -> Iterator[None]:
    # Expiry rules compare with today; keep them independent of the wall clock.
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["lint", *map(str, args)])


def write(tmp_path: Path, text: str, name: str = "profile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the fixture should contain {old!r} once"
    return text.replace(old, new)


def finding_lines(result: Result) -> list[re.Match[str]]:
    return [m for line in result.stdout.splitlines() if (m := LINE.match(line))]


def test_compliant_profile_exits_0_and_prints_coverage(compliant_path: Path) -> None:
    result = run(compliant_path)
    assert result.exit_code == 0, result.output
    assert finding_lines(result) == []
    assert f"{compliant_path}: 0 errors, 0 warnings, 0 info" in result.stdout
    for principle in Principle:
        assert re.search(rf"│ {int(principle)} │ {principle.label}\s+│.*│\s+100% │", result.stdout)


def test_an_error_exits_1_with_one_line_per_finding(tmp_path: Path, compliant_text: str) -> None:
    text = edit(compliant_text, "    change_enforced: true\n", "    change_enforced: false\n")
    path = write(tmp_path, text)
    result = run(path)
    assert result.exit_code == 1
    (line,) = finding_lines(result)
    assert line["file"] == str(path)
    assert (line["sev"], line["rule"]) == ("error", "PSP-USR-001")
    assert text.splitlines()[int(line["line"]) - 1].strip() == "change_enforced: false"
    assert "1 errors, 0 warnings, 0 info" in result.stdout


@pytest.mark.parametrize(
    ("fail_on", "exit_code"),
    [([], 0), (["--fail-on", "error"], 0), (["--fail-on", "warning"], 1)],
)
def test_warnings_fail_only_with_fail_on_warning(
    tmp_path: Path, compliant_text: str, fail_on: list[str], exit_code: int
) -> None:
    path = write(
        tmp_path, edit(compliant_text, "      reason: Central surveillance of patients.\n", "")
    )
    result = run(path, *fail_on)
    assert result.exit_code == exit_code
    assert [(m["sev"], m["rule"]) for m in finding_lines(result)] == [("warning", "PSP-NET-002")]


def test_info_findings_never_fail(tmp_path: Path, compliant_text: str) -> None:
    path = write(
        tmp_path,
        edit(compliant_text, "  sla: Security incidents acknowledged within 4 hours.\n", ""),
    )
    result = run(path, "--fail-on", "warning")
    assert result.exit_code == 0
    assert [(m["sev"], m["rule"]) for m in finding_lines(result)] == [("info", "PSP-REC-009")]


def test_fail_on_accepts_only_error_or_warning(compliant_path: Path) -> None:
    assert run(compliant_path, "--fail-on", "info").exit_code == 2


@pytest.mark.parametrize(("extra", "exit_code"), [([], 0), (["--fail-on", "warning"], 1)])
def test_json_output(tmp_path: Path, compliant_text: str, extra: list[str], exit_code: int) -> None:
    wireless = "  wireless: WPA3-Enterprise with EAP-TLS on a dedicated SSID.\n"
    path = write(tmp_path, edit(compliant_text, wireless, ""))
    result = run(path, "--format", "json", *extra)
    assert result.exit_code == exit_code
    data = json.loads(result.stdout)
    assert data["file"] == str(path)
    assert [(f["rule"], f["severity"], f["path"]) for f in data["findings"]] == [
        ("PSP-NET-012", "warning", "network.wireless")
    ]
    assert list(data["coverage"]) == [str(int(p)) for p in Principle]
    assert data["summary"] == {"errors": 0, "warnings": 1, "info": 0}


def test_an_invalid_profile_exits_2_with_its_problems(tmp_path: Path, compliant_text: str) -> None:
    path = write(tmp_path, edit(compliant_text, "psp_version: 1\n", "psp_version: 2\n"))
    result = run(path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "psp_version must be 1" in result.stderr
    assert result.stderr.startswith("error: ")


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run(tmp_path / "absent.yaml")
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_weak_example_fails() -> None:
    weak = Path(__file__).resolve().parents[3] / "examples" / "weak" / "infusion-pump-weak.yaml"
    result = run(weak)
    assert result.exit_code == 1
    lines = finding_lines(result)
    assert {"PSP-NET-003", "PSP-USR-001", "PSP-REC-001"} <= {m["rule"] for m in lines}
    assert all(m["file"] == str(weak) for m in lines)
