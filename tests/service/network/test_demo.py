"""``medsec demo`` gives the demo site conduits, bindings and a stored flow check."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.audit.services import Context
from medsec.demo import DEMO_SITE, seed
from medsec.flows import services as flow_checks
from medsec.inventory import services as inventory
from medsec.network import services
from medsec.network.demo import CONDUITS
from medsec.service import Instance


def test_the_demo_site_has_a_network_and_violations(instance: Instance) -> None:
    seed(instance)
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == "auditor")).scalar_one()
        actor = dataclasses.replace(
            actor_for(session, user, None, instance.auth, Context()), token_scopes=None
        )
        site = inventory.site_by_name(session, actor, DEMO_SITE)
        fmap = services.flowmap(session, actor, site.id)
        check = flow_checks.latest_check(session, actor, site.id)
        assert check is not None
        violations = {(v.asset, v.port, v.cls) for v in check.violations}
    assert len(fmap.site.conduits) == len(CONDUITS)
    assert sorted(t.endpoint for t in fmap.todos) == ["web-clients", "workstations"]
    assert {c.kind for c in fmap.conflicts} == {"no-conduit"}
    assert ("LVP3-00003", 443, "unexpected-peer") in violations
    assert ("AUR-128-0042", 11112, "unexpected-port") in violations
    assert check.violation_count == 5 and check.flows_read == 9
