"""Task states: every allowed and every refused transition, the reason and evidence rules,
and (hypothesis) that any sequence of attempts keeps a consistent history."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.updates.tasks import ALLOWED, TaskState, TransitionError, UpdateTask

AT = dt.datetime(2026, 6, 2, 1, 30, tzinfo=dt.UTC)
S = TaskState

LEGAL = {
    (S.PLANNED, S.IN_PROGRESS),
    (S.PLANNED, S.DEFERRED),
    (S.IN_PROGRESS, S.DONE),
    (S.IN_PROGRESS, S.FAILED),
    (S.IN_PROGRESS, S.DEFERRED),
    (S.FAILED, S.PLANNED),
    (S.DEFERRED, S.PLANNED),
}


def in_state(state: TaskState) -> UpdateTask:
    return UpdateTask("pump-1", 7, state)


@pytest.mark.parametrize(("start", "to"), list(itertools.product(TaskState, TaskState)))
def test_only_the_documented_transitions_are_allowed(start: TaskState, to: TaskState) -> None:
    task = in_state(start)
    if (start, to) in LEGAL:
        moved = task.move(to, at=AT, reason="ward full", evidence="4.2.2 read back")
        assert moved.state is to and moved.history[-1].from_state is start
    else:
        with pytest.raises(TransitionError, match=f"cannot become {to.value}"):
            task.move(to, at=AT, reason="ward full", evidence="4.2.2 read back")


@pytest.mark.parametrize(
    ("start", "to", "reason", "evidence", "message"),
    [
        (S.PLANNED, S.DEFERRED, None, None, "needs a reason"),
        (S.PLANNED, S.DEFERRED, "   ", None, "needs a reason"),
        (S.IN_PROGRESS, S.DONE, None, None, "needs evidence"),
        (S.IN_PROGRESS, S.FAILED, None, "", "needs evidence"),
    ],
)
def test_deferral_needs_a_reason_and_an_outcome_needs_evidence(
    start: TaskState, to: TaskState, reason: str | None, evidence: str | None, message: str
) -> None:
    with pytest.raises(TransitionError, match=message):
        in_state(start).move(to, at=AT, reason=reason, evidence=evidence)


def test_instants_are_kept_in_utc() -> None:
    berlin = dt.datetime(2026, 6, 2, 3, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    moved = in_state(S.PLANNED).move(S.IN_PROGRESS, at=berlin)
    assert moved.history[0].at == AT and moved.history[0].at.tzinfo is dt.UTC
    with pytest.raises(TransitionError, match="timezone-aware"):
        in_state(S.PLANNED).move(S.IN_PROGRESS, at=dt.datetime(2026, 6, 2))


def test_assignment() -> None:
    assert in_state(S.PLANNED).assign(" biomed team ").assignee == "biomed team"
    with pytest.raises(TransitionError, match="cannot be reassigned"):
        in_state(S.DONE).assign("someone")


@given(st.lists(st.tuples(st.sampled_from(list(TaskState)), st.booleans()), max_size=30))
def test_any_sequence_of_attempts_keeps_a_consistent_history(
    attempts: list[tuple[TaskState, bool]],
) -> None:
    task = UpdateTask("pump-1", 7)
    moves = 0
    for to, explained in attempts:
        text = "observed" if explained else None
        try:
            task = task.move(to, at=AT, reason=text, evidence=text)
            moves += 1
        except TransitionError:
            continue
    assert len(task.history) == moves
    state = TaskState.PLANNED
    for step in task.history:
        assert step.from_state is state and step.to_state in ALLOWED[state]
        state = step.to_state
    assert state is task.state
    if TaskState.DONE in (s.to_state for s in task.history):
        assert task.state is TaskState.DONE  # done is final
