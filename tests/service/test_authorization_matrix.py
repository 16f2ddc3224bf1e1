"""The authorization matrix, generated from the route table.

(a) every route declares exactly one access policy (``requires``, ``authenticated`` or
    ``public`` from ``medsec.accounts.dependencies``);
(b) :data:`EXPECTED` lists every route with its policy — a new route without an entry
    fails here, so adding a route means deciding who may call it;
(c) every API route is called by a user of every role, in a manufacturer and in a
    hospital, with an API token carrying all its role's scopes, on an object of the own
    organization and on one of another organization, and the answer must be what the
    policy and ``ROLE_PERMISSIONS`` predict: allowed (2xx), ``403 forbidden``, ``404
    not-found`` (another organization's object), or ``401 unauthenticated`` for the
    sensitive actions that need a recent login, which a token never is.
"""

from __future__ import annotations

import enum
import functools
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from medsec.accounts import authentication
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import ROLE_PERMISSIONS, OrganizationKind, Permission, Role
from medsec.api.routes import iter_routes, policy_of
from medsec.app import create_app
from medsec.audit.services import Context
from medsec.disclosure.intake import AttachmentIn
from medsec.mds2 import derive
from medsec.mds2 import services as mds2_services
from medsec.mds2.export import mds2_bytes
from medsec.profiles.loader import load_profile_text
from medsec.settings import Settings

RouteKey = tuple[str, str]


def _route_table() -> dict[RouteKey, str | None]:
    """(method, path) → declared policy, read from an app that never opens its database."""
    settings = Settings(
        data_dir=Path(tempfile.gettempdir()) / "medsec-route-table",
        database_url="sqlite:///:memory:",
        secret_key=SecretStr("r" * 48),
    )
    app = create_app(settings)
    return {
        (method, route.path): policy_of(route)
        for route in iter_routes(app)
        for method in sorted(route.methods)
    }


ROUTES = _route_table()

