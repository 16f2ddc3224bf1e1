"""Rendering pages: the Jinja2 environment, the navigation by role, one-line notices.

Templates are autoescaped HTML (``autoescape=True`` for every file) with
``StrictUndefined``, so a misspelt variable fails the tests instead of printing nothing.
The only markup inserted unescaped is the QR code SVG that :mod:`medsec.accounts.mfa`
generates.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from medsec.accounts.actor import Actor
from medsec.accounts.authentication import SessionState
from medsec.accounts.roles import Permission
from medsec.web.access import Viewer

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
#: The vendored htmx (see ``static/vendor/README.md``); pinned to one exact version.
HTMX_FILE = "vendor/htmx-2.0.11.min.js"


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str


def navigation(actor: Actor | None) -> list[NavItem]:
    """The links of the main navigation a person's role and organization allow."""
    if actor is None:
        return [NavItem("/login", "Log in")]
    items = [NavItem("/", "Home")]
    if actor.can(Permission.PRODUCTS_READ):
        items.append(NavItem("/products", "Products"))
        if actor.organization_kind.is_provider:
            items.append(NavItem("/catalog", "Catalog"))
        items.append(NavItem("/mds2", "MDS2"))
        items.append(NavItem("/feeds", "Feeds"))
    if actor.can(Permission.INVENTORY_READ) and actor.organization_kind.is_provider:
        items.append(NavItem("/inventory", "Inventory"))
        items.append(NavItem("/inventory/update-dashboard", "Updates"))
        items.append(NavItem("/findings", "Vulnerabilities"))
        items.append(NavItem("/monitoring/events", "Device events"))
        items.append(NavItem("/advisories/subscriptions", "Advisories"))
    if actor.can(Permission.CASES_READ):
        items.append(NavItem("/cases", "Cases"))
    if actor.can(Permission.TRAINING_ATTEST):
        items.append(NavItem("/training", "Training"))
    if actor.can(Permission.TRAINING_READ):
        items.append(NavItem("/training/report", "Training report"))
    if actor.can(Permission.RISK_READ) and actor.organization_kind.is_provider:
        items.append(NavItem("/risk", "Risk"))
    if actor.can(Permission.PRODUCTS_WRITE) and actor.organization_kind.is_manufacturer:
        items.append(NavItem("/products/upload", "Upload a profile"))
    if actor.can(Permission.PRODUCTS_READ):
        # Advisories: a manufacturer's own; the ones a hospital was sent.
        if actor.organization_kind.is_manufacturer:
            items.append(NavItem("/advisories", "Advisories"))
        if actor.organization_kind.is_provider:
            items.append(NavItem("/advisories/received", "Received advisories"))
    if actor.can(Permission.USERS_READ):
        items.append(NavItem("/admin/users", "Users"))
        items.append(NavItem("/admin/access-review", "Access review"))
    if actor.can(Permission.ORGANIZATION_MANAGE):
        items.append(NavItem("/admin/policy", "MFA policy"))
    if actor.can(Permission.DISCLOSURE_TRIAGE) and actor.organization_kind.is_manufacturer:
        items.append(NavItem("/disclosure/cases", "Vulnerability reports"))
    if actor.can(Permission.AUDIT_READ):
        items.append(NavItem("/audit", "Audit log"))
    items.append(NavItem("/account", "Account"))
    return items


