"""`medsec sbom validate|components|ntia` as a person or a CI job runs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from medsec.cli.main import app

FIXTURES = Path(__file__).parent / "fixtures"
PUMP = FIXTURES / "pump-1.6.json"
PROBLEM_LINE = re.compile(r"^error: (?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): .+$")


def _bad_pump(tmp_path: Path) -> Path:
    doc = json.loads(PUMP.read_text())
    doc["components"][1]["type"] = "gadget"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, indent=2))
    return bad


def test_validate_prints_one_line_per_problem_and_exits_1(tmp_path: Path) -> None:
    bad = _bad_pump(tmp_path)
    result = CliRunner().invoke(app, ["sbom", "validate", str(PUMP), str(bad)])
    assert result.exit_code == 1
    assert f"{PUMP}: valid CycloneDX 1.6 (3 components)" in result.stdout
    (line,) = [m for m in map(PROBLEM_LINE.match, result.stderr.splitlines()) if m]
    assert (line["file"], line["path"]) == (str(bad), "/components/1/type")
    assert '"gadget"' in bad.read_text().splitlines()[int(line["line"]) - 1]


def test_validate_json_lists_every_file(tmp_path: Path) -> None:
    bad = _bad_pump(tmp_path)
    result = CliRunner().invoke(app, ["sbom", "validate", "-f", "json", str(PUMP), str(bad)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [r["valid"] for r in report] == [True, False]
    assert report[1]["problems"][0]["path"] == "/components/1/type"


def test_validate_streamed_names_the_pointer_without_a_line(tmp_path: Path) -> None:
    doc = json.loads(PUMP.read_text())
    doc["components"][1]["purl"] = "lodash"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = CliRunner().invoke(app, ["sbom", "validate", "--stream", str(bad)])
    assert result.exit_code == 1
    assert f"error: {bad}: /components/1/purl: 'lodash' is not a package URL" in result.stderr


def test_components_json_is_the_model() -> None:
    result = CliRunner().invoke(app, ["sbom", "components", "--format", "json", str(PUMP)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["product"]["name"] == "Infusion Pump P100"
    assert [c["name"] for c in out["components"]] == ["p100-firmware", "openssl", "zlib"]
    assert out["components"][2]["version"] is None
    assert {"source": "fw", "target": "zlib", "kind": "depends-on"} in out["edges"]


def test_components_table_lists_the_product_first() -> None:
    result = CliRunner().invoke(app, ["sbom", "components", str(FIXTURES / "pacs-2.3.spdx")])
    assert result.exit_code == 0, result.output
    assert result.stdout.index("pacs-server") < result.stdout.index("dcmtk")


def test_ntia_json_counts_and_names_failing_components() -> None:
    result = CliRunner().invoke(app, ["sbom", "ntia", "-f", "json", str(PUMP)])
    assert result.exit_code == 1
    elements = {e["element"]: e for e in json.loads(result.stdout)["elements"]}
    assert elements["version"]["failing_components"] == ["zlib (zlib)"]
    assert (elements["version"]["checked"], elements["version"]["failing"]) == (4, 1)
    assert elements["author"]["passed"] and elements["timestamp"]["passed"]


def test_the_console_script_prints_a_diagnostic_not_a_traceback(tmp_path: Path) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    script = Path(sys.executable).with_name("medsec")
    result = subprocess.run(
        [str(script), "sbom", "components", str(unknown)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "not an SBOM format medsec knows" in result.stderr
    assert "Traceback" not in result.stderr