EXPECTED: dict[RouteKey, str] = {
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("GET", "/public/profiles/{version_id}/{name}"): "public",
    ("GET", "/api/v1/me"): "authenticated",
    ("GET", "/api/v1/tokens"): "authenticated",
    ("POST", "/api/v1/tokens"): "authenticated",
    ("DELETE", "/api/v1/tokens/{token_id}"): "authenticated",
    ("GET", "/api/v1/sessions"): "authenticated",
    ("DELETE", "/api/v1/sessions/{session_id}"): "authenticated",
    ("GET", "/api/v1/users"): "permission:users:read",
    ("POST", "/api/v1/users"): "permission:users:manage",
    ("PATCH", "/api/v1/users/{user_id}"): "permission:users:manage",
    ("POST", "/api/v1/users/{user_id}/disable"): "permission:users:manage",
    ("POST", "/api/v1/users/{user_id}/enable"): "permission:users:manage",
    ("DELETE", "/api/v1/users/{user_id}"): "permission:users:manage",
    ("POST", "/api/v1/users/{user_id}/mfa-reset"): "permission:users:manage",
    ("GET", "/api/v1/access-review"): "permission:users:read",
    ("PUT", "/api/v1/organization/mfa-policy"): "permission:organization:manage",
    ("GET", "/api/v1/audit"): "permission:audit:read",
    ("GET", "/api/v1/audit/export"): "permission:audit:read",
    ("GET", "/api/v1/products"): "permission:products:read",
    ("POST", "/api/v1/profiles"): "permission:products:write",
    ("GET", "/api/v1/products/{product_id}/versions"): "permission:products:read",
    ("GET", "/api/v1/profile-versions/{version_id}"): "permission:products:read",
    ("GET", "/api/v1/profile-versions/{version_id}/artifacts/{name}"): "permission:products:read",
    ("POST", "/api/v1/profile-versions/{version_id}/publish"): "permission:products:publish",
    ("GET", "/api/v1/profile-versions/{old_id}/diff/{new_id}"): "permission:products:read",
    ("GET", "/api/v1/catalog"): "permission:products:read",
    ("POST", "/api/v1/holdings"): "permission:holdings:manage",
    ("DELETE", "/api/v1/holdings/{product_id}"): "permission:holdings:manage",
    ("GET", "/api/v1/mds2/presets"): "permission:products:read",
    ("GET", "/api/v1/mds2/fleet"): "permission:products:read",
    ("GET", "/api/v1/mds2/documents"): "permission:products:read",
    ("POST", "/api/v1/mds2/documents"): "permission:holdings:manage",
    ("GET", "/api/v1/mds2/documents/{document_id}"): "permission:products:read",
    ("DELETE", "/api/v1/mds2/documents/{document_id}"): "permission:holdings:manage",
    ("GET", "/api/v1/mds2/compare"): "permission:products:read",
    ("GET", "/.well-known/security.txt"): "public",
    ("POST", "/api/v1/disclosure/{organization_slug}/reports"): "public",
    ("GET", "/api/v1/disclosure/track/{token}"): "public",
    ("POST", "/api/v1/disclosure/track/{token}/messages"): "public",
    ("GET", "/api/v1/disclosure/cases"): "permission:disclosure:triage",
    ("GET", "/api/v1/disclosure/cases/{case_id}"): "permission:disclosure:triage",
    ("PATCH", "/api/v1/disclosure/cases/{case_id}"): "permission:disclosure:triage",
    ("POST", "/api/v1/disclosure/cases/{case_id}/state"): "permission:disclosure:triage",
    ("POST", "/api/v1/disclosure/cases/{case_id}/messages"): "permission:disclosure:triage",
    ("POST", "/api/v1/disclosure/cases/{case_id}/advisories"): "permission:disclosure:triage",
    (
        "GET",
        "/api/v1/disclosure/cases/{case_id}/attachments/{attachment_id}",
    ): "permission:disclosure:triage",
    # HTML pages (medsec/web); tests/web/test_access.py drives them with browser sessions.
    ("GET", "/"): "public",
    ("GET", "/setup"): "public",
    ("POST", "/setup"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/login/oidc"): "public",
    ("GET", "/auth/oidc/callback"): "public",
    ("GET", "/mfa"): "authenticated",
    ("POST", "/mfa"): "authenticated",
    ("GET", "/mfa/enrol"): "authenticated",
    ("POST", "/mfa/enrol"): "authenticated",
    ("GET", "/password"): "authenticated",
    ("POST", "/password"): "authenticated",
    ("POST", "/logout"): "authenticated",
    ("GET", "/account"): "authenticated",
    ("POST", "/account/sessions/{session_id}/revoke"): "authenticated",
    ("POST", "/account/tokens"): "permission:tokens:own",
    ("POST", "/account/tokens/{token_id}/revoke"): "authenticated",
    ("POST", "/account/reauth"): "authenticated",
    ("GET", "/admin/users"): "permission:users:read",
    ("POST", "/admin/users"): "permission:users:manage",
    ("POST", "/admin/users/{user_id}/role"): "permission:users:manage",
    ("POST", "/admin/users/{user_id}/disable"): "permission:users:manage",
    ("POST", "/admin/users/{user_id}/enable"): "permission:users:manage",
    ("GET", "/admin/users/{user_id}/delete"): "permission:users:manage",
    ("POST", "/admin/users/{user_id}/delete"): "permission:users:manage",
    ("POST", "/admin/users/{user_id}/mfa-reset"): "permission:users:manage",
    ("GET", "/admin/policy"): "permission:organization:manage",
    ("POST", "/admin/policy"): "permission:organization:manage",
    ("GET", "/admin/access-review"): "permission:users:read",
    ("GET", "/audit"): "permission:audit:read",
    ("GET", "/products"): "permission:products:read",
    ("GET", "/products/upload"): "permission:products:write",
    ("POST", "/products/upload"): "permission:products:write",
    ("GET", "/versions/{version_id}"): "permission:products:read",
    ("POST", "/versions/{version_id}/publish"): "permission:products:publish",
    ("GET", "/versions/{version_id}/compare"): "permission:products:read",
    ("GET", "/versions/{old_id}/diff/{new_id}"): "permission:products:read",
    ("GET", "/catalog"): "permission:products:read",
    ("POST", "/catalog/{product_id}/hold"): "permission:holdings:manage",
    ("POST", "/catalog/{product_id}/release"): "permission:holdings:manage",
    ("GET", "/mds2"): "permission:products:read",
    ("POST", "/mds2/upload"): "permission:holdings:manage",
    ("POST", "/mds2/documents/{document_id}/delete"): "permission:holdings:manage",
    ("GET", "/mds2/compare"): "permission:products:read",
    ("GET", "/disclosure"): "public",
    ("GET", "/disclosure/{slug}/report"): "public",
    ("POST", "/disclosure/{slug}/report"): "public",
    ("GET", "/disclosure/track/{token}"): "public",
    ("POST", "/disclosure/track/{token}"): "public",
    ("GET", "/disclosure/cases"): "permission:disclosure:triage",
    ("GET", "/disclosure/cases/{case_id}"): "permission:disclosure:triage",
    ("POST", "/disclosure/cases/{case_id}/state"): "permission:disclosure:triage",
    ("POST", "/disclosure/cases/{case_id}/details"): "permission:disclosure:triage",
    ("POST", "/disclosure/cases/{case_id}/messages"): "permission:disclosure:triage",
    ("POST", "/disclosure/cases/{case_id}/advisories"): "permission:disclosure:triage",
    ("GET", "/disclosure/cases/{case_id}/attachments/{attachment_id}"): (
        "permission:disclosure:triage"
    ),
}


def test_every_route_declares_exactly_one_policy() -> None:
    undeclared = sorted(key for key, policy in ROUTES.items() if policy is None)
    conflicting = sorted(
        (key, policy) for key, policy in ROUTES.items() if policy and policy.startswith("conflict:")
    )
    assert not undeclared, f"routes without requires()/authenticated()/public(): {undeclared}"
    assert not conflicting, f"routes with several policies: {conflicting}"


def test_every_route_is_in_the_expectation_table() -> None:
    missing = sorted(set(ROUTES) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(ROUTES))
    assert not missing, f"add these routes to EXPECTED with the policy they should have: {missing}"
    assert not stale, f"EXPECTED names routes that no longer exist: {stale}"


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=" ".join)
def test_each_route_has_the_expected_policy(key: RouteKey) -> None:
    assert ROUTES.get(key) == EXPECTED[key]


