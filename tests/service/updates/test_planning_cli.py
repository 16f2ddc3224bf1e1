"""``medsec updates windows|groups|plans|tasks|dashboard`` against a service database:
the planning services as a named user, with the API's checks and audit events, every
report as ``--format json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.cli.main import app as cli
from medsec.errors import Error, NotFound, PermissionDenied
from medsec.inventory import services as inventory
from medsec.inventory.schemas import SiteIn, ZoneIn
from medsec.service import Instance
from medsec.updates import services as updates
from medsec.updates.manifest import load_release
from medsec.updates.planning_changes import WindowInUse

REPO = Path(__file__).resolve().parents[3]
RELEASE = REPO / "examples" / "updates" / "lvp-3000-4.2.2.yaml"


@pytest.fixture
def env(instance: Instance) -> dict[str, str]:
    return {
        "MEDSEC_DATA_DIR": str(instance.settings.data_dir),
        "MEDSEC_DATABASE_URL": instance.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
    }


@pytest.fixture
def campus(make: Any) -> dict[str, Any]:
    """Clinic's site Campus (Berlin) with zones Ward and ICU, three pumps at 4.2.1 in the
    ward and one in the ICU; the held product's release 4.2.2 is published."""
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    version = make.publish(psirt, make.upload(psirt))
    manifest = load_release(RELEASE)  # for hardware revisions B and C
    with make.session() as session:
        release = updates.create_release(session, psirt, version.product_id, manifest)
        updates.publish_release(session, psirt, release.id)
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    biomed = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER, username="biomed"))
    make.user(clinic, Role.AUDITOR, username="auditor")
    make.hold(biomed, version.product_id)
    with make.session() as session:
        site = inventory.create_site(session, biomed, SiteIn(name="Campus",
                                                             timezone="Europe/Berlin"))  # fmt: skip
        ward = inventory.add_zone(session, biomed, site.id, ZoneIn(name="Ward")).id
        icu = inventory.add_zone(session, biomed, site.id, ZoneIn(name="ICU")).id
        for serial, zone in (("P1", ward), ("P2", ward), ("P3", ward), ("P4", icu)):
            inventory.create_asset(session, biomed, site.id, zone, {
                "serial": serial, "vendor": "Northwind", "model": "LVP-3000",
                "firmware_version": "4.2.1", "product_version_id": version.id,
                "hardware_revision": "B",
            })  # fmt: skip
    return {"release": release.id}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["updates", *args], env=env, catch_exceptions=True)


def data(result: Result) -> Any:
    assert result.exit_code in (0, 2), result.output
    return json.loads(result.output)


AS = ("--user", "biomed")
JSON = ("--format", "json")


def test_windows_groups_a_plan_and_a_task_outcome_from_the_command_line(
    env: dict[str, str], campus: Any, make: Any
) -> None:
    window = data(run(env, "windows", "add", "--site", "Campus", "--name", "Ward night",
                      "--days", "tue", "--start", "01:00", "--end", "05:00", "--zone", "Ward",
                      *AS, *JSON))  # fmt: skip
    assert (window["scope"], window["weekdays"], window["timezone"]) == ("zone", [1], None)
    group = data(run(env, "groups", "add", "--site", "Campus", "--name", "Ward pumps",
                     "--max", "1", "--zone", "Ward", "--product", "Northwind LVP 3000",
                     *AS, *JSON))  # fmt: skip
    assert (group["max_concurrent"], group["product_id"] is not None) == (1, True)
    listed = data(run(env, "windows", "list", "--site", "Campus", *AS, *JSON))
    assert [w["name"] for w in listed] == ["Ward night"]

    made = run(env, "plans", "make", "--site", "Campus", "--from", "2026-06-01", "--days",
               "14", *AS, *JSON)  # fmt: skip
    assert made.exit_code == 2  # the ICU pump has no window
    plan = json.loads(made.output)
    assert len(plan["tasks"]) == 3
    assert [u["reason"] for u in plan["unplaced"]] == [
        "no maintenance window for its asset, zone or site"
    ]
    # Tuesday 2 June 01:00 in Berlin is Monday 23:00 UTC; one pump at a time.
    starts = sorted(t["start"] for t in plan["tasks"])
    assert starts[0] == "2026-06-01T23:00:00Z"
    assert len(set(starts)) == 3

    tasks = data(run(env, "tasks", "list", "--site", "Campus", "--state", "planned", *AS, *JSON))
    first = tasks[0]["id"]
    refused = run(env, "tasks", "move", str(first), "--to", "done", *AS)
    assert refused.exit_code != 0 and "cannot become done" in str(refused.exception)
    for args in (
        ("--to", "in-progress", "--assignee", "Biomed"),
        ("--to", "done", "--evidence", "4.2.2 read back", "--evidence-ref", "T-7"),
    ):
        moved = data(run(env, "tasks", "move", str(first), *args, *AS, *JSON))  # fmt: skip
    assert (moved["state"], moved["evidence_ref"]) == ("done", "T-7")
    assert [e["to_state"] for e in moved["history"]] == ["planned", "in-progress", "done"]

    report = data(run(env, "dashboard", "--site", "Campus", *AS, *JSON))
    assert (report["linked"], len(report["out_of_date"])) == (4, 3)
    assert report["compliance"][-1]["up_to_date"] == 1
    text = run(env, "dashboard", "--site", "Campus", *AS)
    assert "3 of 4 linked devices out of date" in text.output

    with make.session() as session:
        tags = set(session.execute(select(AuditEvent.tag)).scalars())
        actors = set(
            session.execute(
                select(AuditEvent.actor).where(AuditEvent.tag.like("updates:%"))
            ).scalars()
        )
    assert {"updates:window:added", "updates:group:added", "updates:plan:created",
            "updates:task:started", "updates:task:done"} <= tags  # fmt: skip
    assert "biomed" in actors


