"""`medsec network` as a hospital engineer runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app
from medsec.network.flowmap import compute
from medsec.network.profiles import FileProfiles
from medsec.network.site_yaml import load_site

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "examples" / "site" / "st-example.yaml"
PUMP = REPO / "examples" / "infusion-pump.yaml"


def run_app(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def run_script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("medsec")
    found = str(script) if script.exists() else shutil.which("medsec")
    if found is None:
        pytest.fail("the medsec console script is not installed; run `uv sync`")
    return subprocess.run(
        [found, *map(str, args)], capture_output=True, text=True, timeout=600, check=False
    )


def test_flows_json_is_exactly_the_interchange() -> None:
    code, out = run_app("network", "flows", "--site", SITE, "--format", "json")
    assert code == 0
    expected = compute(load_site(SITE), FileProfiles(SITE.parent, [SITE.parent.parent]))
    assert json.loads(out) == expected.interchange()


@pytest.mark.parametrize(
    ("option", "value", "key"),
    [("--asset", "pacs-01", "asset"), ("--zone", "clinical-devices", None)],
)
def test_flows_views(option: str, value: str, key: str | None) -> None:
    code, out = run_app("network", "flows", "--site", SITE, option, value, "--format", "report")
    assert code == 0
    report = json.loads(out)
    assert report["flows"]
    if key:
        assert {f[key] for f in report["flows"]} == {value}
    else:
        assert value in {a["zone"] for a in report["assets"]}
    assert {f["asset"] for f in report["flows"]} <= {a["name"] for a in report["assets"]}
    assert {"todos", "conflicts", "optional"} <= set(report)


def test_flows_table_lists_todos_and_conflicts() -> None:
    code, out = run_app("network", "flows", "--site", SITE)
    assert code == 0
    assert "To do (1 unbound endpoints)" in out
    assert "Conflicts (3)" in out


def test_rules_are_written_to_the_file(tmp_path: Path) -> None:
    target = tmp_path / "site.nft"
    code, out = run_app("network", "rules", "--site", SITE, "--target", "nftables", "-o", target)
    assert code == 0
    assert "rules for nftables" in out
    assert "policy drop" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("network", "flows", "--site", SITE, "--asset", "nope"), "error: no asset named 'nope'"),
        (("network", "flows", "--site", "absent.yaml"), "error: absent.yaml: no such file"),
        (("network", "mud", "import", PUMP, "-o", "x.yaml"), "ietf-mud:mud is missing"),
    ],
    ids=["unknown-asset", "missing-site", "not-a-mud-file"],
)
def test_errors_exit_1_without_a_traceback(args: tuple[str | Path, ...], message: str) -> None:
    result = run_script(*args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_failed_command_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("site: x\nzones: [{name: a, security_level: 9}]\n", encoding="utf-8")
    out = tmp_path / "rules.nft"
    result = run_script("network", "rules", "--site", bad, "--target", "nftables", "-o", out)
    assert result.returncode == 1
    assert f"error: {bad}:2:" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_mud_export_then_import(tmp_path: Path) -> None:
    mud, draft = tmp_path / "pump.json", tmp_path / "draft.yaml"
    assert run_app("network", "mud", "export", PUMP, "-o", mud)[0] == 0
    assert json.loads(mud.read_text(encoding="utf-8"))["ietf-mud:mud"]["mfg-name"]
    code, out = run_app("network", "mud", "import", mud, "-o", draft)
    assert code == 0 and "4 services" in out
    assert run_app("profile", "validate", draft)[0] == 0


def test_site_format_round_trips(tmp_path: Path) -> None:
    normal = tmp_path / "site.yaml"
    code, _ = run_app("network", "site", "format", SITE, "-o", normal)
    assert code == 0
    # The normal form names profiles relative to the original site file's directory.
    assert load_site(normal) == load_site(SITE)
    code, out = run_app("network", "site", "validate", SITE)
    assert code == 0 and "valid" in out


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (("network", "site", "validate", SITE, "--format", "json"), None),
        (
            ("network", "mud", "import", "{mud}", "-o", "{draft}", "--format", "json"),
            {"services", "aces", "notes", "output"},
        ),
        (
            (
                "network",
                "rules",
                "--site",
                SITE,
                "--target",
                "srx",
                "-o",
                "{rules}",
                "--format",
                "json",
            ),
            {"output", "target", "rules", "skipped", "ipv6_left_out"},
        ),
    ],
    ids=["site-validate", "mud-import", "rules"],
)
def test_report_commands_speak_json(
    tmp_path: Path, args: tuple[str | Path, ...], keys: set[str] | None
) -> None:
    mud = tmp_path / "pump.json"
    run_app("network", "mud", "export", PUMP, "-o", mud)
    paths = {"mud": mud, "draft": tmp_path / "d.yaml", "rules": tmp_path / "r.srx"}
    code, out = run_app(*(str(a).format(**paths) for a in args))
    assert code == 0
    data = json.loads(out)
    if keys is None:
        assert data == [{"file": str(SITE), "valid": True, "problems": []}]
    else:
        assert set(data) == keys