def test_every_permission_guards_some_route_or_is_reserved() -> None:
    used = {p.removeprefix("permission:") for p in EXPECTED.values()}
    reserved = {
        Permission.ORGANIZATION_READ.value,
        Permission.TOKENS_OWN.value,
        Permission.REPORTS_SUBMIT.value,
    }
    assert {p.value for p in Permission} - used <= reserved


# --------------------------------------------------------------------------- the world


class Outcome(enum.Enum):
    ALLOWED = "allowed (2xx)"
    FORBIDDEN = "403 forbidden"
    HIDDEN = "404 not-found"
    REAUTH = "401 unauthenticated (needs a recent login)"
    UNAUTHENTICATED = "401 unauthenticated"


ACTOR_ORGS = {
    "north": OrganizationKind.MANUFACTURER,
    "clinic": OrganizationKind.HEALTHCARE_PROVIDER,
}


@dataclass
class Who:
    org: str
    kind: OrganizationKind
    role: Role
    user: User
    token: str


@dataclass
class World:
    """North and South make products; Clinic holds North's pump, Clinic 2 South's."""

    make: Any
    orgs: dict[str, Organization]
    people: dict[tuple[str, Role], Who]
    ids: dict[str, int]
    south_user: User
    south_token_id: int
    south_session_id: int
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    @functools.cached_property
    def mds2_csv(self) -> bytes:
        profile = load_profile_text(self.make.profile_text())
        return mds2_bytes(derive(profile), ".csv")

    def mds2_upload(self, org: str) -> int:
        """A new MDS2 document uploaded by an admin of ``org``."""
        admin = self.make.user(self.orgs[org], Role.ADMIN)
        with self.make.session() as session:
            row = mds2_services.upload(session, self.make.actor(admin), "vendor.csv", self.mds2_csv)
            return int(row.id)

    def fresh_user(self, org: str) -> User:
        return self.make.user(self.orgs[org], Role.CLINICAL_ENGINEER)

    def fresh_token_id(self, who: Who) -> int:
        token, _ = self.make.token(who.user, ["tokens:own"])
        return int(token.id)

    def fresh_session_id(self, user: User) -> int:
        with self.make.session() as session:
            row = session.get(User, user.id)
            result = authentication.start_session(
                session, self.make.instance.auth, row, Context(ip="192.0.2.60"), via="password"
            )
            return int(result.login_session.id)


