"""``medsec sbom attach`` on the service database, and the demo's SBOMs."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from medsec.accounts.authentication import actor_for
from medsec.accounts.models import User
from medsec.audit.services import Context
from medsec.cli.main import app as cli
from medsec.demo import seed
from medsec.inventory import services as inventory
from medsec.products import services as products
from medsec.sbom import services
from medsec.service import Instance

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "sbom"
CT = EXAMPLES / "ct-scanner-7.2.1.cdx.json"


@pytest.fixture
def configured(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> Instance:
    for name, value in {
        "MEDSEC_DATA_DIR": str(instance.settings.data_dir),
        "MEDSEC_DATABASE_URL": instance.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
    }.items():
        monkeypatch.setenv(name, value)
    return instance


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["sbom", *args], catch_exceptions=False)


def test_attach_to_a_version_and_to_an_asset(make: Any, world: Any, configured: Any) -> None:
    done = run("attach", str(CT), "--version", str(world.draft), "--format", "json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["component_count"] == 12
    done = run("attach", str(CT), "--asset", "LVP3-00001", "--organization", "Clinic")
    assert done.exit_code == 0, done.output
    assert "asset LVP3-00001: 12 components, NTIA passed" in done.output
    with make.session() as session:
        assert services.sboms_of(session, services.asset_owner(session, world.analyst, world.asset))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "999999"], "no profile version 999999"),
        (["--asset", "NOPE", "--organization", "Clinic"], "no asset with serial 'NOPE'"),
        ([], "give either --version ID or --asset SERIAL"),
    ],
)
def test_attach_errors_exit_1_with_the_reason(
    world: Any, configured: Any, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    from medsec.cli.main import main

    argv = sys.argv
    sys.argv = ["medsec", "sbom", "attach", str(CT), *args]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = argv
    assert exited.value.code == 1
    assert message in capsys.readouterr().err


def test_the_demo_attaches_an_sbom_to_each_published_version_and_the_ct(instance: Instance) -> None:
    seed(instance)
    with instance.db.session() as session:
        user = session.execute(select(User).where(User.username == "auditor")).scalar_one()
        actor = dataclasses.replace(
            actor_for(session, user, None, instance.auth, Context()), token_scopes=None
        )
        counts = {}
        for product in products.list_products(session, actor):
            for version in products.versions(session, actor, product.id):
                owner = services.version_owner(session, actor, version.id)
                counts[product.name] = services.sbom_of(session, owner).component_count
        ct = inventory.asset_by_serial(session, actor.organization_id, "AUR-128-0042")
        assert ct is not None
        ct_sbom = services.sbom_of(session, services.asset_owner(session, actor, ct.id))
    assert counts == {
        "Contoso Vista PACS": 18,
        "Fabrikam Aurora CT": 12,
        "Northwind LVP 3000": 10,
    }
    assert ct_sbom.component_count == 12 and ct_sbom.ntia_passed
