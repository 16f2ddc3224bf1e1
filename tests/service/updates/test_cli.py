"""``medsec updates`` against a service database: import a release manifest and a patch
list as a named user (atomic, every problem by line), publish, list, the applicability
report of a holding hospital, and the due notices."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medsec.accounts.roles import OrganizationKind, Role
from medsec.cli.main import app as cli
from medsec.errors import DocumentError
from medsec.service import Instance
from medsec.updates import services as updates
from medsec.updates.schemas import NoticeIn

REPO = Path(__file__).resolve().parents[3]
RELEASE = REPO / "examples" / "updates" / "lvp-3000-4.2.2.yaml"
PATCHES = REPO / "examples" / "updates" / "lvp-3000-patches.yaml"
MEDSEC = Path(sys.executable).parent / "medsec"
PRODUCT = "Northwind LVP 3000"


@pytest.fixture
def env(instance: Instance) -> dict[str, str]:
    return {
        "MEDSEC_DATA_DIR": str(instance.settings.data_dir),
        "MEDSEC_DATABASE_URL": instance.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
    }


@pytest.fixture
def world(make: Any) -> dict[str, Any]:
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER, username="psirt"))
    version = make.publish(psirt, make.upload(psirt))
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    biomed = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER, username="biomed"))
    make.hold(biomed, version.product_id)
    return {"psirt": psirt, "version": version}


def run(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=True)
    return result


def test_import_publish_list_and_applicability(env: dict[str, str], world: Any) -> None:
    imported = run(env, "updates", "release", "import", str(RELEASE), "--product", PRODUCT,
                   "--user", "psirt", "--format", "json")  # fmt: skip
    assert imported.exit_code == 0, imported.output
    release = json.loads(imported.output)
    assert (release["status"], release["version"]) == ("draft", "4.2.2")

    assert (
        run(env, "updates", "release", "publish", str(release["id"]), "--user", "psirt").exit_code
        == 0
    )

    listed = run(env, "updates", "release", "list", "--product", PRODUCT, "--user", "biomed",
                 "--format", "json")  # fmt: skip
    assert [r["status"] for r in json.loads(listed.output)] == ["published"]

    report = run(env, "updates", "applicable", "--product", PRODUCT, "--user", "biomed",
                 "--installed", "4.2.1", "--hardware", "B", "--finding", "CVE-2026-21001",
                 "--finding", "CVE-2025-9999", "--format", "json")  # fmt: skip
    assert report.exit_code == 0, report.output
    assert json.loads(report.output) == [
        {
            "release_id": release["id"],
            "version": "4.2.2",
            "kind": "security-patch",
            "released_on": "2026-06-01",
            "superseded_by": None,
            "closes": ["CVE-2026-21001"],
        }
    ]
    other_hardware = run(env, "updates", "applicable", "--product", PRODUCT, "--user", "biomed",
                         "--installed", "4.2.1", "--hardware", "A", "--format", "json")  # fmt: skip
    assert json.loads(other_hardware.output) == []


def test_patch_list_import(env: dict[str, str], world: Any) -> None:
    version = str(world["version"].id)
    imported = run(env, "updates", "patches", "import", str(PATCHES), "--version", version,
                   "--user", "psirt")  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert "3 patch entries added or changed" in imported.output
    listed = run(env, "updates", "patches", "list", "--version", version, "--user", "biomed",
                 "--format", "json")  # fmt: skip
    assert {p["identifier"]: p["status"] for p in json.loads(listed.output)} == {
        "KB5034441": "incompatible",
        "KB5034439": "validated",
        "1.403.2721.0": "not-validated",
    }


def test_a_bad_manifest_is_refused_whole_with_each_problem_by_line(
    env: dict[str, str], world: Any, tmp_path: Path, make: Any
) -> None:
    text = RELEASE.read_text().replace("kind: security-patch", "kind: hotfix")
    text = text.replace("  - CVE-2026-21002", "  - CVE-26")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)

    result = run(
        env, "updates", "release", "import", str(bad), "--product", PRODUCT, "--user", "psirt"
    )

    assert isinstance(result.exception, DocumentError)
    lines = text.splitlines()
    found = {(p.location.line, p.location.path) for p in result.exception.problems}
    assert found == {
        (lines.index("kind: hotfix") + 1, "kind"),
        (lines.index("fixes:") + 1, "fixes"),
    }
    with make.session() as session:
        assert updates.releases(session, world["psirt"], world["version"].product_id) == []


def test_the_installed_command_prints_diagnostics_and_exits_1(
    env: dict[str, str], world: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(RELEASE.read_text().replace("apply_mode: planned-downtime", "apply_mode: soon"))
    args = ["updates", "release", "import", str(bad), "--product", PRODUCT, "--user", "psirt"]
    done = subprocess.run(
        [str(MEDSEC), *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert f"error: {bad}:" in done.stderr and "apply_mode: Input should be" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_user_or_product_is_an_error(env: dict[str, str], world: Any) -> None:
    nobody = run(env, "updates", "release", "list", "--product", PRODUCT, "--user", "ghost")
    assert "no active user 'ghost'" in str(nobody.exception)
    missing = run(env, "updates", "release", "list", "--product", "Nope", "--user", "psirt")
    assert "no product named 'Nope'" in str(missing.exception)


def test_notices_due_lists_and_publishes(env: dict[str, str], world: Any, make: Any) -> None:
    today = dt.datetime.now(dt.UTC).date()
    with make.session() as session:
        updates.set_notice(
            session, world["psirt"], world["version"].id,
            NoticeIn(end_of_support=today, lead_months=3),
        )  # fmt: skip
    due = run(env, "updates", "notices", "due", "--format", "json")
    assert [n["profile_version_id"] for n in json.loads(due.output)] == [world["version"].id]
    published = run(env, "updates", "notices", "due", "--publish")
    assert "1 notice(s) published" in published.output
    assert json.loads(run(env, "updates", "notices", "due", "--format", "json").output) == []