@pytest.fixture(scope="module")
def world(module_make: Any) -> World:
    make = module_make
    orgs = {
        "north": make.organization(OrganizationKind.MANUFACTURER, name="North"),
        "south": make.organization(OrganizationKind.MANUFACTURER, name="South"),
        "clinic": make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic"),
        "clinic2": make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic 2"),
    }
    people: dict[tuple[str, Role], Who] = {}
    for org in ACTOR_ORGS:
        for role in Role:
            user = make.user(orgs[org], role, username=f"{org}-{role.value}")
            _, value = make.token(user)  # every scope of the role
            people[org, role] = Who(org, ACTOR_ORGS[org], role, user, value)
    ids: dict[str, int] = {}
    for org in ("north", "south"):
        psirt = make.actor(make.user(orgs[org], Role.PRODUCT_SECURITY_OFFICER), recent=True)
        published = make.publish(psirt, make.upload(psirt, name=f"{org} pump", version="1.0"))
        draft = make.upload(psirt, name=f"{org} pump", version="2.0")
        spare = make.publish(psirt, make.upload(psirt, name=f"{org} spare", version="1.0"))
        ids |= {
            f"{org}-product": published.product_id,
            f"{org}-published": published.id,
            f"{org}-draft": draft.id,
            f"{org}-spare-product": spare.product_id,
        }
    make.hold(make.actor(people["clinic", Role.SECURITY_ANALYST].user), ids["north-product"])
    clinic2 = make.actor(make.user(orgs["clinic2"], Role.SECURITY_ANALYST))
    make.hold(clinic2, ids["south-product"])
    south_user = make.user(orgs["south"], Role.AUDITOR)
    token, _ = make.token(south_user, ["tokens:own"])
    w = World(make, orgs, people, ids, south_user, token.id, 0)
    w.south_session_id = w.fresh_session_id(south_user)
    return w


# --------------------------------------------------------------------------- the calls


@dataclass
class Call:
    params: dict[str, object] = field(default_factory=dict)
    query: dict[str, str] | None = None
    json: object | None = None
    files: dict[str, tuple[str, bytes]] | None = None


Builder = Callable[[World, Who, bool], Call]  # (world, caller, own organization?) → call


@dataclass(frozen=True)
class Spec:
    build: Builder = lambda w, who, own: Call()
    #: The route names an object, so another organization's answers 404.
    tenancy: bool = False
    #: Needs a recent login: a token is refused with 401.
    sensitive: bool = False
    #: Only this kind of organization may use it (403 otherwise).
    only: str | None = None


def own_version(w: World, who: Who, own: bool) -> int:
    """A version the caller may see (own draft; for a hospital, the held published one),
    or one of another organization's that it may not."""
    if not own:
        return w.ids["south-published"]
    return w.ids["north-draft"] if who.org == "north" else w.ids["north-published"]


def victim(w: World, who: Who, own: bool) -> Call:
    return Call({"user_id": w.fresh_user(who.org).id if own else w.south_user.id})


def upload(w: World, who: Who, own: bool) -> Call:
    text = w.make.profile_text(name="north pump", version=f"9.{next(w.counter)}")
    return Call(files={"file": ("pump.yaml", text.encode())})


def release(w: World, who: Who, own: bool) -> Call:
    if own and who.kind.is_provider and Permission.HOLDINGS_MANAGE in ROLE_PERMISSIONS[who.role]:
        w.make.hold(w.make.actor(who.user), w.ids["north-spare-product"])
    return Call({"product_id": w.ids["north-spare-product" if own else "south-product"]})


def mds2_document(w: World, who: Who, own: bool) -> Call:
    """A fresh MDS2 upload of the caller's organization, or one of South's."""
    org = who.org if own else "south"
    return Call({"document_id": w.mds2_upload(org)})


def mds2_file(w: World, who: Who, own: bool) -> Call:
    return Call(files={"file": ("mds2.csv", w.mds2_csv)})


def mds2_compare(w: World, who: Who, own: bool) -> Call:
    before = f"document:{w.mds2_upload(who.org if own else 'south')}"
    return Call(query={"before": before, "after": f"version:{own_version(w, who, own)}"})


def security_txt_contacts(w: World, who: Who, own: bool) -> Call:
    """The test instance's base URL is http, so security.txt needs configured contacts."""
    w.make.instance.settings.disclosure_contacts = ["mailto:psirt@example.org"]
    return Call()


