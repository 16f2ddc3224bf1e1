"""``medsec demo`` shows findings for the demo hospital's devices: affected ones, ones the
manufacturer's VEX clears, an unknown version and a triaged one."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.audit.services import Context
from medsec.demo import seed
from medsec.findings import services
from medsec.service import Instance


def test_the_demo_fleet_has_affected_vex_cleared_unknown_and_triaged_findings(
    instance: Instance,
) -> None:
    seed(instance)
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == "auditor")).scalar_one()
        actor = dataclasses.replace(
            actor_for(session, user, None, instance.auth, Context()), token_scopes=None
        )
        found = services.fleet_findings(session, actor, limit=1000)
        rows = {
            (i.asset.serial, i.finding.component.name, i.finding.vulnerability): i.finding
            for i in found.items
        }
    pump = rows["LVP3-00001", "openssl", "CVE-2026-40010"]
    assert pump.state.value == "not_affected"
    assert pump.decisive is not None and pump.decisive.source == "Northwind Infusion Systems PSIRT"
    assert pump.decisive.justification is not None
    assert pump.decisive.justification.value == "vulnerable_code_not_in_execute_path"
    zlib = rows["LVP3-00006", "zlib", "CVE-2026-40011"]
    assert zlib.state.value == "affected" and zlib.match.confidence.value == "low"
    assert "Install firmware 4.2.2" in zlib.detail()  # the manufacturer's action statement
    ct = rows["AUR-128-0042", "Newtonsoft.Json", "DEMO-2026-0001"]
    assert (
        ct.state.value == "affected"
        and ct.known_exploited
        and ct.priority.level.value == "critical"
    )
    assert rows["AUR-128-0042", "openssl", "CVE-2026-40010"].state.value == "affected"
    assert rows["VISTA-ENT-7781", "pydicom", "DEMO-2026-0003"].state.value == "unknown-version"
    jinja = rows["VISTA-ENT-7781", "Jinja2", "DEMO-2026-0004"]
    assert jinja.state.value == "not_affected"
    assert jinja.decisive is not None and jinja.decisive.source == "analyst"
    assert ("AUR-128-0042", "System.Data.SqlClient", "DEMO-2026-0002") not in rows
    assert found.assets == 8 and found.assets_scanned == 8
