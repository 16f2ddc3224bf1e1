"""Seed a demo instance: a manufacturer with the example profiles published, a hospital
that holds those products and keeps one vendor's MDS2 spreadsheet, and one user per role
with a one-time password.

Later capabilities extend :func:`seed` with their own demo data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session

from medsec.accounts import services
from medsec.accounts.actor import Actor
from medsec.accounts.authentication import actor_for
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.mds2 import derive
from medsec.mds2 import services as mds2
from medsec.mds2.export import mds2_bytes
from medsec.products import services as products
from medsec.profiles.loader import load_profile
from medsec.service import Instance

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

MANUFACTURER = "Northwind Medical Group"
HOSPITAL = "St. Example University Hospital"

DEMO_USERS: list[tuple[str, str, Role]] = [
    (MANUFACTURER, "mfr-admin", Role.ADMIN),
    (MANUFACTURER, "psirt", Role.PRODUCT_SECURITY_OFFICER),
    (HOSPITAL, "hospital-admin", Role.ADMIN),
    (HOSPITAL, "analyst", Role.SECURITY_ANALYST),
    (HOSPITAL, "biomed", Role.CLINICAL_ENGINEER),
    (HOSPITAL, "auditor", Role.AUDITOR),
]


@dataclass(frozen=True)
class DemoLogin:
    organization: str
    username: str
    role: Role
    password: str


def example_profiles() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


def _seed_actor(session: Session, instance: Instance, user: User) -> Actor:
    actor = actor_for(session, user, None, instance.auth, Context.cli("demo"))
    # Seeding publishes on the operator's behalf: treat it as freshly authenticated.
    return replace(actor, recently_authenticated=True)


def seed(instance: Instance) -> list[DemoLogin]:
    context = Context.cli("demo")
    logins: list[DemoLogin] = []
    with instance.db.session() as session:
        orgs: dict[str, Organization] = {
            MANUFACTURER: services.create_organization(
                session, MANUFACTURER, OrganizationKind.MANUFACTURER, context
            ),
            HOSPITAL: services.create_organization(
                session, HOSPITAL, OrganizationKind.HEALTHCARE_PROVIDER, context
            ),
        }
        users: dict[str, User] = {}
        for org_name, username, role in DEMO_USERS:
            password = services.issue_temporary_password()
            users[username] = services.create_local_user(
                session,
                orgs[org_name],
                services.NewUser(username, role),
                password,
                context,
                temporary=True,
                hasher=instance.auth.hasher,
            )
            logins.append(DemoLogin(org_name, username, role, password))
        psirt = _seed_actor(session, instance, users["psirt"])
        analyst = _seed_actor(session, instance, users["analyst"])
        for path in example_profiles():
            version = products.upload(session, psirt, path.name, path.read_bytes())
            products.publish(session, psirt, version.id)
            products.hold(session, analyst, version.product_id)
        _seed_vendor_mds2(session, analyst)
    return logins


#: A device of a manufacturer that does not use medsec: the hospital only has its MDS2
#: spreadsheet. Made here from the deliberately weak example profile.
VENDOR_MDS2_PROFILE = EXAMPLES / "weak" / "infusion-pump-weak.yaml"


def _seed_vendor_mds2(session: Session, analyst: Actor) -> None:
    sheet = mds2_bytes(derive(load_profile(VENDOR_MDS2_PROFILE)), ".xlsx")
    mds2.upload(
        session,
        analyst,
        "acme-infusion-pump-mds2.xlsx",
        sheet,
        label="Acme infusion pump (vendor MDS2)",
    )
