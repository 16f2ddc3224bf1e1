"""`medsec profile validate` as a person or a CI job runs it.

It exits 0 when every file is valid, 1 otherwise, printing one
``error: FILE:LINE:COL: path: message`` line per problem and never a traceback;
``--format json`` prints a list with one entry per file.

A few tests run the installed console script (the real entry point, with its error
handler); the others call the Typer app in-process, which is much faster because the
CLI imports every domain at start-up.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.relative_to(REPO) for p in (REPO / "examples").glob("*.yaml"))
WEAK = sorted(p.relative_to(REPO) for p in (REPO / "examples" / "weak").glob("*.yaml"))
MINIMAL = REPO / "tests" / "profiles" / "fixtures" / "minimal.yaml"
PROBLEM_LINE = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)$")
PORT_PROBLEM = "network.services[1].default_port: 70000 is not a port (1–65535)"


def medsec_script() -> str:
    """The console script installed beside the running interpreter (the project's venv)."""
    beside = Path(sys.executable).with_name("medsec")
    found = str(beside) if beside.exists() else shutil.which("medsec")
    if found is None:
        pytest.fail("the medsec console script is not installed; run `uv sync`")
    return found


def run_script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [medsec_script(), *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def run_app(*args: str | Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """Run the Typer app in-process from the repository root: (exit code, stdout, stderr)."""
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), f"the command raised {result.exception!r}"
    return result.exit_code, result.stdout, result.stderr


def write_bad(tmp_path: Path) -> Path:
    """The minimal fixture with the web service on port 70000 (line 48 of the fixture)."""
    text = MINIMAL.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("default_port: 443", "default_port: 70000"), encoding="utf-8")
    return bad


# --------------------------------------------------------------------------- console script


def test_examples_are_valid() -> None:
    assert len(EXAMPLES) >= 3, "examples/ should hold the pump, CT scanner and PACS profiles"
    assert WEAK, "examples/weak/ should hold at least one weak profile"
    # Weak is not invalid: lint finds their gaps, validation must accept them.
    result = run_script("profile", "validate", *EXAMPLES, *WEAK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{path}: valid" for path in [*EXAMPLES, *WEAK]]
    assert result.stderr == ""


def test_bad_file_exits_1_with_file_line_col_and_no_traceback(tmp_path: Path) -> None:
    bad = write_bad(tmp_path)
    missing = tmp_path / "no-such-profile.yaml"
    result = run_script("profile", "validate", bad, missing)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"error: {bad}:48:7: {PORT_PROBLEM}",
        f"error: {missing}: no such file",
        "hint: check the path",
    ]


# --------------------------------------------------------------------------- in-process


def test_good_and_bad_files_together_exit_1_and_report_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = write_bad(tmp_path)
    code, out, err = run_app("profile", "validate", EXAMPLES[0], bad, monkeypatch=monkeypatch)
    assert code == 1
    assert out.splitlines() == [f"{EXAMPLES[0]}: valid"]
    match = PROBLEM_LINE.match(err.splitlines()[0])
    assert match is not None
    assert (match["file"], match["line"], match["col"]) == (str(bad), "48", "7")


def test_every_problem_of_a_file_is_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    bad = tmp_path / "two.yaml"
    bad.write_text(
        text.replace("default_port: 443", "default_port: 0").replace(
            "    - id: ping", "    - id: web"
        ),
        encoding="utf-8",
    )
    code, _, err = run_app("profile", "validate", bad, monkeypatch=monkeypatch)
    assert code == 1
    lines = err.splitlines()
    assert [PROBLEM_LINE.match(line) is not None for line in lines] == [True, True]
    assert "0 is not a port" in lines[0]
    assert "duplicate service id 'web'" in lines[1]


def test_json_format_is_a_parsable_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = write_bad(tmp_path)
    code, out, err = run_app(
        "profile", "validate", "--format", "json", EXAMPLES[0], bad, monkeypatch=monkeypatch
    )
    assert code == 1
    assert err == ""
    assert json.loads(out) == [
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


def test_json_format_for_valid_files_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_app("profile", "validate", "-f", "json", *EXAMPLES, monkeypatch=monkeypatch)
    assert code == 0
    assert [(e["file"], e["valid"]) for e in json.loads(out)] == [(str(p), True) for p in EXAMPLES]


def test_missing_file_in_json_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "no-such-profile.yaml"
    code, out, _ = run_app(
        "profile", "validate", "--format", "json", missing, monkeypatch=monkeypatch
    )
    assert code == 1
    [entry] = json.loads(out)
    assert entry["valid"] is False
    assert entry["problems"] == [{"message": f"{missing}: no such file"}]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"\xff\xfe not utf-8", "not UTF-8 text (byte 0)", id="not-utf8"),
        pytest.param(b"psp_version: [", ":1:15: syntax error", id="yaml-syntax"),
        pytest.param(b"", ":1:1: a profile is a mapping", id="empty"),
        pytest.param(b"- a\n- b\n", "(found list)", id="list"),
    ],
)
def test_unreadable_documents_are_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, expected: str
) -> None:
    path = tmp_path / "profile.yaml"
    path.write_bytes(content)
    code, _, err = run_app("profile", "validate", path, monkeypatch=monkeypatch)
    assert code == 1
    assert err.startswith(f"error: {path}")
    assert expected in err


def test_directory_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_app("profile", "validate", tmp_path, monkeypatch=monkeypatch)
    assert code == 1
    assert f"{tmp_path}: is a directory" in err


def test_no_files_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_app("profile", "validate", monkeypatch=monkeypatch)
    assert code == 2
    assert "Missing argument" in err
