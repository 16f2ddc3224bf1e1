"""Who may see which page: every page renders for each role that holds its permission, is
a 403 page for the others, and sends anonymous visitors to the login page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute

from medsec.accounts.roles import ROLE_PERMISSIONS, OrganizationKind, Permission, Role
from medsec.api.routes import policy_of
from medsec.web.views import ROUTERS

from .conftest import Browser, Site, text_of

#: GET pages without path parameters, and what they need (None: any signed-in person).
PAGES: dict[str, Permission | None] = {
    "/account": None,
    "/mfa/enrol": None,
    "/password": None,
    "/admin/users": Permission.USERS_READ,
    "/admin/access-review": Permission.USERS_READ,
    "/admin/policy": Permission.ORGANIZATION_MANAGE,
    "/audit": Permission.AUDIT_READ,
    "/products": Permission.PRODUCTS_READ,
    "/products/upload": Permission.PRODUCTS_WRITE,
    "/catalog": Permission.PRODUCTS_READ,
    "/mds2": Permission.PRODUCTS_READ,
    "/feeds": Permission.PRODUCTS_READ,
    "/inventory": Permission.INVENTORY_READ,
    "/inventory/update-dashboard": Permission.INVENTORY_READ,
    "/monitoring/events": Permission.INVENTORY_READ,
    "/cases": Permission.CASES_READ,
    "/training": Permission.TRAINING_ATTEST,
    "/training/report": Permission.TRAINING_READ,
    "/risk": Permission.RISK_READ,
    # Advisory authoring and reaching customers.
    "/advisories": Permission.PRODUCTS_READ,
    "/advisories/received": Permission.PRODUCTS_READ,
    "/findings": Permission.INVENTORY_READ,
}

#: Pages reached from their section's own links rather than the main navigation.
SUBPAGES: dict[str, Permission | None] = {
    "/inventory/sites": Permission.INVENTORY_READ,
    "/inventory/assets/new": Permission.INVENTORY_WRITE,
    "/inventory/import": Permission.INVENTORY_WRITE,
    "/disclosure/cases": Permission.DISCLOSURE_TRIAGE,
    "/monitoring/alerts": Permission.INVENTORY_READ,
    "/monitoring/uncatalogued": Permission.INVENTORY_READ,
    "/cases/new": Permission.CASES_WRITE,
    "/risk/new": Permission.RISK_WRITE,
    # Advisory authoring and reaching customers.
    "/advisories/new": Permission.PRODUCTS_WRITE,
}

PUBLIC_PAGES = ["/", "/login", "/disclosure"]


def web_routes() -> list[APIRoute]:
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


@pytest.mark.parametrize("route", web_routes(), ids=lambda r: f"{sorted(r.methods)} {r.path}")
def test_every_page_route_declares_exactly_one_policy(route: APIRoute) -> None:
    policy = policy_of(route)
    assert policy is not None, "no access policy declared"
    assert policy == "public" or policy == "authenticated" or policy.startswith("permission:")


@pytest.mark.parametrize(("path", "permission"), (PAGES | SUBPAGES).items())
def test_the_declared_policy_is_the_one_the_matrix_expects(
    path: str, permission: Permission | None
) -> None:
    route = next(r for r in web_routes() if r.path == path and "GET" in (r.methods or set()))
    expected = f"permission:{permission.value}" if permission else "authenticated"
    assert policy_of(route) == expected


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_public(path: str) -> None:
    route = next(r for r in web_routes() if r.path == path and "GET" in (r.methods or set()))
    assert policy_of(route) == "public"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_the_pages_its_permissions_allow(site: Site, role: Role) -> None:
    # An organization of both kinds, so only the role decides.
    browser = site.signed_in("someone", role, OrganizationKind.BOTH)
    for path, permission in (PAGES | SUBPAGES).items():
        response = browser.get(path)
        allowed = permission is None or permission in ROLE_PERMISSIONS[role]
        assert response.status_code == (200 if allowed else 403), (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html")
        if not allowed:
            assert "does not allow" in text_of(response.text)


@pytest.mark.parametrize("role", list(Role))
def test_the_navigation_offers_only_what_the_role_can_open(site: Site, role: Role) -> None:
    browser = site.signed_in("someone", role, OrganizationKind.BOTH)
    page = browser.follow("/").text
    nav = page.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    for path, permission in PAGES.items():
        if path in {"/mfa/enrol", "/password"}:
            continue
        link = f'href="{path}"'
        allowed = permission is None or permission in ROLE_PERMISSIONS[role]
        assert (link in nav) == allowed, path


@pytest.mark.parametrize(
    "path",
    [
        *PAGES,
        *SUBPAGES,
        "/versions/1",
        "/versions/1/diff/2",
        "/products/1/updates",
        "/updates/1",
        "/versions/1/patches",
        "/versions/1/lifecycle",
        "/inventory/assets/1",
        "/inventory/sites/1/updates",
        "/feeds/entries/1",
        "/advisories/1",
        "/advisories/1/edit",
        "/advisories/received/1",
    ],
)
def test_anonymous_visitors_are_sent_to_login_and_back(browser: Browser, path: str) -> None:
    response = browser.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={quote(path, safe='/')}"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_render_for_anonymous_visitors(browser: Browser, path: str) -> None:
    response = browser.get(path)
    assert response.status_code == 200
    assert 'href="/login"' in response.text


def test_an_api_token_does_not_open_the_pages(site: Site) -> None:
    from medsec.accounts import tokens
    from medsec.accounts.authentication import actor_for
    from medsec.accounts.models import User
    from medsec.audit.services import Context

    org = site.organization("Acme", OrganizationKind.MANUFACTURER)
    user_id = site.user(org, "bot", Role.AUDITOR)
    with site.instance.db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        actor = actor_for(session, user, None, site.instance.auth, Context())
        _, value = tokens.create_token(session, actor, "ci", ["audit:read"], 1)
    browser = site.browser()

    page = browser.get("/audit", headers={"Authorization": f"Bearer {value}"})
    api = browser.get("/api/v1/audit", headers={"Authorization": f"Bearer {value}"})

    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert api.status_code == 200