def test_editing_and_deleting_a_window_with_planned_tasks_needs_defer_tasks(
    env: dict[str, str], campus: Any
) -> None:
    window = data(
        run(
            env,
            "windows",
            "add",
            "--site",
            "Campus",
            "--name",
            "Any night",
            "--days",
            "mon-sun",
            "--start",
            "22:00",
            "--end",
            "04:00",
            *AS,
            *JSON,
        )
    )
    run(env, "plans", "make", "--site", "Campus", "--days", "7", *AS)  # fmt: skip
    wid = str(window["id"])
    refused = run(env, "windows", "edit", wid, "--end", "05:00", *AS)
    assert isinstance(refused.exception, WindowInUse)
    assert "--defer-tasks" in (refused.exception.hint or "")
    renamed = data(run(env, "windows", "edit", wid, "--name", "Nights", *AS, *JSON))
    assert renamed["name"] == "Nights"
    moved = data(run(env, "windows", "edit", wid, "--end", "05:00", "--zone", "ICU",
                     "--defer-tasks", *AS, *JSON))  # fmt: skip
    assert (moved["end_time"], moved["scope"]) == ("05:00:00", "zone")
    states = {t["state"] for t in data(run(env, "tasks", "list", "--site", "Campus", *AS, *JSON))}
    assert states == {"deferred"}
    deleted = run(env, "windows", "delete", wid, *AS)
    assert deleted.exit_code == 0 and f"window {wid} deleted" in deleted.output
    assert data(run(env, "windows", "list", "--site", "Campus", *AS, *JSON)) == []


def test_groups_are_edited_and_deleted(env: dict[str, str], campus: Any) -> None:
    group = data(run(env, "groups", "add", "--site", "Campus", "--name", "All", "--max", "2",
                     "--zone", "Ward", *AS, *JSON))  # fmt: skip
    gid = str(group["id"])
    edited = data(run(env, "groups", "edit", gid, "--max", "4", "--any-zone", *AS, *JSON))
    assert (edited["max_concurrent"], edited["zone_id"]) == (4, None)
    bad = run(env, "groups", "edit", gid, "--max", "0", *AS)
    assert bad.exit_code != 0
    assert run(env, "groups", "delete", gid, *AS).exit_code == 0
    assert data(run(env, "groups", "list", "--site", "Campus", *AS, *JSON)) == []


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("windows", "list", "--site", "Nowhere", *AS), NotFound, "no site 'Nowhere'"),
        (("windows", "add", "--site", "Campus", "--name", "x", "--days", "tue", "--start",
          "1am", "--end", "05:00", *AS), Error, "is not a time"),
        (("windows", "add", "--site", "Campus", "--name", "x", "--days", "tue", "--start",
          "01:00", "--end", "05:00", "--zone", "Lab", *AS), NotFound, "has no zone 'Lab'"),
        (("windows", "add", "--site", "Campus", "--name", "x", "--days", "tue", "--start",
          "01:00", "--end", "05:00", "--user", "auditor"), PermissionDenied, ""),
        (("plans", "make", "--site", "Campus", "--from", "June", *AS), Error, "not a date"),
        (("plans", "make", "--site", "Campus", "--asset", "NOPE", *AS), NotFound, "'NOPE'"),
        (("tasks", "move", "999", "--to", "done", *AS), NotFound, "no update task 999"),
        (("windows", "delete", "999", *AS), NotFound, "no maintenance window 999"),
    ],
)  # fmt: skip
def test_bad_input_is_an_error_that_says_what(
    env: dict[str, str], campus: Any, args: tuple[str, ...], error: type, message: str
) -> None:
    result = run(env, *args)
    assert result.exit_code != 0
    assert isinstance(result.exception, error)
    assert message in str(result.exception)
