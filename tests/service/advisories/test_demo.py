"""``medsec demo`` publishes the example advisory about the pump; the demo hospital, which
holds the pump and has pumps linked to its profile, was notified."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.advisories.publishing import publish, services
from medsec.audit.services import Context
from medsec.demo import HOSPITAL, seed
from medsec.service import Instance


def _actor(instance: Instance, username: str) -> object:
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        return dataclasses.replace(
            actor_for(session, user, None, instance.auth, Context()), token_scopes=None
        )


def test_the_demo_advisory_is_published_and_the_hospital_was_told(
    instance: Instance, client: TestClient
) -> None:
    seed(instance)
    psirt, analyst = _actor(instance, "psirt"), _actor(instance, "analyst")
    with instance.db.session() as session:
        [advisory] = services.list_advisories(session, psirt)  # type: ignore[arg-type]
        [told] = publish.recipients(session, psirt, advisory.id)  # type: ignore[arg-type]
        [seen] = publish.received(session, analyst)  # type: ignore[arg-type]
    assert (advisory.tracking_id, advisory.state) == ("NWIS-2026-004", "published")
    assert told.organization == HOSPITAL and told.holds and told.assets == 6
    assert told.users_notified == 3  # admin, analyst, biomed: the holdings managers
    assert seen.tracking_id == "NWIS-2026-004" and seen.acknowledged_at is None
    index = client.get("/.well-known/csaf/white/index.txt")
    assert index.status_code == 200 and index.text.endswith("/nwis-2026-004.json\n")
