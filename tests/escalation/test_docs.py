"""``docs/escalation.md`` says what the code does: the state table is TRANSITIONS, the
severity meanings are SEVERITY_MEANING, the SLA examples read as the page says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from medsec.escalation.kinds import SEVERITY_MEANING, TRANSITIONS, Side, State
from medsec.escalation.sla import parse_sla

DOC = (Path(__file__).resolve().parents[2] / "docs" / "escalation.md").read_text(encoding="utf-8")


def documented_transitions() -> dict[tuple[State, Side], set[State]]:
    lines = DOC.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| from | the manufacturer"))
    table: dict[tuple[State, Side], set[State]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        state, maker, hospital = (c.strip() for c in line.strip().strip("|").split("|"))
        for side, cell in ((Side.MANUFACTURER, maker), (Side.HOSPITAL, hospital)):
            names = {part.split(" (")[0].strip() for part in cell.split(",")} - {"—"}
            if names:
                table[State(state), side] = {State(n) for n in names}
    return table


def test_the_state_table_is_the_code() -> None:
    assert documented_transitions() == {k: set(v) for k, v in TRANSITIONS.items()}


def test_the_severity_meanings_are_the_code() -> None:
    for severity, meaning in SEVERITY_MEANING.items():
        assert f"`{severity.value}` — {meaning.split(',')[0]}" in DOC.replace("\n", " ")


def test_the_sla_examples() -> None:
    pump = parse_sla("Security incidents acknowledged within 4 hours, 24/7.")
    assert (pump.response_for("high"), pump.calendar) == (dt.timedelta(hours=4), "24×7")
    pacs = parse_sla(
        "Severity 1 answered within 30 minutes, 24/7; security incidents acknowledged "
        "within 2 hours."
    )
    assert pacs.response_for("critical") == dt.timedelta(minutes=30)
    assert pacs.response_for("medium") == dt.timedelta(hours=2)
