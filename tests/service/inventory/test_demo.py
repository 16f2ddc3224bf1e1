"""``medsec demo`` seeds the hospital's inventory: a site with zones, assets of the example
products matched to their published profiles, and one firmware change."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.audit.services import Context
from medsec.demo import DEMO_ASSETS, DEMO_ZONES, seed
from medsec.inventory import services
from medsec.service import Instance


def test_the_demo_hospital_has_an_inventory(instance: Instance) -> None:
    seed(instance)
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == "auditor")).scalar_one()
        actor = dataclasses.replace(
            actor_for(session, user, None, instance.auth, Context()), token_scopes=None
        )
        [site] = services.list_sites(session, actor)
        assets, total = services.list_assets(session, actor, services.AssetFilter())
        assert [z.name for z in site.zones] == sorted(name for name, *_ in DEMO_ZONES)
        assert total == len(DEMO_ASSETS) == 8
        assert all(a.profile_link == "matched" for a in assets)
        pump = services.asset_by_serial(session, actor.organization_id, "LVP3-00001")
        assert pump is not None
        changes = [(e.old_value, e.new_value) for e in pump.events if e.kind == "firmware-changed"]
    assert changes == [("4.2.0", "4.2.1")]
