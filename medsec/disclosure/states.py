"""The life of a case: its states, the transitions allowed between them, its flags.

>>> allowed(State.RECEIVED, State.VALID)
True
>>> allowed(State.RECEIVED, State.DISCLOSED)
False
"""

from __future__ import annotations

import enum


class State(enum.StrEnum):
    RECEIVED = "received"
    VALID = "valid"
    INVALID = "invalid"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    REMEDIATION = "remediation"
    DISCLOSED = "disclosed"
    CLOSED = "closed"


#: From each state, where a case may go next. ``invalid → valid`` corrects a triage
#: mistake; ``deferred → accepted`` takes a deferred case up again.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.VALID, State.INVALID}),
    State.VALID: frozenset({State.ACCEPTED, State.DEFERRED}),
    State.INVALID: frozenset({State.VALID, State.CLOSED}),
    State.ACCEPTED: frozenset({State.REMEDIATION}),
    State.DEFERRED: frozenset({State.ACCEPTED, State.CLOSED}),
    State.REMEDIATION: frozenset({State.DISCLOSED}),
    State.DISCLOSED: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
}


def allowed(current: State, target: State) -> bool:
    return target in TRANSITIONS[current]


class Flag(enum.StrEnum):
    """CERT/CC case states (the CVD "CS" model): facts about the world, each set once known."""

    VENDOR_AWARE = "vendor-aware"
    FIX_READY = "fix-ready"
    FIX_DEPLOYED = "fix-deployed"
    PUBLIC_AWARE = "public-aware"
    EXPLOIT_PUBLIC = "exploit-public"
    ATTACKS_OBSERVED = "attacks-observed"


FLAG_LABELS: dict[Flag, str] = {
    Flag.VENDOR_AWARE: "Vendor aware",
    Flag.FIX_READY: "Fix ready",
    Flag.FIX_DEPLOYED: "Fix deployed",
    Flag.PUBLIC_AWARE: "Public aware",
    Flag.EXPLOIT_PUBLIC: "Exploit public",
    Flag.ATTACKS_OBSERVED: "Attacks observed",
}
