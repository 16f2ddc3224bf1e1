"""The states of a planned update task and the transitions between them.

::

    planned ──▶ in-progress ──▶ done
       │  ▲          │ ├──────▶ failed ──▶ planned (rescheduled)
       │  │          └────────▶ deferred
       └──┼───────────────────▶ deferred ──▶ planned
          └── (from failed or deferred)

``done`` is final. A deferral needs a reason; ``done`` and ``failed`` need evidence (what
was observed: the version read back from the device, the installer's log line, the error).
Every transition is kept in the task's history with its UTC instant.

>>> import datetime as dt
>>> at = dt.datetime(2026, 6, 2, 1, tzinfo=dt.UTC)
>>> task = UpdateTask("pump-1", 7).move(TaskState.IN_PROGRESS, at=at)
>>> task = task.move(TaskState.DONE, at=at, evidence="version 4.2.2 read back")
>>> task.state.value, len(task.history)
('done', 2)
>>> try:
...     task.move(TaskState.PLANNED, at=at)
... except TransitionError as e:
...     print(e.message)
a task that is done cannot become planned
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from medsec.errors import Error


class TaskState(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    FAILED = "failed"
    DEFERRED = "deferred"


ALLOWED: dict[TaskState, frozenset[TaskState]] = {
    TaskState.PLANNED: frozenset({TaskState.IN_PROGRESS, TaskState.DEFERRED}),
    TaskState.IN_PROGRESS: frozenset({TaskState.DONE, TaskState.FAILED, TaskState.DEFERRED}),
    TaskState.FAILED: frozenset({TaskState.PLANNED}),
    TaskState.DEFERRED: frozenset({TaskState.PLANNED}),
    TaskState.DONE: frozenset(),
}

NEEDS_REASON = frozenset({TaskState.DEFERRED})
NEEDS_EVIDENCE = frozenset({TaskState.DONE, TaskState.FAILED})


class TransitionError(Error):
    kind = "invalid-transition"
    status = 409
    title = "The task cannot change to that state"


@dataclass(frozen=True)
class Transition:
    at: dt.datetime  # UTC
    from_state: TaskState
    to_state: TaskState
    reason: str | None = None
    evidence: str | None = None
    by: str | None = None


@dataclass(frozen=True)
class UpdateTask:
    asset_id: str
    release_id: int
    state: TaskState = TaskState.PLANNED
    history: tuple[Transition, ...] = ()
    #: Who carries the update out (a clinical engineer, the manufacturer's service).
    assignee: str | None = None

    def assign(self, person: str) -> UpdateTask:
        """This task assigned to ``person`` (not once it is done)."""
        if self.state is TaskState.DONE:
            raise TransitionError(f"the update of {self.asset_id} is done; it cannot be reassigned")
        if not person.strip():
            raise TransitionError("name the person or team the task is assigned to")
        return replace(self, assignee=person.strip())

    def move(
        self,
        to: TaskState,
        *,
        at: dt.datetime,
        reason: str | None = None,
        evidence: str | None = None,
        by: str | None = None,
    ) -> UpdateTask:
        """This task in state ``to``; :class:`TransitionError` if not allowed."""
        if to not in ALLOWED[self.state]:
            allowed = ", ".join(sorted(ALLOWED[self.state])) or "none (it is final)"
            raise TransitionError(
                f"a task that is {self.state.value} cannot become {to.value}",
                hint=f"from {self.state.value}: {allowed}",
            )
        if to in NEEDS_REASON and not (reason and reason.strip()):
            raise TransitionError(
                f"deferring the update of {self.asset_id} needs a reason",
                hint="say why (e.g. 'ward at full occupancy') and until when",
            )
        if to in NEEDS_EVIDENCE and not (evidence and evidence.strip()):
            raise TransitionError(
                f"marking the update of {self.asset_id} {to.value} needs evidence",
                hint="give what was observed: the version read back, the log line, the error",
            )
        if at.tzinfo is None:
            raise TransitionError("the instant of a transition must be timezone-aware")
        step = Transition(at.astimezone(dt.UTC), self.state, to, reason, evidence, by)
        return replace(self, state=to, history=(*self.history, step))
