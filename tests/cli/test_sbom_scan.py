"""`medsec sbom scan FILE --vulns PATH …` works offline, in every output format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.vulns.vex import cyclonedx

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    osv = tmp_path / "osv"
    osv.mkdir()
    (osv / "PYSEC-2019-217.json").write_text(
        json.dumps(
            {
                "id": "PYSEC-2019-217",
                "modified": "2024-01-01T00:00:00Z",
                "aliases": ["CVE-2019-10906"],
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N"}
                ],
                "affected": [
                    {"package": {"ecosystem": "PyPI", "name": "jinja2"}, "versions": ["2.10"]}
                ],
            }
        )
    )
    (osv / "PYSEC-2018-66.json").write_text(
        json.dumps(
            {
                "id": "PYSEC-2018-66",
                "modified": "2024-01-01T00:00:00Z",
                "aliases": ["CVE-2018-1000656"],
                "affected": [
                    {"package": {"ecosystem": "PyPI", "name": "flask"}, "versions": ["0.12"]}
                ],
            }
        )
    )
    sbom = tmp_path / "sbom.json"
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "metadata": {
                    "component": {
                        "type": "device",
                        "name": "Pump",
                        "version": "2.0",
                        "bom-ref": "pump",
                        "purl": "pkg:generic/acme/pump@2.0",
                    }
                },
                "components": [
                    {
                        "type": "library",
                        "bom-ref": "jinja",
                        "name": "jinja2",
                        "version": "2.10",
                        "purl": "pkg:pypi/jinja2@2.10",
                    },
                    {
                        "type": "library",
                        "bom-ref": "flask",
                        "name": "flask",
                        "version": "0.12",
                        "purl": "pkg:pypi/flask@0.12",
                    },
                ],
            }
        )
    )
    vex = tmp_path / "vex.json"
    vex.write_text(
        json.dumps(
            {
                "@context": "https://openvex.dev/ns/v0.2.0",
                "@id": "https://acme.example/vex/1",
                "author": "Acme PSIRT",
                "timestamp": "2024-05-01T00:00:00Z",
                "version": 1,
                "statements": [
                    {
                        "vulnerability": {"name": "CVE-2019-10906"},
                        "status": "not_affected",
                        "justification": "vulnerable_code_not_in_execute_path",
                        "products": [
                            {
                                "@id": "pkg:generic/acme/pump@2.0",
                                "subcomponents": [{"@id": "pkg:pypi/jinja2@2.10"}],
                            }
                        ],
                    }
                ],
            }
        )
    )
    epss = tmp_path / "epss.csv"
    epss.write_text("cve,epss,percentile\nCVE-2018-1000656,0.9,0.99\n")
    return {"osv": osv, "sbom": sbom, "vex": vex, "epss": epss}


def scan(files: dict[str, Path], *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["sbom", "scan", str(files["sbom"]), "--vulns", str(files["osv"]), *args]
    )
    return result.exit_code, result.stdout


def test_json_shows_state_vex_and_priority(files: dict[str, Path]) -> None:
    code, out = scan(
        files,
        "--vex",
        str(files["vex"]),
        "--epss",
        str(files["epss"]),
        "--criticality",
        "life-sustaining",
        "--format",
        "json",
    )
    assert code == 0
    findings = {f["vulnerability"]["id"]: f for f in json.loads(out)["findings"]}
    jinja = findings["PYSEC-2019-217"]
    assert jinja["state"] == "not_affected"
    assert jinja["vex"][0]["justification"] == "vulnerable_code_not_in_execute_path"
    assert jinja["vex"][0]["source"] == "Acme PSIRT" and jinja["vex"][0]["decisive"]
    assert jinja["priority"]["level"] == "none"
    flask = findings["PYSEC-2018-66"]
    assert flask["state"] == "affected"
    assert [x["name"] for x in flask["priority"]["factors"]] == [
        "CVSS",
        "EPSS",
        "clinical criticality",
    ]
    assert flask["priority"]["score"] == 8.3 and flask["priority"]["level"] == "high"
    assert flask["component"]["bom_ref"] == "flask"


def test_table_lists_each_finding(files: dict[str, Path]) -> None:
    code, out = scan(files)
    assert code == 0
    assert "PYSEC-2019-217" in out and "PYSEC-2018-66" in out
    assert "2 findings" in " ".join(out.split())


def test_cyclonedx_vex_output_validates(files: dict[str, Path]) -> None:
    code, out = scan(files, "--vex", str(files["vex"]), "-f", "cyclonedx-vex")
    assert code == 0
    bom = json.loads(out)
    cyclonedx.validate(bom)
    states = {v["id"]: v["analysis"]["state"] for v in bom["vulnerabilities"]}
    assert states == {"PYSEC-2019-217": "not_affected", "PYSEC-2018-66": "exploitable"}


def test_openvex_and_sarif_outputs(files: dict[str, Path]) -> None:
    code, out = scan(files, "-f", "openvex")
    assert code == 0 and json.loads(out)["@context"] == "https://openvex.dev/ns/v0.2.0"
    code, out = scan(files, "-f", "sarif")
    assert code == 0
    log = json.loads(out)
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 2


@pytest.mark.parametrize(
    ("threshold", "with_vex", "code"),
    [
        ("high", False, 1),  # jinja2: CVSS 8.6, affected
        ("high", True, 0),  # jinja2 suppressed by VEX; flask is medium (5.0 assumed)
        ("medium", True, 1),
        ("critical", False, 0),
    ],
)
def test_fail_on(files: dict[str, Path], threshold: str, with_vex: bool, code: int) -> None:
    extra = ["--vex", str(files["vex"])] if with_vex else []
    assert scan(files, "--fail-on", threshold, *extra)[0] == code


def test_errors_are_diagnostics_not_tracebacks(files: dict[str, Path], tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("medsec")
    bad = tmp_path / "bad-vex.json"
    bad.write_text('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{}]}')
    for args, message in [
        (["sbom", "scan", str(files["sbom"])], "give --vulns PATH"),
        (
            ["sbom", "scan", str(files["sbom"]), "--vulns", str(files["osv"]), "--vex", str(bad)],
            "/statements/0/vulnerability",
        ),
    ]:
        result = subprocess.run([str(script), *args], capture_output=True, text=True, check=False)
        assert result.returncode == 1
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_db_uses_the_stored_records(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medsec.db import migrate
    from medsec.db.engine import Database
    from medsec.vulns.store import import_osv, read_records

    url = f"sqlite:///{tmp_path / 'medsec.db'}"
    migrate.upgrade(url)
    database = Database(url)
    with database.session() as session:
        import_osv(session, list(read_records(files["osv"] / "PYSEC-2018-66.json")))
    database.dispose()
    monkeypatch.setenv("MEDSEC_DATABASE_URL", url)
    result = runner.invoke(app, ["sbom", "scan", str(files["sbom"]), "--db", "-f", "json"])
    assert result.exit_code == 0, result.output
    ids = [f["vulnerability"]["id"] for f in json.loads(result.stdout)["findings"]]
    assert ids == ["PYSEC-2018-66"]


def test_manufacturer_priority_enters_the_formula(files: dict[str, Path]) -> None:
    code, out = scan(files, "--manufacturer-priority", "CVE-2018-1000656=critical", "-f", "json")
    assert code == 0
    flask = next(
        f for f in json.loads(out)["findings"] if f["vulnerability"]["id"] == "PYSEC-2018-66"
    )
    assert flask["priority"]["factors"][1] == {
        "name": "manufacturer priority",
        "value": "critical",
        "contribution": 2.0,
    }
    bad = runner.invoke(
        app,
        [
            "sbom",
            "scan",
            str(files["sbom"]),
            "--vulns",
            str(files["osv"]),
            "--manufacturer-priority",
            "CVE-1=urgent",
        ],
    )
    assert bad.exit_code != 0 and "ID=LEVEL" in str(bad.exception)
