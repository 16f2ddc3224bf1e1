"""The per-process cache of the findings service, invalidated by fingerprints.

Each request compares three cheap fingerprints — the vulnerability store's, the
organization's assets and SBOMs' (with its zones' exposures and the published update
releases: :mod:`medsec.findings.context`), its VEX and triage decisions' — with those the
cached state was built from and rebuilds only what changed: a new advisory re-matches the
distinct packages (the component index stays); a triage decision re-applies decisions
(the matches stay); a new SBOM, a new conduit or a published release reloads the
components. Imports by another process (the
CLI) are seen on the next request, since the fingerprints are read from the database.

The cache is keyed by database URL (tests run many databases in one process) and keeps a
few of them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from medsec.findings import fleet, knowledge
from medsec.findings.fleet import Assessment, Components, Decisions
from medsec.findings.knowledge import Knowledge

MAX_DATABASES = 4


@dataclass
class _State:
    knowledge: Knowledge | None = None
    components: dict[int, Components] = field(default_factory=dict)
    decisions: dict[int, Decisions] = field(default_factory=dict)
    assessments: dict[int, Assessment] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


_STATES: OrderedDict[str, _State] = OrderedDict()
_GUARD = threading.Lock()


def _state(session: Session) -> _State:
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _GUARD:
        state = _STATES.get(url)
        if state is None:
            state = _STATES[url] = _State()
            while len(_STATES) > MAX_DATABASES:
                _STATES.popitem(last=False)
        _STATES.move_to_end(url)
        return state


def current_knowledge(session: Session) -> Knowledge:
    """The vulnerability store as loaded, reloaded when an import changed it."""
    state = _state(session)
    stamp = knowledge.fingerprint(session)
    with state.lock:
        if state.knowledge is None or state.knowledge.fingerprint != stamp:
            state.knowledge = knowledge.load(session, stamp)
        return state.knowledge


def current_components(session: Session, organization_id: int) -> Components:
    state = _state(session)
    stamp = fleet.components_fingerprint(session, organization_id)
    with state.lock:
        found = state.components.get(organization_id)
        if found is None or found.fingerprint != stamp:
            found = state.components[organization_id] = fleet.load_components(
                session, organization_id, stamp
            )
        return found


def current_decisions(session: Session, organization_id: int, components: Components) -> Decisions:
    """The manufacturers' VEX (for the versions the assets link to: the components are part
    of the key) and the organization's triage, reloaded when either changed."""
    state = _state(session)
    stamp = (*fleet.decisions_fingerprint(session, organization_id), components.fingerprint)
    with state.lock:
        decisions = state.decisions.get(organization_id)
        if decisions is None or decisions.fingerprint != stamp:
            decisions = state.decisions[organization_id] = fleet.load_decisions(
                session, organization_id, components, stamp
            )
        return decisions


def assessment(session: Session, organization_id: int) -> tuple[Components, Assessment]:
    """The organization's components and every asset's findings, up to date."""
    state = _state(session)
    known = current_knowledge(session)
    components = current_components(session, organization_id)
    decisions = current_decisions(session, organization_id, components)
    with state.lock:
        key = (known.fingerprint, components.fingerprint, decisions.fingerprint)
        found = state.assessments.get(organization_id)
        if found is None or found.key != key:
            found = state.assessments[organization_id] = fleet.assess(components, decisions, known)
        return components, found


def clear() -> None:
    """Forget everything (tests, benchmarks)."""
    with _GUARD:
        _STATES.clear()
