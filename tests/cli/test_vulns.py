"""`medsec vulns compare|affected|check` as a person or a script runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app

RECORD = {
    "id": "PYSEC-2024-1",
    "modified": "2024-01-01T00:00:00Z",
    "aliases": ["CVE-2024-0001"],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.10"}]}],
        }
    ],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    records = tmp_path / "osv"
    records.mkdir()
    (records / "PYSEC-2024-1.json").write_text(json.dumps(RECORD))
    return records


runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "out"),
    [
        (["PyPI", "1.0.0rc1", "1.0.0"], "-1"),
        (["Debian", "1:1.0", "2.0"], "1"),
        (["Go", "v1.2.3", "1.2.3"], "0"),
    ],
)
def test_compare_prints_minus_one_zero_or_one(args: list[str], out: str) -> None:
    result = runner.invoke(app, ["vulns", "compare", *args])
    assert result.exit_code == 0
    assert result.stdout.strip() == out


def test_compare_stdin_prints_one_result_per_line() -> None:
    lines = (
        "PyPI\t1.0\t1.0.0\nMaven\t1.0-SNAPSHOT\t1.0\nPyPI\tnot a version!\t1\nnpm\t2.0.0\t1.0.0\n"
    )
    result = runner.invoke(app, ["vulns", "compare", "--stdin"], input=lines)
    assert result.stdout.splitlines() == ["0", "-1", "error", "1"]
    assert result.exit_code == 1
    assert "line 3" in result.stderr and "not a valid PyPI version" in result.stderr


def test_affected_prints_matching_ids(db: Path) -> None:
    result = runner.invoke(app, ["vulns", "affected", "PyPI", "foo-bar", "1.9", "--db", str(db)])
    assert result.exit_code == 0
    assert result.stdout.split() == ["PYSEC-2024-1"]
    fixed = runner.invoke(app, ["vulns", "affected", "PyPI", "foo-bar", "1.10", "--db", str(db)])
    assert fixed.exit_code == 0 and fixed.stdout == ""


def test_affected_json_carries_the_evidence(db: Path) -> None:
    result = runner.invoke(
        app, ["vulns", "affected", "PyPI", "foo.bar", "1.9", "--db", str(db), "--format", "json"]
    )
    (m,) = json.loads(result.stdout)
    assert m["id"] == "PYSEC-2024-1" and m["aliases"] == ["CVE-2024-0001"]
    assert m["range"] == {
        "type": "ECOSYSTEM",
        "introduced": "0",
        "fixed": "1.10",
        "last_affected": None,
        "limits": [],
    }
    assert m["affected_index"] == 0 and m["confidence"] == "high"


def test_affected_with_an_empty_version_is_unknown_not_affected(db: Path) -> None:
    result = runner.invoke(app, ["vulns", "affected", "PyPI", "foo-bar", "", "--db", str(db)])
    assert result.exit_code == 0 and result.stdout == ""
    assert "unknown-version" in result.stderr


def test_check_counts_and_refuses_a_bad_record(db: Path) -> None:
    result = runner.invoke(app, ["vulns", "check", str(db), "--format", "json"])
    assert json.loads(result.stdout)["records"] == 1
    (db / "bad.json").write_text(json.dumps({"id": "X-1"}))
    bad = runner.invoke(app, ["vulns", "check", str(db)])
    assert bad.exit_code == 1
    assert "bad.json: /modified" in bad.stderr


@pytest.mark.skipif(
    shutil.which("medsec") is None and not Path(".venv/bin/medsec").exists(),
    reason="the console script is not installed",
)
def test_the_console_script_exits_non_zero_without_a_traceback() -> None:
    exe = shutil.which("medsec") or ".venv/bin/medsec"
    result = subprocess.run(
        [exe, "vulns", "compare", "Cobol", "1", "2"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown ecosystem 'Cobol'")
    assert "Traceback" not in result.stderr


def test_affected_flags_known_exploited_records(db: Path, tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(
        json.dumps(
            {
                "catalogVersion": "1",
                "dateReleased": "2024-01-01T00:00:00Z",
                "count": 1,
                "vulnerabilities": [
                    {
                        "cveID": "CVE-2024-0001",
                        "vendorProject": "Foo",
                        "product": "foo-bar",
                        "vulnerabilityName": "x",
                        "dateAdded": "2024-01-05",
                        "shortDescription": "x",
                        "requiredAction": "Apply updates",
                        "dueDate": "2024-01-26",
                    }
                ],
            }
        )
    )
    result = runner.invoke(
        app,
        ["vulns", "affected", "PyPI", "foo-bar", "1.0", "--db", str(db), "--kev", str(kev),
         "--format", "json"],
    )  # fmt: skip
    (m,) = json.loads(result.stdout)
    assert m["known_exploited"][0]["cve"] == "CVE-2024-0001"
    assert m["known_exploited"][0]["due_date"] == "2024-01-26"


def test_cpe_prints_matching_cves_with_the_reason(tmp_path: Path) -> None:
    nvd = tmp_path / "nvd.json"
    criterion = {
        "vulnerable": True,
        "criteria": "cpe:2.3:o:acme:pump_firmware:*:*:*:*:*:*:*:*",
        "versionEndExcluding": "2.0",
    }
    nvd.write_text(
        json.dumps(
            {
                "vulnerabilities": [
                    {
                        "cve": {
                            "id": "CVE-2024-0002",
                            "configurations": [
                                {"nodes": [{"operator": "OR", "cpeMatch": [criterion]}]}
                            ],
                        }
                    }
                ]
            }
        )
    )
    cpe = "cpe:2.3:o:acme:pump_firmware:*:*:*:*:*:*:*:*"
    hit = runner.invoke(app, ["vulns", "cpe", cpe, "--version", "1.4", "--nvd", str(nvd)])
    assert hit.exit_code == 0
    cve, why = hit.stdout.strip().split("\t")
    assert cve == "CVE-2024-0002" and "low confidence" in why and "< 2.0" in why
    miss = runner.invoke(app, ["vulns", "cpe", cpe, "--version", "2.0", "--nvd", str(nvd)])
    assert miss.stdout == ""
    bad = runner.invoke(app, ["vulns", "cpe", "cpe:/o:acme:x", "--nvd", str(nvd)])
    assert bad.exit_code == 1 and "not a CPE 2.3 formatted string" in bad.stderr