#: Messages shown after a form redirected (``?done=<code>``). Only these fixed texts are
#: ever shown, so the query string cannot inject content into a page.
NOTICES: dict[str, str] = {
    "logged-out": "You are logged out.",
    "setup-complete": "The organization and its first administrator were created. Log in.",
    "password-changed": "Your password was changed.",
    "session-revoked": "The session was ended.",
    "token-revoked": "The token was revoked.",
    "notifications-saved": "Your notification settings were saved.",
    "reauthenticated": "Confirmed. Repeat the action now; the confirmation lasts a few minutes.",
    "role-changed": "The role was changed; the user's sessions were ended.",
    "user-disabled": "The account was disabled; its sessions and tokens were ended.",
    "user-enabled": "The account was enabled.",
    "user-deleted": "The account was deleted.",
    "mfa-reset": "The user's MFA was reset; they enrol again at their next login.",
    "policy-saved": "The MFA policy was saved.",
    "uploaded": "The profile was uploaded as a draft.",
    "sbom-attached": "The SBOM was attached.",
    "triage-recorded": "The triage decision was recorded.",
    "vex-attached": "The VEX document was attached.",
    "mds2-uploaded": "The MDS2 was read and added.",
    "mds2-deleted": "The MDS2 document was deleted.",
    "window-added": "The maintenance window was added.",
    "group-added": "The group limit was added.",
    "window-changed": "The maintenance window was changed.",
    "window-deleted": "The maintenance window was deleted.",
    "group-changed": "The group limit was changed.",
    "group-deleted": "The group limit was deleted.",
    "plan-made": "The plan was made; the new plan is listed first.",
    "task-recorded": "The outcome was recorded.",
    "published": "The version was published.",
    "held": "The product was added to your holdings.",
    "released": "The product was removed from your holdings.",
    "release-saved": "The update release was saved as a draft.",
    "release-published": "The update release was published.",
    "patches-saved": "The patch list was saved.",
    "notice-saved": "The lifecycle notice was saved.",
    "notice-published": "The lifecycle notice was published.",
    "site-created": "The site was created.",
    "zone-added": "The zone was added.",
    "asset-created": "The asset was added to the inventory.",
    "asset-saved": "The asset was saved.",
    "asset-deleted": "The asset was deleted.",
    "flows-checked": "The log was checked against the authorized flows.",
    "site-file-imported": "The site file was imported.",
    "feed-subscribed": "The subscription was added; fetch it to receive what it lists.",
    "feed-fetched": "The feed was fetched; its row shows what was stored or quarantined.",
    "feed-removed": "The subscription was removed; the versions it delivered stay.",
    "advisory-saved": "The advisory draft was saved.",
    "advisory-published": "The advisory was published and its customers were notified.",
    "advisory-acknowledged": "Your organization's acknowledgement was recorded.",
    "csaf-subscribed": "Subscribed; the key is pinned. Fetch now, or wait for the worker.",
    "csaf-fetched": "Fetched; the documents below show what was found.",
    "csaf-released": "The document was released and imported; the release is in the audit log.",
    "rule-created": "The alert rule was created.",
    "rule-saved": "The alert rule was saved.",
    "rule-enabled": "The alert rule was enabled.",
    "rule-disabled": "The alert rule was disabled: it raises no alerts until enabled again.",
    "rule-deleted": "The alert rule and its alerts were deleted.",
}


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["htmx_file"] = HTMX_FILE
    return env


def render(
    request: Request,
    template: str,
    *,
    viewer: Viewer | None,
    status: int = 200,
    csrf_token: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` inside the layout. ``csrf_token`` defaults to the viewer's."""
    signed_in = viewer is not None and viewer.state is SessionState.OK
    actor = viewer.actor if viewer is not None and signed_in else None
    done = request.query_params.get("done")
    body = (
        environment()
        .get_template(template)
        .render(
            request_path=request.url.path,
            viewer=viewer,
            actor=actor,
            # Half-way through signing in, the layout offers only "log out".
            nav=navigation(actor) if viewer is None or signed_in else [],
            csrf_token=csrf_token or (viewer.csrf_token if viewer else ""),
            notice=NOTICES.get(done or ""),
            **context,
        )
    )
    return HTMLResponse(body, status_code=status)


def see_other(url: str, done: str | None = None) -> RedirectResponse:
    """303 to ``url`` (the answer to a form POST), with the notice ``done`` when given."""
    if done is not None:
        if done not in NOTICES:
            raise ValueError(f"no notice {done!r} in NOTICES")
        url += ("&" if "?" in url else "?") + f"done={done}"
    return RedirectResponse(url, status_code=303)
