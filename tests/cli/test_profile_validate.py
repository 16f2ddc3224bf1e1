"""`medsec profile validate` as a person or a CI job runs it: the installed console script.

It exits 0 when every file is valid, 1 otherwise, printing one
``error: FILE:LINE:COL: path: message`` line per problem and never a traceback;
``--format json`` prints a list with one entry per file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.relative_to(REPO) for p in (REPO / "examples").glob("*.yaml"))
WEAK = sorted(p.relative_to(REPO) for p in (REPO / "examples" / "weak").glob("*.yaml"))
MINIMAL = REPO / "tests" / "profiles" / "fixtures" / "minimal.yaml"
PROBLEM_LINE = re.compile(r"^error: (?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)$")


def medsec_script() -> str:
    """The console script installed beside the running interpreter (the project's venv)."""
    beside = Path(sys.executable).with_name("medsec")
    found = str(beside) if beside.exists() else shutil.which("medsec")
    if found is None:
        pytest.fail("the medsec console script is not installed; run `uv sync`")
    return found


def medsec(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [medsec_script(), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write_bad(tmp_path: Path) -> Path:
    """The minimal fixture with the web service on port 70000 (line 48 of the fixture)."""
    text = MINIMAL.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("default_port: 443", "default_port: 70000"), encoding="utf-8")
    return bad


def test_examples_are_valid() -> None:
    assert len(EXAMPLES) >= 3, "examples/ should hold the pump, CT scanner and PACS profiles"
    result = medsec("profile", "validate", *EXAMPLES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{path}: valid" for path in EXAMPLES]
    assert result.stderr == ""


def test_weak_examples_are_valid_too() -> None:
    # Weak is not invalid: lint finds their gaps, validation must accept them.
    assert WEAK, "examples/weak/ should hold at least one weak profile"
    result = medsec("profile", "validate", *WEAK)
    assert result.returncode == 0, result.stderr


def test_bad_file_exits_1_with_file_line_col(tmp_path: Path) -> None:
    bad = write_bad(tmp_path)
    result = medsec("profile", "validate", bad)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"error: {bad}:48:7: network.services[1].default_port: 70000 is not a port (1–65535)"
    ]


def test_good_and_bad_files_together_exit_1_and_report_both(tmp_path: Path) -> None:
    bad = write_bad(tmp_path)
    result = medsec("profile", "validate", EXAMPLES[0], bad)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{EXAMPLES[0]}: valid"]
    match = PROBLEM_LINE.match(result.stderr.splitlines()[0])
    assert match is not None and match["file"] == str(bad)


def test_json_format_is_a_parsable_list(tmp_path: Path) -> None:
    bad = write_bad(tmp_path)
    result = medsec("profile", "validate", "--format", "json", EXAMPLES[0], bad)
    assert result.returncode == 1
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert report == [
        {"file": str(EXAMPLES[0]), "valid": True, "problems": []},
        {
            "file": str(bad),
            "valid": False,
            "problems": [
                {
                    "line": 48,
                    "column": 7,
                    "path": "network.services[1].default_port",
                    "message": "70000 is not a port (1–65535)",
                }
            ],
        },
    ]


def test_json_format_for_valid_files_exits_0() -> None:
    result = medsec("profile", "validate", "-f", "json", *EXAMPLES)
    assert result.returncode == 0
    assert [entry["valid"] for entry in json.loads(result.stdout)] == [True] * len(EXAMPLES)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-profile.yaml"
    result = medsec("profile", "validate", missing)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{missing}: no such file" in result.stderr
    assert "hint: check the path" in result.stderr


def test_missing_file_in_json_format(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-profile.yaml"
    result = medsec("profile", "validate", "--format", "json", missing)
    assert result.returncode == 1
    [entry] = json.loads(result.stdout)
    assert entry["valid"] is False
    assert entry["problems"][0]["message"] == f"{missing}: no such file"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"\xff\xfe not utf-8", "not UTF-8 text", id="not-utf8"),
        pytest.param(b"psp_version: [", "syntax error", id="yaml-syntax"),
        pytest.param(b"", "found an empty document", id="empty"),
    ],
)
def test_unreadable_documents_are_errors_without_traceback(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "profile.yaml"
    path.write_bytes(content)
    result = medsec("profile", "validate", path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert expected in result.stderr


def test_directory_is_an_error(tmp_path: Path) -> None:
    result = medsec("profile", "validate", tmp_path)
    assert result.returncode == 1
    assert "is a directory" in result.stderr


def test_no_files_is_a_usage_error() -> None:
    result = medsec("profile", "validate")
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
