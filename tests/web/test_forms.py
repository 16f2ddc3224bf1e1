"""Rules every form follows: a POST without the session's CSRF token is refused, user
content is escaped, and every input has a label."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from medsec.accounts.roles import OrganizationKind, Role
from medsec.web.views import ROUTERS

from .conftest import Browser, Site, text_of

#: Every POST route of the pages, with the path parameters filled in.
POSTS = sorted(
    route.path.replace("{user_id}", "2")
    .replace("{session_id}", "1")
    .replace("{token_id}", "1")
    .replace("{version_id}", "1")
    .replace("{product_id}", "1")
    for router in ROUTERS
    for route in router.routes
    if isinstance(route, APIRoute) and "POST" in (route.methods or set())
)
#: Forms shown before login use the double-submit cookie (tested in test_login and
#: test_setup); the MFA challenge only exists half-way through signing in (test_mfa).
NOT_FOR_A_SIGNED_IN_ADMIN = {"/login", "/setup", "/mfa"}


@pytest.mark.parametrize("path", [p for p in POSTS if p not in NOT_FOR_A_SIGNED_IN_ADMIN])
def test_a_post_without_the_sessions_csrf_token_is_refused(
    site: Site, admin: Browser, path: str
) -> None:
    for token in [None, "", "forged-token-of-the-right-length-0123456789"]:
        data = {} if token is None else {"csrf_token": token}
        response = admin.post(path, {**data, "role": "auditor", "code": "123456"})
        assert response.status_code == 403, (path, token, response.status_code)
        assert "the form's security token is missing or stale" in text_of(response.text)
    # Still signed in, nothing changed: the refusal did not end the session.
    assert admin.get("/account").status_code == 200


def test_the_csrf_header_is_accepted_for_scripts_of_the_page(site: Site, admin: Browser) -> None:
    page = admin.follow("/admin/users").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = admin.post(
        "/admin/policy", {"roles": ["auditor"]}, headers={"X-CSRF-Token": token.group(1)}
    )
    assert response.status_code == 303


def test_user_content_is_escaped_everywhere_it_is_shown(site: Site) -> None:
    evil = '<script>alert("x")</script>'
    org = site.organization(f"Org {evil}", OrganizationKind.BOTH)
    site.user(org, "admin", Role.ADMIN, display_name=f"Eve {evil}")
    browser = site.browser()
    browser.login("admin")
    browser.submit(
        "/account",
        "/account/tokens",
        {"token_name": f"tok {evil}", "lifetime_days": "1", "scopes": ["audit:read"]},
    )

    for path in ["/account", "/admin/users", "/admin/access-review", "/audit"]:
        page = browser.follow(path).text
        assert "<script>alert" not in page, path
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in browser.follow("/account").text


def test_a_notice_code_cannot_inject_text(admin: Browser) -> None:
    page = admin.follow("/admin/users?done=<b>owned</b>").text
    assert "owned" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/account",
        "/admin/users",
        "/admin/policy",
        "/audit",
        "/password",
        "/products/upload",
        "/mfa/enrol",
    ],
)
def test_every_visible_input_has_a_label(site: Site, path: str) -> None:
    browser = site.signed_in("someone", Role.ADMIN, OrganizationKind.MANUFACTURER)
    if path == "/login":
        browser = site.browser()
    page = browser.follow(path).text
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", page)
    for control in controls:
        if 'type="hidden"' in control:
            continue
        element_id = re.search(r'\bid="([^"]+)"', control)
        assert element_id, f"{path}: control without id: {control}"
        assert f'for="{element_id.group(1)}"' in page, f"{path}: no label for {control}"


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    from medsec.web.rendering import TEMPLATES

    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        # The CSP (default-src 'self') would block them; htmx comes from /static.
        assert not re.search(r"<script(?![^>]*\bsrc=)", source), template
        assert not re.search(r"\son[a-z]+=", source), template