def disclosure_report(w: World, org: str) -> tuple[int, str]:
    """A new report to ``org``'s program (opened on first use): (case id, tracking token).
    The rate-limit counters are emptied first: every call of the matrix comes from one IP."""
    from medsec.accounts.models import RateLimitHit
    from medsec.disclosure import services as disclosure
    from medsec.disclosure.encryption import ReportSealer
    from medsec.disclosure.models import Program

    sealer = ReportSealer(w.make.instance.settings.resolved_secret_key())
    with w.make.session() as session:
        session.query(RateLimitHit).delete()
        if session.query(Program).filter_by(organization_id=w.orgs[org].id).first() is None:
            disclosure.save_program(session, w.orgs[org].id, org, Context.cli("test"))
        receipt = disclosure.submit(
            session,
            sealer,
            org,
            disclosure.Submission(
                title="matrix", description="d", attachments=(AttachmentIn("a.txt", b"log"),)
            ),
            limit_key="matrix",
            limit=1000,
        )
    return receipt.case_id, receipt.token


def disclosure_public(w: World, who: Who, own: bool) -> Call:
    disclosure_report(w, "north")  # opens the program and empties the rate-limit table
    return Call({"organization_slug": "north"}, json={"title": "t", "description": "d"})


def disclosure_token(w: World, who: Who, own: bool) -> Call:
    return Call({"token": disclosure_report(w, "north")[1]}, json={"body": "hello"})


def disclosure_case(w: World, who: Who, own: bool) -> Call:
    """A fresh case of North (the actors' manufacturer) or of South."""
    return Call({"case_id": disclosure_report(w, "north" if own else "south")[0]})


def disclosure_attachment(w: World, who: Who, own: bool) -> Call:
    from medsec.disclosure.models import Attachment

    case_id = disclosure_report(w, "north" if own else "south")[0]
    with w.make.session() as session:
        attachment = session.query(Attachment).filter_by(case_id=case_id).one()
        return Call({"case_id": case_id, "attachment_id": attachment.id})


def disclosure_with(body: dict[str, object]) -> Builder:
    def build(w: World, who: Who, own: bool) -> Call:
        return Call(disclosure_case(w, who, own).params, json=body)

    return build


