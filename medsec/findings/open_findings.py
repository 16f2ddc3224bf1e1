"""The adapter of update planning's :class:`~medsec.updates.findings.OpenFindings` port:
the open findings (affected or under investigation, after VEX and triage) of each asset,
by id and alias, from the findings service — so "which open findings each update would
close" and the end-of-support page use the real findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.findings import services


class ServiceFindings:
    """Open findings of the actor's hospital's assets (``inventory:read`` needed)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self._session = session
        self._actor = actor

    def open_for(self, asset_ids: Sequence[int]) -> Mapping[int, frozenset[str]]:
        return services.open_ids(self._session, self._actor, asset_ids)
