"""``medsec demo`` seeds an open case about the ICU pump with a message from each side,
the four training objectives with attestations, and the pump ↔ pump server worksheet."""

from __future__ import annotations

from sqlalchemy import select

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.audit.services import Context
from medsec.demo import seed
from medsec.education import risk, training
from medsec.escalation import services
from medsec.service import Instance


def test_the_demo_has_a_case_training_and_a_worksheet(instance: Instance) -> None:
    seed(instance)
    with instance.db.session() as session:

        def actor(name: str):  # type: ignore[no-untyped-def]
            user = session.execute(select(User).where(User.username == name)).scalar_one()
            return actor_for(session, user, None, instance.auth, Context())

        [case] = services.cases(session, actor("psirt"))  # the manufacturer's queue
        assert case.state == "acknowledged" and case.asset is not None
        assert case.asset.serial == "LVP3-00002"
        sides = {m.side for m in case.messages if m.kind == "message"}
        assert sides == {"hospital", "manufacturer"}
        assert [c.id for c in services.cases(session, actor("auditor"))] == [case.id]
        admin = actor("hospital-admin")
        assert len(training.objectives(session, admin)) == 4
        statuses = {r.status for r in training.report(session, admin)}
        assert statuses >= {"current", "overdue"}
        [sheet] = risk.latest(session, actor("analyst"))
        assert sheet.title == "ICU infusion pump ↔ pump server"