SPECS: dict[RouteKey, Spec] = {
    ("GET", "/healthz"): Spec(),
    ("GET", "/readyz"): Spec(),
    ("GET", "/public/profiles/{version_id}/{name}"): Spec(
        lambda w, who, own: Call(
            {
                "version_id": w.ids["north-published" if own else "south-published"],
                "name": "profile.json",
            }
        ),
    ),
    ("GET", "/api/v1/me"): Spec(),
    ("GET", "/api/v1/tokens"): Spec(),
    ("POST", "/api/v1/tokens"): Spec(
        lambda w, who, own: Call(json={"name": "matrix", "scopes": ["tokens:own"], "days": 1}),
        sensitive=True,  # a token cannot mint tokens
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): Spec(
        lambda w, who, own: Call({"token_id": w.fresh_token_id(who) if own else w.south_token_id}),
        tenancy=True,
    ),
    ("GET", "/api/v1/sessions"): Spec(),
    ("DELETE", "/api/v1/sessions/{session_id}"): Spec(
        lambda w, who, own: Call(
            {"session_id": w.fresh_session_id(who.user) if own else w.south_session_id}
        ),
        tenancy=True,
    ),
    ("GET", "/api/v1/users"): Spec(),
    ("POST", "/api/v1/users"): Spec(
        lambda w, who, own: Call(json={"username": f"new-{next(w.counter)}", "role": "auditor"})
    ),
    ("PATCH", "/api/v1/users/{user_id}"): Spec(
        lambda w, who, own: Call(victim(w, who, own).params, json={"role": "auditor"}), tenancy=True
    ),
    ("POST", "/api/v1/users/{user_id}/disable"): Spec(victim, tenancy=True),
    ("POST", "/api/v1/users/{user_id}/enable"): Spec(victim, tenancy=True),
    ("DELETE", "/api/v1/users/{user_id}"): Spec(victim, tenancy=True, sensitive=True),
    ("POST", "/api/v1/users/{user_id}/mfa-reset"): Spec(victim, tenancy=True, sensitive=True),
    ("GET", "/api/v1/access-review"): Spec(),
    ("PUT", "/api/v1/organization/mfa-policy"): Spec(
        lambda w, who, own: Call(json={"required_for": ["admin"]})
    ),
    ("GET", "/api/v1/audit"): Spec(),
    ("GET", "/api/v1/audit/export"): Spec(),
    ("GET", "/api/v1/products"): Spec(),
    ("POST", "/api/v1/profiles"): Spec(upload, only="manufacturer"),
    ("GET", "/api/v1/products/{product_id}/versions"): Spec(
        lambda w, who, own: Call(
            {"product_id": w.ids["north-product" if own else "south-product"]}
        ),
        tenancy=True,
    ),
    ("GET", "/api/v1/profile-versions/{version_id}"): Spec(
        lambda w, who, own: Call({"version_id": own_version(w, who, own)}), tenancy=True
    ),
    ("GET", "/api/v1/profile-versions/{version_id}/artifacts/{name}"): Spec(
        lambda w, who, own: Call({"version_id": own_version(w, who, own), "name": "profile.json"}),
        tenancy=True,
    ),
    ("POST", "/api/v1/profile-versions/{version_id}/publish"): Spec(
        lambda w, who, own: Call({"version_id": own_version(w, who, own)}),
        tenancy=True,
        sensitive=True,
    ),
    ("GET", "/api/v1/profile-versions/{old_id}/diff/{new_id}"): Spec(
        lambda w, who, own: Call(
            {
                "old_id": w.ids["north-published"] if own else w.ids["south-published"],
                "new_id": own_version(w, who, own),
            }
        ),
        tenancy=True,
    ),
    ("GET", "/api/v1/catalog"): Spec(),
    ("POST", "/api/v1/holdings"): Spec(
        lambda w, who, own: Call(json={"product_id": w.ids["north-product"]}), only="provider"
    ),
    ("DELETE", "/api/v1/holdings/{product_id}"): Spec(release, tenancy=True, only="provider"),
    ("GET", "/api/v1/mds2/presets"): Spec(),
    ("GET", "/api/v1/mds2/fleet"): Spec(lambda w, who, own: Call(query={"preset": "no-sbom"})),
    ("GET", "/api/v1/mds2/documents"): Spec(),
    ("POST", "/api/v1/mds2/documents"): Spec(mds2_file),
    ("GET", "/api/v1/mds2/documents/{document_id}"): Spec(mds2_document, tenancy=True),
    ("DELETE", "/api/v1/mds2/documents/{document_id}"): Spec(mds2_document, tenancy=True),
    ("GET", "/api/v1/mds2/compare"): Spec(mds2_compare, tenancy=True),
    ("GET", "/.well-known/security.txt"): Spec(security_txt_contacts),
    ("POST", "/api/v1/disclosure/{organization_slug}/reports"): Spec(disclosure_public),
    ("GET", "/api/v1/disclosure/track/{token}"): Spec(disclosure_token),
    ("POST", "/api/v1/disclosure/track/{token}/messages"): Spec(disclosure_token),
    ("GET", "/api/v1/disclosure/cases"): Spec(only="manufacturer"),
    ("GET", "/api/v1/disclosure/cases/{case_id}"): Spec(
        disclosure_case, tenancy=True, only="manufacturer"
    ),
    ("PATCH", "/api/v1/disclosure/cases/{case_id}"): Spec(
        disclosure_with({"flags": ["vendor-aware", "fix-ready"]}), tenancy=True, only="manufacturer"
    ),
    ("POST", "/api/v1/disclosure/cases/{case_id}/state"): Spec(
        disclosure_with({"state": "valid"}), tenancy=True, only="manufacturer"
    ),
    ("POST", "/api/v1/disclosure/cases/{case_id}/messages"): Spec(
        disclosure_with({"body": "thanks"}), tenancy=True, only="manufacturer"
    ),
    ("POST", "/api/v1/disclosure/cases/{case_id}/advisories"): Spec(
        disclosure_with({"tracking_id": "NORTH-2026-001"}), tenancy=True, only="manufacturer"
    ),
    ("GET", "/api/v1/disclosure/cases/{case_id}/attachments/{attachment_id}"): Spec(
        disclosure_attachment, tenancy=True, only="manufacturer"
    ),
}


