"""The examples in docs/updates.md work as written."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from medsec.updates.planfile import read_planfile
from medsec.updates.planner import plan
from medsec.updates.windows import WindowRule, occurrence_on

DOC = Path(__file__).resolve().parents[2] / "docs" / "updates.md"


def test_the_planning_file_in_the_docs_plans() -> None:
    block = re.search(r"```yaml\n(windows:.*?)```", DOC.read_text(), flags=re.S)
    assert block
    spec = read_planfile(block.group(1), "docs/updates.md")
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    result = plan(spec.assets, spec.windows, spec.limits, start, start + dt.timedelta(days=7))
    assert {t.asset_id: t.window.rule_id for t in result.tasks} == {"pump-01": "tue-night"}
    # The ventilator needs downtime and its zone's only window has none: reported.
    assert [u.asset_id for u in result.unplaced] == ["vent-01"]


def test_the_stated_night_lengths_hold() -> None:
    rule = WindowRule("w", frozenset({6}), dt.time(1), dt.time(5), "Europe/Berlin")
    spring = occurrence_on(rule, dt.date(2026, 3, 29))
    autumn = occurrence_on(rule, dt.date(2026, 10, 25))
    assert spring and autumn
    assert (spring.duration, autumn.duration) == (dt.timedelta(hours=3), dt.timedelta(hours=5))
    assert "3 hours of real time on the spring day and 5 on the autumn day" in DOC.read_text()
