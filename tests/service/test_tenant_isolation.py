"""Tenant isolation: another organization's objects do not exist for you.

Two manufacturers (North, South) and a hospital (Clinic) that holds one of North's
products. For every service function that takes an actor and an id, the id of another
organization's object answers NotFound — the same as an id never used — and lists never
show another organization's rows. Hospitals see held products' published versions only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medsec.accounts import authentication, services, tokens
from medsec.accounts.actor import Actor
from medsec.accounts.models import User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.app import create_app
from medsec.audit.services import Context
from medsec.errors import NotFound
from medsec.inventory import importer
from medsec.inventory import services as inventory
from medsec.inventory.rows import read_rows
from medsec.inventory.schemas import AssetPatch, SitePatch, ZoneIn
from medsec.products import services as products


@dataclass
class World:
    actors: dict[str, Actor]
    users: dict[str, User]
    ids: dict[str, int]


@pytest.fixture(scope="module")
def world(module_make: Any) -> World:
    make = module_make
    orgs = {
        "north": make.organization(OrganizationKind.MANUFACTURER, name="North Devices"),
        "south": make.organization(OrganizationKind.MANUFACTURER, name="South Devices"),
        "clinic": make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic"),
        "hospital": make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Hospital"),
    }
    users: dict[str, User] = {}
    actors: dict[str, Actor] = {}
    for org_name in orgs:
        for role in (
            Role.ADMIN,
            Role.PRODUCT_SECURITY_OFFICER,
            Role.SECURITY_ANALYST,
            Role.AUDITOR,
        ):
            key = f"{org_name}-{role.value}"
            users[key] = make.user(orgs[org_name], role, username=key)
            actors[key] = make.actor(users[key], recent=True)
    ids: dict[str, int] = {}
    for org_name in ("north", "south"):
        psirt = actors[f"{org_name}-product-security-officer"]
        published = make.publish(psirt, make.upload(psirt, name=f"{org_name} pump", version="1.0"))
        draft = make.upload(psirt, name=f"{org_name} pump", version="2.0-draft")
        only_draft = make.upload(psirt, name=f"{org_name} monitor", version="0.1")
        ids |= {
            f"{org_name}-product": published.product_id,
            f"{org_name}-published": published.id,
            f"{org_name}-draft": draft.id,
            f"{org_name}-draft-only-product": only_draft.product_id,
        }
    make.hold(actors["clinic-security-analyst"], ids["north-product"])
    for org_name in ("clinic", "hospital"):
        site = make.site(actors[f"{org_name}-admin"], f"{org_name} campus", zones=("ICU",))
        asset = make.asset(actors[f"{org_name}-admin"], site.id, "SHARED-SERIAL")
        ids |= {
            f"{org_name}-site": site.id,
            f"{org_name}-zone": site.zones[0].id,
            f"{org_name}-asset": asset.id,
        }
    for key, user in users.items():
        token, _ = make.token(user, ["tokens:own"])
        ids[f"{key}-token"] = token.id
        with make.session() as session:
            row = session.get(User, user.id)
            assert row is not None
            result = authentication.start_session(
                session, make.instance.auth, row, Context(ip="192.0.2.40"), via="password"
            )
            ids[f"{key}-session"] = result.login_session.id
    return World(actors, users, ids)


Call = Callable[[Session, World, Actor], object]

#: (who acts, what they try on another organization's object).
FOREIGN_IDS: list[tuple[str, str, Call]] = [
    (
        "north-admin",
        "read a user",
        lambda s, w, a: services.user_for(s, a, w.users["south-auditor"].id),
    ),
    (
        "north-admin",
        "change a role",
        lambda s, w, a: services.change_role(s, a, w.users["south-auditor"].id, Role.ADMIN),
    ),
    (
        "north-admin",
        "disable a user",
        lambda s, w, a: services.disable_user(s, a, w.users["south-auditor"].id),
    ),
    (
        "north-admin",
        "enable a user",
        lambda s, w, a: services.enable_user(s, a, w.users["south-auditor"].id),
    ),
    (
        "north-admin",
        "delete a user",
        lambda s, w, a: services.delete_user(s, a, w.users["south-auditor"].id),
    ),
    (
        "clinic-admin",
        "reset MFA",
        lambda s, w, a: authentication.reset_mfa(s, a, w.users["north-admin"].id),
    ),
    (
        "north-admin",
        "revoke a token",
        lambda s, w, a: tokens.revoke_token(s, a, w.ids["south-admin-token"]),
    ),
    (
        "north-admin",
        "revoke a colleague's token",
        lambda s, w, a: tokens.revoke_token(s, a, w.ids["north-auditor-token"]),
    ),
    (
        "north-admin",
        "revoke a session",
        lambda s, w, a: authentication.revoke_session(s, a, w.ids["south-admin-session"]),
    ),
    (
        "north-admin",
        "list versions",
        lambda s, w, a: products.versions(s, a, w.ids["south-product"]),
    ),
    (
        "north-admin",
        "read a published version",
        lambda s, w, a: products.get_version(s, a, w.ids["south-published"]),
    ),
    (
        "north-admin",
        "read a draft",
        lambda s, w, a: products.get_version(s, a, w.ids["south-draft"]),
    ),
    (
        "north-product-security-officer",
        "publish a draft",
        lambda s, w, a: products.publish(s, a, w.ids["south-draft"]),
    ),
    (
        "north-admin",
        "compare versions",
        lambda s, w, a: products.compare(s, a, w.ids["north-published"], w.ids["south-published"]),
    ),
    (
        "clinic-security-analyst",
        "list versions of a product not held",
        lambda s, w, a: products.versions(s, a, w.ids["south-product"]),
    ),
    (
        "clinic-security-analyst",
        "read a version not held",
        lambda s, w, a: products.get_version(s, a, w.ids["south-published"]),
    ),
    (
        "clinic-security-analyst",
        "read a held product's draft",
        lambda s, w, a: products.get_version(s, a, w.ids["north-draft"]),
    ),
    (
        "clinic-security-analyst",
        "compare with a draft",
        lambda s, w, a: products.compare(s, a, w.ids["north-published"], w.ids["north-draft"]),
    ),
    (
        "clinic-security-analyst",
        "hold a product with drafts only",
        lambda s, w, a: products.hold(s, a, w.ids["south-draft-only-product"]),
    ),
    (
        "clinic-security-analyst",
        "release a product not held",
        lambda s, w, a: products.release(s, a, w.ids["south-product"]),
    ),
    (
        "clinic-admin",
        "publish a held product's draft",
        lambda s, w, a: products.publish(s, a, w.ids["north-draft"]),
    ),
    (
        "clinic-auditor",
        "read a site",
        lambda s, w, a: inventory.get_site(s, a, w.ids["hospital-site"]),
    ),
    (
        "clinic-admin",
        "change a site",
        lambda s, w, a: inventory.update_site(s, a, w.ids["hospital-site"], SitePatch(notes="x")),
    ),
    (
        "clinic-admin",
        "delete a site",
        lambda s, w, a: inventory.delete_site(s, a, w.ids["hospital-site"]),
    ),
    (
        "clinic-admin",
        "add a zone to a site",
        lambda s, w, a: inventory.add_zone(s, a, w.ids["hospital-site"], ZoneIn(name="Z")),
    ),
    (
        "clinic-admin",
        "delete a zone",
        lambda s, w, a: inventory.delete_zone(s, a, w.ids["hospital-zone"]),
    ),
    (
        "clinic-auditor",
        "read an asset",
        lambda s, w, a: inventory.get_asset(s, a, w.ids["hospital-asset"]),
    ),
    (
        "clinic-auditor",
        "read an asset's events",
        lambda s, w, a: inventory.events(s, a, w.ids["hospital-asset"]),
    ),
    (
        "clinic-admin",
        "change an asset",
        lambda s, w, a: inventory.update_asset(
            s, a, w.ids["hospital-asset"], AssetPatch(owner="me")
        ),
    ),
    (
        "clinic-admin",
        "move an own asset to another hospital's site",
        lambda s, w, a: inventory.update_asset(
            s, a, w.ids["clinic-asset"], AssetPatch(site_id=w.ids["hospital-site"])
        ),
    ),
    (
        "clinic-admin",
        "delete an asset",
        lambda s, w, a: inventory.delete_asset(s, a, w.ids["hospital-asset"]),
    ),
    (
        "clinic-admin",
        "create an asset on another hospital's site",
        lambda s, w, a: inventory.create_asset(
            s, a, w.ids["hospital-site"], None, {"serial": "n", "vendor": "v", "model": "m"}
        ),
    ),
    (
        "clinic-admin",
        "import into another hospital's site",
        lambda s, w, a: importer.import_table(
            s, a, w.ids["hospital-site"], read_rows("a.csv", b"serial,vendor,model\nn,v,m\n")
        ),
    ),
]


@pytest.mark.parametrize(
    ("who", "call"),
    [(who, call) for who, _, call in FOREIGN_IDS],
    ids=[f"{who}: {what}" for who, what, _ in FOREIGN_IDS],
)
def test_another_organizations_id_is_not_found(
    module_instance: Any, world: World, who: str, call: Call
) -> None:
    with module_instance.db.session() as session, pytest.raises(NotFound):
        call(session, world, world.actors[who])


def test_a_foreign_id_answers_like_an_unused_one(module_instance: Any, world: World) -> None:
    actor = world.actors["north-admin"]
    with module_instance.db.session() as session:
        with pytest.raises(NotFound) as foreign:
            services.user_for(session, actor, world.users["south-admin"].id)
        with pytest.raises(NotFound) as unused:
            services.user_for(session, actor, 10_000_000)
    assert type(foreign.value) is type(unused.value)
    assert foreign.value.message.replace(str(world.users["south-admin"].id), "N") in {
        unused.value.message.replace("10000000", "N"),
        "no such user",
    }


@pytest.mark.parametrize("org", ["north", "south", "clinic"])
def test_lists_show_only_the_own_organization(module_instance: Any, world: World, org: str) -> None:
    admin = world.actors[f"{org}-admin"]
    with module_instance.db.session() as session:
        users = services.list_users(session, admin)
        review = services.access_review(session, admin)
        own_tokens = tokens.list_tokens(session, admin)
        sessions = authentication.list_sessions(session, admin)
    assert {u.username.split("-")[0] for u in users} == {org}
    assert {r.username.split("-")[0] for r in review} == {org}
    assert own_tokens and all(t.user_id == admin.user_id for t in own_tokens)
    assert sessions and all(s.user_id == admin.user_id for s in sessions)


def test_product_lists_respect_ownership_and_holdings(module_instance: Any, world: World) -> None:
    i = world.ids
    with module_instance.db.session() as session:
        north = {p.id for p in products.list_products(session, world.actors["north-admin"])}
        south = {p.id for p in products.list_products(session, world.actors["south-admin"])}
        clinic = {p.id for p in products.list_products(session, world.actors["clinic-auditor"])}
        north_versions = [
            v.id
            for v in products.versions(session, world.actors["north-auditor"], i["north-product"])
        ]
        clinic_versions = [
            v.id
            for v in products.versions(session, world.actors["clinic-auditor"], i["north-product"])
        ]
        catalog = {
            e.product_id: e for e in products.catalog(session, world.actors["clinic-auditor"])
        }
    assert north == {i["north-product"], i["north-draft-only-product"]}
    assert south == {i["south-product"], i["south-draft-only-product"]}
    assert clinic == {i["north-product"]}
    assert north_versions == [i["north-published"], i["north-draft"]]
    assert clinic_versions == [i["north-published"]], "drafts are invisible to hospitals"
    assert set(catalog) == {i["north-product"], i["south-product"]}
    assert catalog[i["north-product"]].latest_version_id == i["north-published"]


def test_a_hospital_reads_the_published_version_of_a_held_product(
    module_instance: Any, world: World
) -> None:
    with module_instance.db.session() as session:
        version = products.get_version(
            session, world.actors["clinic-auditor"], world.ids["north-published"]
        )
        assert version.status == "published"


def test_inventory_lists_show_only_the_own_hospital(module_instance: Any, world: World) -> None:
    with module_instance.db.session() as session:
        for org in ("clinic", "hospital"):
            actor = world.actors[f"{org}-auditor"]
            sites = inventory.list_sites(session, actor)
            assets, total = inventory.list_assets(session, actor, inventory.AssetFilter())
            assert [s.id for s in sites] == [world.ids[f"{org}-site"]]
            assert ([a.id for a in assets], total) == ([world.ids[f"{org}-asset"]], 1)
        # The same serial in two hospitals is two assets: serials are unique per organization.
        found = inventory.asset_by_serial(
            session, world.actors["clinic-auditor"].organization_id, "SHARED-SERIAL"
        )
        assert found is not None and found.id == world.ids["clinic-asset"]


def test_the_audit_api_shows_only_the_own_organization(
    module_instance: Any, module_make: Any, world: World
) -> None:
    app = create_app(module_instance.settings, module_instance)
    _, value = module_make.token(world.users["clinic-auditor"], ["audit:read"])
    clinic_id = world.actors["clinic-auditor"].organization_id
    with TestClient(app) as client:
        response = client.get(
            "/api/v1/audit?limit=200", headers={"Authorization": f"Bearer {value}"}
        )
        export = client.get("/api/v1/audit/export", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and {e["organization_id"] for e in items} == {clinic_id}
    assert export.status_code == 200
    import json

    exported = [json.loads(line) for line in export.text.splitlines()]
    assert exported and {e["organization_id"] for e in exported} == {clinic_id}
