"""The case state machine, as a table: every (from, to) pair is allowed or refused."""

from __future__ import annotations

import pytest

from medsec.disclosure.states import TRANSITIONS, State, allowed

ALLOWED = {
    ("received", "valid"),
    ("received", "invalid"),
    ("valid", "accepted"),
    ("valid", "deferred"),
    ("invalid", "valid"),
    ("invalid", "closed"),
    ("deferred", "accepted"),
    ("deferred", "closed"),
    ("accepted", "remediation"),
    ("remediation", "disclosed"),
    ("disclosed", "closed"),
}


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a in State for b in State], ids=lambda s: s.value
)
def test_each_transition_is_allowed_exactly_when_the_table_says(
    current: State, target: State
) -> None:
    assert allowed(current, target) == ((current.value, target.value) in ALLOWED)


def test_closed_is_final_and_every_state_is_reachable_from_received() -> None:
    assert TRANSITIONS[State.CLOSED] == frozenset()
    seen, todo = {State.RECEIVED}, [State.RECEIVED]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(State)
