"""``medsec updates plan FILE``: the plan as a table or JSON, exit 2 when assets are left
without a place."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from medsec.cli.main import app as cli

PLAN = """\
windows:
  - {id: sun-night, scope: site, target: north, days: sun, start: "01:00", end: "05:00",
     timezone: Europe/Berlin}
limits: {ward-3-pumps: 1}
assets:
""" + "".join(
    f"  - {{id: pump-{i}, site: north, zone: ward-3, groups: [ward-3-pumps], minutes: 60}}\n"
    for i in range(6)
)


def test_the_plan_uses_the_long_autumn_night_and_reports_what_is_left(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)

    result = CliRunner().invoke(
        cli, ["updates", "plan", str(path), "--from", "2026-10-24", "--days", "2", "-f", "json"]
    )

    assert result.exit_code == 2
    data = json.loads(result.output)
    assert [t["start"] for t in data["tasks"]] == [
        "2026-10-24T23:00:00+00:00",
        "2026-10-25T00:00:00+00:00",
        "2026-10-25T01:00:00+00:00",
        "2026-10-25T02:00:00+00:00",
        "2026-10-25T03:00:00+00:00",
    ]
    assert data["unplaced"] == [
        {"asset": "pump-5", "reason": "every window in the period is full (group limits)"}
    ]


def test_a_bad_date_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    result = CliRunner().invoke(cli, ["updates", "plan", str(path), "--from", "someday"])
    assert "--from 'someday' is not a date" in str(result.exception)