def predict(key: RouteKey, who: Who | None, own: bool) -> Outcome:
    """What the policy, ROLE_PERMISSIONS and the route's rules say the answer must be."""
    policy = EXPECTED[key]
    spec = SPECS[key]
    if policy == "public":
        return Outcome.ALLOWED
    if who is None:
        return Outcome.UNAUTHENTICATED
    if policy.startswith("permission:"):
        if Permission(policy.removeprefix("permission:")) not in ROLE_PERMISSIONS[who.role]:
            return Outcome.FORBIDDEN
    if spec.sensitive:
        return Outcome.REAUTH
    if spec.only == "manufacturer" and not who.kind.is_manufacturer:
        return Outcome.FORBIDDEN
    if spec.only == "provider" and not who.kind.is_provider:
        return Outcome.FORBIDDEN
    if spec.tenancy and not own:
        return Outcome.HIDDEN
    return Outcome.ALLOWED


def test_every_api_route_has_a_matrix_spec() -> None:
    api = {
        k
        for k in EXPECTED
        if k[1].startswith(("/api/", "/public/")) or k[1] in ("/healthz", "/readyz")
    }
    assert api - set(SPECS) == set(), "describe how to call these routes in SPECS"


CASES = [
    pytest.param(
        key,
        org,
        role,
        own,
        id=f"{key[0]} {key[1]} | {org} {role.value} | {'own' if own else 'other'}",
    )
    for key in sorted(SPECS)
    for org in ACTOR_ORGS
    for role in Role
    for own in ((True, False) if SPECS[key].tenancy else (True,))
] + [
    pytest.param(key, None, None, True, id=f"{key[0]} {key[1]} | anonymous")
    for key in sorted(SPECS)
]


@pytest.fixture(scope="module")
def matrix_client(module_instance: Any, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(module_instance.settings, module_instance)) as client:
        yield client


KIND_OF = {
    Outcome.FORBIDDEN: (403, "forbidden"),
    Outcome.HIDDEN: (404, "not-found"),
    Outcome.REAUTH: (401, "unauthenticated"),
    Outcome.UNAUTHENTICATED: (401, "unauthenticated"),
}


@pytest.mark.parametrize(("key", "org", "role", "own"), CASES)
def test_authorization_matrix(
    matrix_client: TestClient,
    world: World,
    key: RouteKey,
    org: str | None,
    role: Role | None,
    own: bool,
) -> None:
    who = world.people[org, role] if org is not None and role is not None else None
    method, path = key
    spec = SPECS[key]
    call = spec.build(world, who or world.people["north", Role.ADMIN], own)
    headers = {"Authorization": f"Bearer {who.token}"} if who else {}
    response = matrix_client.request(
        method,
        path.format(**call.params),
        params=call.query,
        headers=headers,
        json=call.json,
        files=call.files,
    )
    expected = predict(key, who, own)
    if expected is Outcome.ALLOWED:
        assert 200 <= response.status_code < 300, f"expected {expected.value}: {response.text}"
        return
    status, kind = KIND_OF[expected]
    assert response.status_code == status, f"expected {expected.value}: {response.text}"
    assert response.json()["type"] == f"https://medsec.dev/problems/{kind}"
    if expected is Outcome.REAUTH:
        assert "recent login" in response.json()["detail"]


SENSITIVE = sorted(key for key, spec in SPECS.items() if spec.sensitive)


def test_the_sensitive_actions_are_the_ones_we_mean() -> None:
    assert SENSITIVE == [
        ("DELETE", "/api/v1/users/{user_id}"),
        ("POST", "/api/v1/profile-versions/{version_id}/publish"),
        ("POST", "/api/v1/tokens"),
        ("POST", "/api/v1/users/{user_id}/mfa-reset"),
    ]


@pytest.mark.parametrize("key", SENSITIVE, ids=" ".join)
def test_sensitive_actions_refuse_even_an_admin_token(
    matrix_client: TestClient, world: World, key: RouteKey
) -> None:
    who = world.people["north", Role.ADMIN]
    call = SPECS[key].build(world, who, True)
    response = matrix_client.request(
        key[0],
        key[1].format(**call.params),
        headers={"Authorization": f"Bearer {who.token}"},
        json=call.json,
    )
    assert response.status_code == 401
    assert response.json()["type"] == "https://medsec.dev/problems/unauthenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")
