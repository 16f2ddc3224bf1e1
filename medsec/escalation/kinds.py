"""The vocabulary of incident cases: severities, patient-safety answers, states, and who
may move a case from one state to another.

Severity (what the hospital sees, not a CVSS score):

- ``critical`` — patient harm happened or is imminent, or a life-sustaining device is
  affected; clinical use stopped or at risk now;
- ``high`` — devices in clinical use are affected; a workaround keeps care going;
- ``medium`` — a suspected incident without clinical effect so far;
- ``low`` — a question or an observation that needs the manufacturer's view.

>>> allowed(State.OPEN, Side.MANUFACTURER)
(<State.ACKNOWLEDGED: 'acknowledged'>, <State.INVESTIGATING: 'investigating'>, \
<State.RESOLVED: 'resolved'>)
>>> State.OPEN in allowed(State.CLOSED, Side.HOSPITAL)
True
"""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY_MEANING = {
    Severity.CRITICAL: "patient harm happened or is imminent, or a life-sustaining device is "
    "affected",
    Severity.HIGH: "devices in clinical use are affected; a workaround keeps care going",
    Severity.MEDIUM: "a suspected incident without clinical effect so far",
    Severity.LOW: "a question or observation that needs the manufacturer's view",
}


class PatientSafety(enum.StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class State(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    WAITING_FOR_CUSTOMER = "waiting-for-customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Side(enum.StrEnum):
    """Which of the case's two organizations is acting."""

    HOSPITAL = "hospital"
    MANUFACTURER = "manufacturer"


_S = State
#: (from, side) → the states that side may move the case to. The manufacturer works the
#: case; the hospital answers, closes (confirming a resolution, or withdrawing) and reopens.
TRANSITIONS: dict[tuple[State, Side], tuple[State, ...]] = {
    (_S.OPEN, Side.MANUFACTURER): (_S.ACKNOWLEDGED, _S.INVESTIGATING, _S.RESOLVED),
    (_S.ACKNOWLEDGED, Side.MANUFACTURER): (_S.INVESTIGATING, _S.WAITING_FOR_CUSTOMER, _S.RESOLVED),
    (_S.INVESTIGATING, Side.MANUFACTURER): (_S.WAITING_FOR_CUSTOMER, _S.RESOLVED),
    (_S.WAITING_FOR_CUSTOMER, Side.MANUFACTURER): (_S.INVESTIGATING, _S.RESOLVED),
    (_S.RESOLVED, Side.MANUFACTURER): (_S.INVESTIGATING, _S.CLOSED),
    (_S.OPEN, Side.HOSPITAL): (_S.CLOSED,),
    (_S.ACKNOWLEDGED, Side.HOSPITAL): (_S.CLOSED,),
    (_S.INVESTIGATING, Side.HOSPITAL): (_S.CLOSED,),
    (_S.WAITING_FOR_CUSTOMER, Side.HOSPITAL): (_S.INVESTIGATING, _S.CLOSED),
    (_S.RESOLVED, Side.HOSPITAL): (_S.OPEN, _S.CLOSED),
    (_S.CLOSED, Side.HOSPITAL): (_S.OPEN,),
}

#: States in which the SLA clocks stop (the response clock stops at the first answer).
ACTIVE = frozenset({_S.OPEN, _S.ACKNOWLEDGED, _S.INVESTIGATING, _S.WAITING_FOR_CUSTOMER})


def allowed(state: State, side: Side) -> tuple[State, ...]:
    return TRANSITIONS.get((state, side), ())
