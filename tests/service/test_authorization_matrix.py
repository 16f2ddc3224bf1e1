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

import datetime as dt
import enum
import functools
import re
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
from medsec.education import risk as risk_services
from medsec.education import training as training_services
from medsec.education.schemas import WorksheetIn
from medsec.escalation import services as cases
from medsec.escalation.schemas import CaseIn
from medsec.flows import services as flow_checks
from medsec.flows.sample import Connection, conn_log
from medsec.mds2 import derive
from medsec.mds2 import services as mds2_services
from medsec.mds2.export import mds2_bytes
from medsec.network import services as network
from medsec.network.schemas import BindingIn, ConduitIn, ConduitServiceIn
from medsec.profiles.loader import load_profile_text
from medsec.sbom import importing as sbom_importing
from medsec.sbom import services as sbom_services
from medsec.settings import Settings
from medsec.updates import planning
from medsec.updates import services as updates
from medsec.updates.planning_schemas import GroupIn, PlanIn, WindowIn
from medsec.updates.schemas import NoticeIn, PatchListIn, ReleaseIn

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
    ("GET", "/api/v1/products/{product_id}/updates"): "permission:products:read",
    ("POST", "/api/v1/products/{product_id}/updates"): "permission:updates:write",
    ("GET", "/api/v1/updates/{release_id}"): "permission:products:read",
    ("GET", "/api/v1/updates/{release_id}/sbom"): "permission:products:read",
    ("POST", "/api/v1/updates/{release_id}/publish"): "permission:updates:publish",
    ("GET", "/api/v1/profile-versions/{version_id}/third-party-patches"): (
        "permission:products:read"
    ),
    ("PUT", "/api/v1/profile-versions/{version_id}/third-party-patches"): (
        "permission:updates:write"
    ),
    ("GET", "/api/v1/profile-versions/{version_id}/lifecycle-notice"): "permission:products:read",
    ("PUT", "/api/v1/profile-versions/{version_id}/lifecycle-notice"): "permission:updates:write",
    ("POST", "/api/v1/profile-versions/{version_id}/lifecycle-notice/publish"): (
        "permission:updates:publish"
    ),
    ("PUT", "/api/v1/organization/update-settings"): "permission:updates:publish",
    ("GET", "/api/v1/sites"): "permission:inventory:read",
    ("POST", "/api/v1/sites"): "permission:inventory:write",
    ("GET", "/api/v1/sites/{site_id}"): "permission:inventory:read",
    ("PATCH", "/api/v1/sites/{site_id}"): "permission:inventory:write",
    ("DELETE", "/api/v1/sites/{site_id}"): "permission:inventory:write",
    ("GET", "/api/v1/cases"): "permission:cases:read",
    ("POST", "/api/v1/cases"): "permission:cases:write",
    ("GET", "/api/v1/cases/{case_id}"): "permission:cases:read",
    ("POST", "/api/v1/cases/{case_id}/messages"): "permission:cases:write",
    ("POST", "/api/v1/cases/{case_id}/state"): "permission:cases:write",
    ("PUT", "/api/v1/cases/{case_id}/after-action"): "permission:cases:write",
    ("POST", "/api/v1/cases/{case_id}/attachments"): "permission:cases:write",
    ("GET", "/api/v1/cases/{case_id}/attachments/{attachment_id}"): "permission:cases:read",
    ("GET", "/api/v1/notifications"): "authenticated",
    ("GET", "/api/v1/notifications/settings"): "authenticated",
    ("PUT", "/api/v1/notifications/settings"): "authenticated",
    ("GET", "/api/v1/training/objectives"): "permission:training:attest",
    ("POST", "/api/v1/training/objectives"): "permission:training:manage",
    ("PUT", "/api/v1/training/objectives/{objective_id}"): "permission:training:manage",
    ("GET", "/api/v1/training/attestations"): "permission:training:attest",
    ("POST", "/api/v1/training/attestations"): "permission:training:attest",
    ("GET", "/api/v1/training/report"): "permission:training:read",
    ("GET", "/api/v1/training/report.csv"): "permission:training:read",
    ("GET", "/api/v1/risk-worksheets"): "permission:risk:read",
    ("POST", "/api/v1/risk-worksheets"): "permission:risk:write",
    ("GET", "/api/v1/risk-worksheets/{worksheet_id}"): "permission:risk:read",
    ("GET", "/api/v1/risk-worksheets/{worksheet_id}/revisions"): "permission:risk:read",
    ("PUT", "/api/v1/risk-worksheets/{worksheet_id}"): "permission:risk:write",
    ("POST", "/api/v1/risk-worksheets/{worksheet_id}/sign-off"): "permission:risk:write",
    ("GET", "/api/v1/device-events"): "permission:inventory:read",
    ("GET", "/api/v1/device-events/uncatalogued"): "permission:inventory:read",
    ("GET", "/api/v1/alerts"): "permission:inventory:read",
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): "permission:inventory:write",
    ("GET", "/api/v1/alert-rules"): "permission:inventory:read",
    ("POST", "/api/v1/alert-rules"): "permission:inventory:write",
    ("POST", "/api/v1/sites/{site_id}/zones"): "permission:inventory:write",
    ("DELETE", "/api/v1/zones/{zone_id}"): "permission:inventory:write",
    ("GET", "/api/v1/assets"): "permission:inventory:read",
    ("POST", "/api/v1/assets"): "permission:inventory:write",
    ("POST", "/api/v1/assets/identity"): "permission:inventory:report-identity",
    ("POST", "/api/v1/assets/import"): "permission:inventory:write",
    ("GET", "/api/v1/assets/{asset_id}"): "permission:inventory:read",
    ("PATCH", "/api/v1/assets/{asset_id}"): "permission:inventory:write",
    ("POST", "/api/v1/profile-versions/{version_id}/sbom"): "permission:products:write",
    ("GET", "/api/v1/profile-versions/{version_id}/sboms"): "permission:products:read",
    ("GET", "/api/v1/profile-versions/{version_id}/sbom/components"): "permission:products:read",
    ("GET", "/api/v1/profile-versions/{version_id}/sbom/ntia"): "permission:products:read",
    ("GET", "/api/v1/profile-versions/{version_id}/sbom/document"): "permission:products:read",
    ("POST", "/api/v1/assets/{asset_id}/sbom"): "permission:inventory:write",
    ("GET", "/api/v1/assets/{asset_id}/sboms"): "permission:inventory:read",
    ("GET", "/api/v1/assets/{asset_id}/sbom/components"): "permission:inventory:read",
    ("GET", "/api/v1/assets/{asset_id}/sbom/ntia"): "permission:inventory:read",
    ("GET", "/api/v1/assets/{asset_id}/sbom/document"): "permission:inventory:read",
    ("GET", "/api/v1/sites/{site_id}/flow-map"): "permission:inventory:read",
    ("GET", "/api/v1/sites/{site_id}/firewall/{target}"): "permission:inventory:read",
    ("GET", "/api/v1/sites/{site_id}/site-file"): "permission:inventory:read",
    ("PUT", "/api/v1/sites/{site_id}/site-file"): "permission:inventory:write",
    ("GET", "/api/v1/sites/{site_id}/conduits"): "permission:inventory:read",
    ("POST", "/api/v1/sites/{site_id}/conduits"): "permission:inventory:write",
    ("DELETE", "/api/v1/sites/{site_id}/conduits/{conduit_id}"): "permission:inventory:write",
    ("GET", "/api/v1/sites/{site_id}/bindings"): "permission:inventory:read",
    ("PUT", "/api/v1/sites/{site_id}/bindings"): "permission:inventory:write",
    ("DELETE", "/api/v1/sites/{site_id}/bindings/{binding_id}"): "permission:inventory:write",
    ("POST", "/api/v1/sites/{site_id}/flow-checks"): "permission:inventory:write",
    ("GET", "/api/v1/sites/{site_id}/flow-checks"): "permission:inventory:read",
    ("GET", "/api/v1/sites/{site_id}/flow-checks/{check_id}"): "permission:inventory:read",
    ("DELETE", "/api/v1/assets/{asset_id}"): "permission:inventory:write",
    ("GET", "/api/v1/assets/{asset_id}/events"): "permission:inventory:read",
    # The CSAF provider (medsec/advisories/provider/api.py): TLP:AMBER/RED behind a login.
    ("GET", "/.well-known/csaf/restricted/{path:path}"): "permission:products:read",
    ("GET", "/.well-known/csaf/{path:path}"): "public",
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
    ("GET", "/api/v1/assets/{asset_id}/updates"): "permission:inventory:read",
    ("GET", "/api/v1/sites/{site_id}/updates"): "permission:inventory:read",
    ("GET", "/api/v1/sites/{site_id}/end-of-support"): "permission:inventory:read",
    ("GET", "/api/v1/sites/{site_id}/maintenance-windows"): "permission:inventory:read",
    ("POST", "/api/v1/sites/{site_id}/maintenance-windows"): "permission:inventory:write",
    ("GET", "/api/v1/sites/{site_id}/update-groups"): "permission:inventory:read",
    ("POST", "/api/v1/sites/{site_id}/update-groups"): "permission:inventory:write",
    ("GET", "/api/v1/sites/{site_id}/update-plans"): "permission:inventory:read",
    ("POST", "/api/v1/sites/{site_id}/update-plans"): "permission:inventory:write",
    ("GET", "/api/v1/update-plans/{plan_id}"): "permission:inventory:read",
    ("POST", "/api/v1/update-tasks/{task_id}/transition"): "permission:inventory:write",
    ("GET", "/cases"): "permission:cases:read",
    ("GET", "/cases/new"): "permission:cases:write",
    ("POST", "/cases/new"): "permission:cases:write",
    ("GET", "/cases/{case_id}"): "permission:cases:read",
    ("POST", "/cases/{case_id}/messages"): "permission:cases:write",
    ("POST", "/cases/{case_id}/state"): "permission:cases:write",
    ("POST", "/cases/{case_id}/after-action"): "permission:cases:write",
    ("POST", "/cases/{case_id}/attachments"): "permission:cases:write",
    ("GET", "/training"): "permission:training:attest",
    ("GET", "/training/report"): "permission:training:read",
    ("POST", "/training/attest"): "permission:training:attest",
    ("GET", "/risk"): "permission:risk:read",
    ("GET", "/risk/new"): "permission:risk:write",
    ("POST", "/risk/new"): "permission:risk:write",
    ("GET", "/risk/{worksheet_id}"): "permission:risk:read",
    ("GET", "/risk/{worksheet_id}/edit"): "permission:risk:write",
    ("POST", "/risk/{worksheet_id}/edit"): "permission:risk:write",
    ("POST", "/risk/{worksheet_id}/sign-off"): "permission:risk:write",
    # HTML pages (medsec/web); tests/web/test_access.py drives them with browser sessions.
    ("GET", "/"): "public",
    ("GET", "/setup"): "public",
    ("POST", "/setup"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("GET", "/monitoring/events"): "permission:inventory:read",
    ("GET", "/monitoring/uncatalogued"): "permission:inventory:read",
    ("GET", "/monitoring/alerts"): "permission:inventory:read",
    ("POST", "/monitoring/alerts/{alert_id}/acknowledge"): "permission:inventory:write",
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
    ("POST", "/account/notifications"): "authenticated",
    ("GET", "/admin/users"): "permission:users:read",
    ("POST", "/admin/users"): "permission:users:manage",
    ("POST", "/admin/users/{user_id}/role"): "permission:users:manage",
    ("POST", "/admin/users/{user_id}/disable"): "permission:users:manage",
    ("GET", "/versions/{version_id}/sbom"): "permission:products:read",
    ("POST", "/versions/{version_id}/sbom"): "permission:products:write",
    ("GET", "/inventory/assets/{asset_id}/sbom"): "permission:inventory:read",
    ("POST", "/inventory/assets/{asset_id}/sbom"): "permission:inventory:write",
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
    ("GET", "/inventory/sites/{site_id}/network"): "permission:inventory:read",
    ("GET", "/inventory/sites/{site_id}/network/rules/{target}"): "permission:inventory:read",
    ("GET", "/inventory/sites/{site_id}/network/site.yaml"): "permission:inventory:read",
    ("POST", "/inventory/sites/{site_id}/network/flow-checks"): "permission:inventory:write",
    ("POST", "/inventory/sites/{site_id}/network/site-file"): "permission:inventory:write",
    ("GET", "/versions/{version_id}/compare"): "permission:products:read",
    ("GET", "/versions/{old_id}/diff/{new_id}"): "permission:products:read",
    ("GET", "/catalog"): "permission:products:read",
    ("POST", "/catalog/{product_id}/hold"): "permission:holdings:manage",
    ("POST", "/catalog/{product_id}/release"): "permission:holdings:manage",
    ("GET", "/mds2"): "permission:products:read",
    ("POST", "/mds2/upload"): "permission:holdings:manage",
    ("POST", "/mds2/documents/{document_id}/delete"): "permission:holdings:manage",
    ("GET", "/mds2/compare"): "permission:products:read",
    ("GET", "/products/{product_id}/updates"): "permission:products:read",
    ("POST", "/products/{product_id}/updates"): "permission:updates:write",
    ("GET", "/updates/{release_id}"): "permission:products:read",
    ("POST", "/updates/{release_id}/publish"): "permission:updates:publish",
    ("GET", "/versions/{version_id}/patches"): "permission:products:read",
    ("POST", "/versions/{version_id}/patches"): "permission:updates:write",
    ("GET", "/versions/{version_id}/lifecycle"): "permission:products:read",
    ("POST", "/versions/{version_id}/lifecycle"): "permission:updates:write",
    ("POST", "/versions/{version_id}/lifecycle/publish"): "permission:updates:publish",
    ("GET", "/inventory"): "permission:inventory:read",
    ("GET", "/inventory/sites"): "permission:inventory:read",
    ("POST", "/inventory/sites"): "permission:inventory:write",
    ("POST", "/inventory/sites/{site_id}/zones"): "permission:inventory:write",
    ("GET", "/inventory/assets/new"): "permission:inventory:write",
    ("POST", "/inventory/assets/new"): "permission:inventory:write",
    ("GET", "/inventory/assets/{asset_id}"): "permission:inventory:read",
    ("GET", "/inventory/assets/{asset_id}/edit"): "permission:inventory:write",
    ("POST", "/inventory/assets/{asset_id}/edit"): "permission:inventory:write",
    ("POST", "/inventory/assets/{asset_id}/delete"): "permission:inventory:write",
    ("GET", "/inventory/import"): "permission:inventory:write",
    ("POST", "/inventory/import"): "permission:inventory:write",
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
    ("GET", "/inventory/sites/{site_id}/updates"): "permission:inventory:read",
    ("POST", "/inventory/sites/{site_id}/windows"): "permission:inventory:write",
    ("POST", "/inventory/sites/{site_id}/groups"): "permission:inventory:write",
    ("POST", "/inventory/sites/{site_id}/plans"): "permission:inventory:write",
    ("POST", "/inventory/update-tasks/{task_id}/transition"): "permission:inventory:write",
    ("GET", "/inventory/update-dashboard"): "permission:inventory:read",
    # Vulnerability findings, manufacturer VEX, hospital triage (capability: findings).
    ("GET", "/api/v1/findings"): "permission:inventory:read",
    ("GET", "/api/v1/findings/export"): "permission:inventory:read",
    ("GET", "/api/v1/assets/{asset_id}/findings"): "permission:inventory:read",
    ("GET", "/api/v1/assets/{asset_id}/findings/export"): "permission:inventory:read",
    ("GET", "/api/v1/assets/{asset_id}/findings/{component_id}/{vulnerability}"): (
        "permission:inventory:read"
    ),
    ("POST", "/api/v1/assets/{asset_id}/findings/{component_id}/{vulnerability}/triage"): (
        "permission:findings:triage"
    ),
    ("GET", "/api/v1/profile-versions/{version_id}/findings"): "permission:products:read",
    ("POST", "/api/v1/profile-versions/{version_id}/vex"): "permission:products:write",
    ("GET", "/api/v1/profile-versions/{version_id}/vex"): "permission:products:read",
    ("GET", "/findings"): "permission:inventory:read",
    ("GET", "/inventory/assets/{asset_id}/findings"): "permission:inventory:read",
    ("GET", "/inventory/assets/{asset_id}/findings/{component_id}/{vulnerability}"): (
        "permission:inventory:read"
    ),
    ("POST", "/inventory/assets/{asset_id}/findings/{component_id}/{vulnerability}/triage"): (
        "permission:findings:triage"
    ),
    ("GET", "/versions/{version_id}/findings"): "permission:products:read",
    ("POST", "/versions/{version_id}/vex"): "permission:products:write",
    ("GET", "/api/v1/vulnerabilities/{record_id}/affected-assets"): "permission:inventory:read",
    # monitoring-rest: alert rules (API and pages)
    ("GET", "/api/v1/alert-rules/{rule_id}"): "permission:inventory:read",
    ("PUT", "/api/v1/alert-rules/{rule_id}"): "permission:inventory:write",
    ("DELETE", "/api/v1/alert-rules/{rule_id}"): "permission:inventory:write",
    ("GET", "/monitoring/rules"): "permission:inventory:read",
    ("GET", "/monitoring/rules/new"): "permission:inventory:write",
    ("POST", "/monitoring/rules"): "permission:inventory:write",
    ("GET", "/monitoring/rules/{rule_id}"): "permission:inventory:write",
    ("POST", "/monitoring/rules/{rule_id}"): "permission:inventory:write",
    ("POST", "/monitoring/rules/{rule_id}/enabled"): "permission:inventory:write",
    ("POST", "/monitoring/rules/{rule_id}/delete"): "permission:inventory:write",
    # csaf-consumer: the hospital's CSAF subscriptions
    ("GET", "/api/v1/csaf/subscriptions"): "permission:inventory:read",
    ("POST", "/api/v1/csaf/subscriptions"): "permission:inventory:write",
    ("GET", "/api/v1/csaf/subscriptions/{subscription_id}"): "permission:inventory:read",
    ("DELETE", "/api/v1/csaf/subscriptions/{subscription_id}"): "permission:inventory:write",
    ("POST", "/api/v1/csaf/subscriptions/{subscription_id}/fetch"): "permission:inventory:write",
    ("GET", "/api/v1/csaf/subscriptions/{subscription_id}/documents"): (
        "permission:inventory:read"
    ),
    ("GET", "/api/v1/csaf/quarantine"): "permission:inventory:read",
    ("POST", "/api/v1/csaf/quarantine/{quarantine_id}/release"): "permission:inventory:write",
    ("GET", "/api/v1/csaf/matches"): "permission:inventory:read",
    ("GET", "/advisories/subscriptions"): "permission:inventory:read",
    ("POST", "/advisories/subscriptions"): "permission:inventory:write",
    ("GET", "/advisories/subscriptions/{subscription_id}"): "permission:inventory:read",
    ("POST", "/advisories/subscriptions/{subscription_id}/fetch"): "permission:inventory:write",
    ("GET", "/advisories/quarantine"): "permission:inventory:read",
    ("POST", "/advisories/quarantine/{quarantine_id}/release"): "permission:inventory:write",
    ("GET", "/advisories/matches"): "permission:inventory:read",
    # Advisory authoring and reaching customers (medsec/advisories/publishing).
    ("GET", "/api/v1/advisories"): "permission:products:read",
    ("POST", "/api/v1/advisories"): "permission:products:write",
    ("GET", "/api/v1/advisories/{advisory_id}"): "permission:products:read",
    ("PUT", "/api/v1/advisories/{advisory_id}"): "permission:products:write",
    ("POST", "/api/v1/advisories/{advisory_id}/check"): "permission:products:read",
    ("POST", "/api/v1/advisories/{advisory_id}/publish"): "permission:products:publish",
    ("GET", "/api/v1/advisories/{advisory_id}/artifacts/{name}"): "permission:products:read",
    ("GET", "/api/v1/advisories/{advisory_id}/recipients"): "permission:products:read",
    ("GET", "/api/v1/received-advisories"): "permission:products:read",
    ("POST", "/api/v1/received-advisories/{advisory_id}/acknowledge"): (
        "permission:holdings:manage"
    ),
    ("GET", "/advisories"): "permission:products:read",
    ("GET", "/advisories/new"): "permission:products:write",
    ("POST", "/advisories/new"): "permission:products:write",
    ("GET", "/advisories/received"): "permission:products:read",
    ("GET", "/advisories/received/{advisory_id}"): "permission:products:read",
    ("POST", "/advisories/received/{advisory_id}/acknowledge"): "permission:holdings:manage",
    ("GET", "/advisories/{advisory_id}"): "permission:products:read",
    ("GET", "/advisories/{advisory_id}/edit"): "permission:products:write",
    ("POST", "/advisories/{advisory_id}/edit"): "permission:products:write",
    ("POST", "/advisories/{advisory_id}/publish"): "permission:products:publish",
    # signed manufacturer → hospital feeds (issue 7 §6)
    ("GET", "/public/feeds/{slug}/index.json"): "public",
    ("GET", "/public/feeds/{slug}/index.json.asc"): "public",
    ("GET", "/public/feeds/{slug}/key.asc"): "public",
    ("GET", "/public/feeds/{slug}/versions/{version_id}/{kind}"): "public",
    ("GET", "/api/v1/feed-subscriptions"): "permission:products:read",
    ("POST", "/api/v1/feed-subscriptions"): "permission:holdings:manage",
    ("GET", "/api/v1/feed-subscriptions/{subscription_id}"): "permission:products:read",
    ("DELETE", "/api/v1/feed-subscriptions/{subscription_id}"): "permission:holdings:manage",
    ("POST", "/api/v1/feed-subscriptions/{subscription_id}/fetch"): "permission:holdings:manage",
    ("GET", "/api/v1/feed-subscriptions/{subscription_id}/entries"): "permission:products:read",
    ("GET", "/api/v1/feed-entries/{entry_id}"): "permission:products:read",
    ("GET", "/feeds"): "permission:products:read",
    ("POST", "/feeds/subscriptions"): "permission:holdings:manage",
    ("POST", "/feeds/subscriptions/{subscription_id}/fetch"): "permission:holdings:manage",
    ("POST", "/feeds/subscriptions/{subscription_id}/delete"): "permission:holdings:manage",
    ("GET", "/feeds/entries/{entry_id}"): "permission:products:read",
    # updates-rest: windows and groups editable (API and UI)
    ("PATCH", "/api/v1/maintenance-windows/{window_id}"): "permission:inventory:write",
    ("DELETE", "/api/v1/maintenance-windows/{window_id}"): "permission:inventory:write",
    ("PATCH", "/api/v1/update-groups/{group_id}"): "permission:inventory:write",
    ("DELETE", "/api/v1/update-groups/{group_id}"): "permission:inventory:write",
    ("GET", "/inventory/maintenance-windows/{window_id}/edit"): "permission:inventory:write",
    ("POST", "/inventory/maintenance-windows/{window_id}"): "permission:inventory:write",
    ("POST", "/inventory/maintenance-windows/{window_id}/delete"): "permission:inventory:write",
    ("GET", "/inventory/update-groups/{group_id}/edit"): "permission:inventory:write",
    ("POST", "/inventory/update-groups/{group_id}"): "permission:inventory:write",
    ("POST", "/inventory/update-groups/{group_id}/delete"): "permission:inventory:write",
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
    #: A recently authenticated product-security officer of each manufacturer.
    psirt: dict[str, Any] = field(default_factory=dict)

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
        ids |= updates_world(make, psirt, org, published, draft)
    make.hold(make.actor(people["clinic", Role.SECURITY_ANALYST].user), ids["north-product"])
    clinic2 = make.actor(make.user(orgs["clinic2"], Role.SECURITY_ANALYST))
    make.hold(clinic2, ids["south-product"])
    for org in ("clinic", "clinic2"):
        keeper = make.actor(make.user(orgs[org], Role.ADMIN))
        site = make.site(keeper, f"{org} campus", zones=("ICU",))
        ids |= {
            f"{org}-site": site.id,
            f"{org}-zone": site.zones[0].id,
            f"{org}-asset": make.asset(keeper, site.id, f"{org}-pump").id,
        }
    ids |= cases_world(make, orgs, ids)
    south_user = make.user(orgs["south"], Role.AUDITOR)
    token, _ = make.token(south_user, ["tokens:own"])
    w = World(make, orgs, people, ids, south_user, token.id, 0)
    w.psirt = {
        "north": make.actor(make.user(orgs["north"], Role.PRODUCT_SECURITY_OFFICER), recent=True)
    }
    w.south_session_id = w.fresh_session_id(south_user)
    return w


def release_manifest(version: str) -> dict[str, Any]:
    return {
        "version": version,
        "released_on": "2026-06-01",
        "kind": "security-patch",
        "fixes": ["CVE-2026-0001"],
        "applies_to": "vers:generic/<4.2.2",
        "apply_mode": "planned-downtime",
        "sbom": {"media_type": "application/vnd.cyclonedx+json", "document": "{}"},
    }


NOTICE = NoticeIn(end_of_support=dt.date(2030, 1, 31), plan="upgrade to 5.x")


def updates_world(make: Any, psirt: Any, org: str, published: Any, draft: Any) -> dict[str, int]:
    """A published and a draft release, a patch list and notices (the published one
    published) for the matrix."""
    with make.session() as session:
        product = published.product_id
        done = updates.create_release(
            session, psirt, product, ReleaseIn.model_validate(release_manifest("4.2.2"))
        )
        updates.publish_release(session, psirt, done.id)
        pending = updates.create_release(
            session, psirt, product, ReleaseIn.model_validate(release_manifest("4.2.3"))
        )
        patch_list = PatchListIn.model_validate(
            {"patches": [{"kind": "os-patch", "identifier": "KB5034441", "status": "validated"}]}
        )
        updates.import_patches(session, psirt, published.id, patch_list)
        updates.set_notice(session, psirt, published.id, NOTICE)
        updates.publish_notice(session, psirt, published.id)
        updates.set_notice(session, psirt, draft.id, NOTICE)
        return {f"{org}-release": done.id, f"{org}-draft-release": pending.id}


CASE = {
    "title": "Pumps reject the drug library",
    "symptoms": "LIB-SIG-FAIL on three pumps",
    "severity": "high",
    "patient_safety": "unknown",
}


def worksheet(asset_id: int) -> dict[str, Any]:
    return {
        "title": "Pump ↔ pump server",
        "asset_id": asset_id,
        "counterpart": "pump server",
        "framework": "tara",
        "threats": ["tampered drug library"],
        "likelihood": 3,
        "impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 4,
    }


def cases_world(make: Any, orgs: dict[str, Organization], ids: dict[str, int]) -> dict[str, int]:
    """A case of Clinic about North's pump and one of Clinic 2 about South's, each with an
    attachment; a risk worksheet of each hospital; each organization's seeded objectives."""
    found: dict[str, int] = {}
    for org, maker in (("clinic", "north"), ("clinic2", "south")):
        hospital = make.actor(make.user(orgs[org], Role.ADMIN), recent=True)
        with make.session() as session:
            body = CaseIn.model_validate(CASE | {"profile_version_id": ids[f"{maker}-published"]})
            case = cases.open_case(session, hospital, body)
            attachment = cases.add_attachment(
                session, hospital, case.id, "log.txt", "text/plain", b"log"
            )
            sheet = risk_services.create(
                session, hospital, WorksheetIn.model_validate(worksheet(ids[f"{org}-asset"]))
            )
            found |= {
                f"{org}-case": case.id,
                f"{org}-attachment": attachment.id,
                f"{org}-worksheet": sheet.id,
            }
    for org in orgs:
        with make.session() as session:
            admin = make.actor(make.user(orgs[org], Role.ADMIN))
            found[f"{org}-objective"] = training_services.objectives(session, admin)[0].id
    return found


def case_call(w: World, who: Who, own: bool) -> Call:
    """Clinic's case about North's pump — visible to both — or Clinic 2's about South's."""
    return Call({"case_id": w.ids["clinic-case" if own else "clinic2-case"]})


def fresh_case(w: World, who: Who, own: bool) -> Call:
    """A new case of Clinic's (the state changes of the matrix use one each)."""
    if not own:
        return Call(case_call(w, who, own).params, json={"state": "closed", "after_action": "x"})
    hospital = w.make.actor(w.people["clinic", Role.ADMIN].user)
    body = CaseIn.model_validate(CASE | {"profile_version_id": w.ids["north-published"]})
    with w.make.session() as session:
        case_id = cases.open_case(session, hospital, body).id
    # The manufacturer acknowledges; the hospital closes (withdraws) with notes.
    change = {"state": "acknowledged"} if who.org == "north" else {
        "state": "closed", "after_action": "withdrawn: not a security issue"
    }  # fmt: skip
    return Call({"case_id": case_id}, json=change)


def objective_call(w: World, who: Who, own: bool) -> int:
    return w.ids[f"{who.org}-objective" if own else "south-objective"]


def fresh_worksheet(w: World, who: Who, own: bool) -> Call:
    """A new worksheet of Clinic's (signing one off works once), or Clinic 2's."""
    if not own:
        return Call({"worksheet_id": w.ids["clinic2-worksheet"]})
    with w.make.session() as session:
        sheet = risk_services.create(
            session, keeper(w), WorksheetIn.model_validate(worksheet(w.ids["clinic-asset"]))
        )
        return Call({"worksheet_id": sheet.id})


def fresh_notice(w: World) -> int:
    """A new north version with an unpublished notice (publishing it works once)."""
    version = w.make.upload(w.psirt["north"], name="north pump", version=f"8.{next(w.counter)}")
    with w.make.session() as session:
        updates.set_notice(session, w.psirt["north"], version.id, NOTICE)
    return int(version.id)


# --------------------------------------------------------------------------- the calls


@dataclass
class Call:
    params: dict[str, object] = field(default_factory=dict)
    query: dict[str, str] | None = None
    json: object | None = None
    files: dict[str, tuple[str, bytes]] | None = None
    data: dict[str, str] | None = None


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


def own_release(w: World, who: Who, own: bool) -> int:
    """Like :func:`own_version`, for update releases."""
    if not own:
        return w.ids["south-release"]
    return w.ids["north-draft-release"] if who.org == "north" else w.ids["north-release"]


def product_call(w: World, who: Who, own: bool) -> Call:
    return Call({"product_id": w.ids["north-product" if own else "south-product"]})


def clinic(w: World, own: bool, what: str) -> int:
    """The id of the caller's hospital's object, or of another hospital's."""
    return w.ids[f"{'clinic' if own else 'clinic2'}-{what}"]


def keeper(w: World) -> Any:
    return w.make.actor(w.people["clinic", Role.ADMIN].user)


def fresh_site(w: World, own: bool) -> Call:
    if not own:
        return Call({"site_id": w.ids["clinic2-site"]})
    return Call({"site_id": w.make.site(keeper(w), f"spare {next(w.counter)}").id})


def fresh_zone(w: World, own: bool) -> Call:
    if not own:
        return Call({"zone_id": w.ids["clinic2-zone"]})
    site = w.make.site(keeper(w), f"zoned {next(w.counter)}", zones=("Z",))
    return Call({"zone_id": site.zones[0].id})


def fresh_asset(w: World, own: bool) -> Call:
    if not own:
        return Call({"asset_id": w.ids["clinic2-asset"]})
    return Call({"asset_id": w.make.asset(keeper(w), w.ids["clinic-site"]).id})


def fresh_alert(w: World, own: bool) -> Call:
    """A new open alert of the caller's hospital, or of the other hospital."""
    from medsec.monitoring.models import Alert, AlertRule

    org = w.orgs["clinic" if own else "clinic2"]
    with w.make.session() as session:
        n = next(w.counter)
        rule = AlertRule(organization_id=org.id, name=f"rule {n}", kind="event",
                         event_ids=["AUTH-FAIL"])  # fmt: skip
        session.add(rule)
        session.flush()
        # Its own key: an organization has one open alert per key (a unique index).
        alert = Alert(organization_id=org.id, rule_id=rule.id, dedup_key=f"k{n}", summary="s")
        session.add(alert)
        session.flush()
        return Call({"alert_id": alert.id})


RULE = {"kind": "event", "event_ids": ["AUTH-FAIL"], "enabled": False}


def fresh_rule(w: World, own: bool, json: Any = None) -> Call:
    """A new alert rule of the caller's hospital, or of the other hospital."""
    from medsec.monitoring.models import AlertRule

    org = w.orgs["clinic" if own else "clinic2"]
    with w.make.session() as session:
        rule = AlertRule(organization_id=org.id, name=f"rule {next(w.counter)}", kind="event",
                         event_ids=["AUTH-FAIL"])  # fmt: skip
        session.add(rule)
        session.flush()
        return Call({"rule_id": rule.id}, json=json)


def inventory_file(w: World, who: Who, own: bool) -> Call:
    text = f"Serial Number,Vendor,Model\nM-{next(w.counter)},Northwind,LVP-3000\n"
    return Call(
        files={"file": ("assets.csv", text.encode())},
        data={"site_id": str(clinic(w, own, "site"))},
    )


def fresh_plan(w: World, own: bool) -> Call:
    """A new (empty) update plan of the caller's hospital's site, or of Clinic 2's."""
    org = "clinic" if own else "clinic2"
    planner = w.make.actor(w.make.user(w.orgs[org], Role.ADMIN))
    with w.make.session() as session:
        found = planning.make_plan(session, planner, w.ids[f"{org}-site"], PlanIn(days=1))
        return Call({"plan_id": found.id})


def fresh_task(w: World, own: bool) -> Call:
    """A planned task of the caller's hospital (its pump at 4.2.1, the held product's
    published 4.2.2), or of Clinic 2's; the call defers it."""
    org, maker = ("clinic", "north") if own else ("clinic2", "south")
    planner = w.make.actor(w.make.user(w.orgs[org], Role.ADMIN))
    site = w.make.site(planner, f"planned {next(w.counter)}")
    w.make.asset(
        planner, site.id, firmware_version="4.2.1", product_version_id=w.ids[f"{maker}-published"]
    )
    window = WindowIn(name="any", days="mon-sun", start=dt.time(0), end=dt.time(23))
    with w.make.session() as session:
        planning.add_window(session, planner, site.id, window)
        found = planning.make_plan(session, planner, site.id, PlanIn(days=3))
        (task,) = found.tasks
        body = {"to": "deferred", "reason": "ward full"}
        return Call({"task_id": task.id}, json=body)


def fresh_window(w: World, own: bool, json: dict[str, Any] | None = None) -> Call:
    """A new maintenance window (no task in it) on the caller's hospital's site, or on
    Clinic 2's."""
    org = "clinic" if own else "clinic2"
    planner = w.make.actor(w.make.user(w.orgs[org], Role.ADMIN))
    data = WindowIn(name=f"w{next(w.counter)}", days="tue", start=dt.time(1), end=dt.time(5))
    with w.make.session() as session:
        found = planning.add_window(session, planner, w.ids[f"{org}-site"], data)
        return Call({"window_id": found.id}, json=json)


def fresh_group(w: World, own: bool, json: dict[str, Any] | None = None) -> Call:
    """A new update group on the caller's hospital's site, or on Clinic 2's."""
    org = "clinic" if own else "clinic2"
    planner = w.make.actor(w.make.user(w.orgs[org], Role.ADMIN))
    data = GroupIn(name=f"g{next(w.counter)}", max_concurrent=2)
    with w.make.session() as session:
        found = planning.add_group(session, planner, w.ids[f"{org}-site"], data)
        return Call({"group_id": found.id}, json=json)


def site_call(w: World, who: Who, own: bool) -> Call:
    return Call({"site_id": clinic(w, own, "site")})


def zoned_site(w: World) -> Any:
    return w.make.site(keeper(w), f"networked {next(w.counter)}", zones=("A", "B"))


def conduit_body(site: Any) -> dict[str, Any]:
    return {
        "name": f"c{site.id}",
        "from_zone_id": site.zones[0].id,
        "to_zone_id": site.zones[1].id,
        "services": [{"protocol": "tcp", "ports": [443]}],
    }


def new_conduit(w: World, own: bool) -> Call:
    if not own:
        return Call({"site_id": clinic(w, False, "site"), "conduit_id": 1})
    site = zoned_site(w)
    with w.make.session() as session:
        row = network.create_conduit(
            session,
            keeper(w),
            site.id,
            ConduitIn(
                name="c",
                from_zone_id=site.zones[0].id,
                to_zone_id=site.zones[1].id,
                services=[ConduitServiceIn(protocol="tcp", ports=[443])],
            ),
        )
        return Call({"site_id": site.id, "conduit_id": row.id})


def new_binding(w: World, own: bool) -> Call:
    if not own:
        return Call({"site_id": clinic(w, False, "site"), "binding_id": 1})
    site = w.make.site(keeper(w), f"bound {next(w.counter)}")
    with w.make.session() as session:
        row = network.set_binding(
            session, keeper(w), site.id, BindingIn(endpoint="ntp", cidrs=["10.0.0.1/32"])
        )
        return Call({"site_id": site.id, "binding_id": row.id})


SAMPLE_LOG = conn_log([Connection(1700000000.0, "10.0.0.1", "10.0.0.2", 443)]).encode()


def new_flow_check(w: World, own: bool) -> Call:
    site_id = clinic(w, own, "site")
    if not own:
        return Call({"site_id": site_id, "check_id": 1})
    with w.make.session() as session:
        row = flow_checks.check_upload(session, keeper(w), site_id, "conn.log", SAMPLE_LOG)
        return Call({"site_id": site_id, "check_id": row.id})


SBOM = (
    b'{"bomFormat": "CycloneDX", "specVersion": "1.6",'
    b' "components": [{"type": "library", "name": "zlib", "version": "1.3.1"}]}'
)


def _attach(w: World, actor: Any, version: int | None = None, asset: int | None = None) -> None:
    with w.make.session() as session:
        source = sbom_importing.source_of_bytes(SBOM, "sbom.json")
        document = sbom_importing.document_of_bytes(SBOM, "sbom.json")
        if version is not None:
            sbom_services.attach_to_version(session, actor, version, source, document)
        else:
            assert asset is not None
            sbom_services.attach_to_asset(session, actor, asset, source, document)


def sbom_version(w: World, who: Who, own: bool) -> Call:
    """A version with an SBOM the caller may see (north's draft; for a hospital a
    published north version), or South's published one."""
    if not own:
        return Call({"version_id": w.ids["south-published"]})
    if "north-sbom-published" not in w.ids:
        psirt = w.psirt["north"]
        _attach(w, psirt, version=w.ids["north-draft"])
        version = w.make.upload(psirt, name="north pump", version="5.0")
        _attach(w, psirt, version=version.id)
        w.ids["north-sbom-published"] = w.make.publish(psirt, version).id
    key = "north-draft" if who.org == "north" else "north-sbom-published"
    return Call({"version_id": w.ids[key]})


def sbom_asset(w: World, who: Who, own: bool) -> Call:
    if own and "clinic-asset-sbom" not in w.ids:
        _attach(w, keeper(w), asset=w.ids["clinic-asset"])
        w.ids["clinic-asset-sbom"] = 1
    return Call({"asset_id": clinic(w, own, "asset")})


def sbom_file(build: Builder) -> Builder:
    return lambda w, who, own: Call(build(w, who, own).params, files={"file": ("s.json", SBOM)})


PROVIDER = "provider"


def csaf_file(relative: str) -> Builder:
    """A file of a (minimal) built provider directory in the instance's data dir."""

    def build(w: World, who: Who, own: bool) -> Call:
        root = w.make.instance.settings.data_dir / "csaf" / "provider"
        for tree, name in (("public", "provider-metadata.json"), ("restricted", "red/index.txt")):
            (root / tree / name).parent.mkdir(parents=True, exist_ok=True)
            (root / tree / name).write_text("{}\n" if name.endswith(".json") else "")
        return Call({"path": relative})

    return build


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


# --------------------------------------------------------------------------- feeds
# signed manufacturer → hospital feeds (issue 7 §6)

FEED_VEX = (
    b'{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://north.example/vex/1",'
    b' "author": "North", "timestamp": "2026-01-01T00:00:00Z", "version": 1, "statements":'
    b' [{"vulnerability": {"name": "CVE-2024-1"}, "status": "fixed",'
    b' "products": [{"@id": "pkg:generic/north/pump@1.0"}]}]}'
)
#: Nothing listens on the discard port: a fetch fails fast (and answers 200 with the report).
FEED_URL = "http://127.0.0.1:9/public/feeds/north/index.json"
_FEED_ACTORS: dict[str, Any] = {}


def feed_key(w: World) -> str:
    """The instance's signing key (created on first use), as a subscriber pins it."""
    from medsec.advisories.signing.openpgp import KeyStore

    settings = w.make.instance.settings
    store = KeyStore(settings.data_dir, settings.resolved_secret_key())
    if not store.exists():
        store.create("North PSIRT <psirt@north.example>")
    return store.public_key_armored()


def feed_public(w: World, who: Who, own: bool) -> Call:
    feed_key(w)
    return Call({"slug": "north"})


def feed_document(w: World, who: Who, own: bool) -> Call:
    feed_key(w)
    return Call({"slug": "north", "version_id": w.ids["north-published"], "kind": "profile"})


def feed_subscription(w: World, own: bool) -> int:
    """A new subscription of Clinic (own) or of Clinic 2."""
    from medsec.feeds import subscriptions

    org = "clinic" if own else "clinic2"
    if org not in _FEED_ACTORS:
        _FEED_ACTORS[org] = w.make.actor(w.make.user(w.orgs[org], Role.SECURITY_ANALYST))
    with w.make.session() as session:
        found = subscriptions.subscribe(
            session, _FEED_ACTORS[org], f"{FEED_URL}?n={next(w.counter)}", feed_key(w).encode()
        )
        return int(found.id)


def feed_entry(w: World, who: Who, own: bool) -> Call:
    from medsec.feeds.models import FeedEntry

    subscription_id = feed_subscription(w, own)
    with w.make.session() as session:
        row = FeedEntry(
            subscription_id=subscription_id, entry_key="north pump/1.0/profile",
            product="north pump", version="1.0", kind="profile", url=FEED_URL, sha256="0" * 64,
            size_bytes=1, state="quarantined", reason="the document's SHA-256 differs",
        )  # fmt: skip
        session.add(row)
        session.flush()
        return Call({"entry_id": row.id})


# --- advisory authoring and reaching customers (medsec/advisories/publishing)


def advisory_ids(w: World) -> dict[str, int]:
    """North's advisory, published and sent to Clinic (which holds North's pump), and a
    draft of South's; made once per world."""
    if "north-advisory" not in w.ids:
        from medsec.advisories.authoring.input import AdvisoryInput
        from medsec.advisories.publishing import publish as advisory_publish
        from medsec.advisories.publishing import services as advisories
        from medsec.advisories.publishing.provider import ProviderTarget
        from medsec.advisories.signing.openpgp import KeyStore

        settings = w.make.instance.settings
        target = ProviderTarget(
            settings.data_dir / "advisory-matrix", "https://psirt.example.com",
            settings.resolved_secret_key(),
        )  # fmt: skip
        KeyStore(target.data_dir, target.instance_secret).create("North <psirt@north.example>")
        south = w.make.actor(w.make.user(w.orgs["south"], Role.PRODUCT_SECURITY_OFFICER))
        with w.make.session() as session:
            north = advisories.create(
                session, w.psirt["north"], AdvisoryInput.model_validate(advisory_body("north"))
            )
            advisory_publish.publish(session, w.psirt["north"], north.id, target)
            draft = advisories.create(
                session, south, AdvisoryInput.model_validate(advisory_body("south"))
            )
            w.ids |= {"north-advisory": north.id, "south-advisory": draft.id}
    return w.ids


def advisory_body(org: str, tracking_id: str | None = None) -> dict[str, Any]:
    from medsec.advisories.publishing.demo import example_input

    return example_input(f"{org} pump") | {"tracking_id": tracking_id or f"{org.upper()}-2026-1"}


def advisory_call(w: World, who: Who, own: bool) -> Call:
    """North's advisory (Clinic was sent it), or South's draft."""
    return Call({"advisory_id": advisory_ids(w)["north-advisory" if own else "south-advisory"]})


def advisory_edit(w: World, who: Who, own: bool) -> Call:
    """A new draft of North's to replace (own), or South's."""
    if not own:
        return Call(advisory_call(w, who, own).params, json=advisory_body("south"))
    from medsec.advisories.authoring.input import AdvisoryInput
    from medsec.advisories.publishing import services as advisories

    tracking_id = f"NORTH-EDIT-{next(w.counter)}"
    body = advisory_body("north", tracking_id)
    with w.make.session() as session:
        draft = advisories.create(session, w.psirt["north"], AdvisoryInput.model_validate(body))
    return Call({"advisory_id": draft.id}, json=body | {"title": "Edited title"})


def advisory_new(w: World, who: Who, own: bool) -> Call:
    return Call(json=advisory_body("north", f"NORTH-NEW-{next(w.counter)}"))


def advisory_artifact(w: World, who: Who, own: bool) -> Call:
    return Call(advisory_call(w, who, own).params | {"name": "csaf.json"})


# csaf-consumer: a mock CSAF provider on every host, and subscriptions made in the database.
CSAF_FIXTURE = Path(__file__).resolve().parent.parent / "advisories/fixtures/exm-2026-001.json"


@functools.cache
def csaf_key() -> Any:
    import pysequoia

    return pysequoia.Tsk.generate("Matrix PSIRT <psirt@example.org>").extract_certificate()


def csaf_transport(w: World) -> None:
    """Outgoing HTTP of the instance answers as a (document-less) CSAF provider."""
    import httpx

    def answer(request: httpx.Request) -> httpx.Response:
        base = f"https://{request.url.host}/.well-known/csaf/"
        if request.url.path.endswith("/key.asc"):
            return httpx.Response(200, text=str(csaf_key()))
        metadata = {
            "canonical_url": base + "provider-metadata.json",
            "last_updated": "2026-01-01T00:00:00Z",
            "list_on_CSAF_aggregators": True,
            "metadata_version": "2.0",
            "mirror_on_CSAF_aggregators": True,
            "public_openpgp_keys": [
                {"fingerprint": csaf_key().fingerprint.upper(), "url": base + "key.asc"}
            ],
            "publisher": {"category": "vendor", "name": "M", "namespace": "https://m.example"},
            "role": "csaf_trusted_provider",
        }
        return httpx.Response(200, json=metadata)

    w.make.instance.http_transport = httpx.MockTransport(answer)


def csaf_new_subscription(w: World, who: Who, own: bool) -> Call:
    csaf_transport(w)
    url = f"https://p{next(w.counter)}.example/.well-known/csaf/provider-metadata.json"
    return Call(json={"url": url, "fingerprint": csaf_key().fingerprint.upper()})


def csaf_subscription(w: World, own: bool, *, fresh: bool = False) -> int:
    """A subscription of the caller's hospital or of Clinic 2 (made once, or anew)."""
    from medsec.advisories.consumer.models import CsafSubscription

    org = "clinic" if own else "clinic2"
    if not fresh and f"{org}-csaf-subscription" in w.ids:
        return w.ids[f"{org}-csaf-subscription"]
    csaf_transport(w)
    with w.make.session() as session:
        row = CsafSubscription(
            organization_id=w.orgs[org].id,
            requested="matrix",
            discovered_via="url",
            metadata_url=f"https://s{next(w.counter)}.example/.well-known/csaf/"
            "provider-metadata.json",
            publisher="M",
            key_fingerprint=csaf_key().fingerprint.upper(),
            public_key=str(csaf_key()),
            created_by="matrix",
        )
        session.add(row)
        session.flush()
        w.ids[f"{org}-csaf-subscription"] = row.id
        return int(row.id)


def csaf_subscription_call(w: World, who: Who, own: bool) -> Call:
    return Call({"subscription_id": csaf_subscription(w, own)})


def csaf_quarantined(w: World, who: Who, own: bool) -> Call:
    """A releasable quarantined document (failed a mandatory test) of either hospital."""
    from medsec.advisories.consumer.models import CsafQuarantine

    org = "clinic" if own else "clinic2"
    subscription = csaf_subscription(w, own)
    with w.make.session() as session:
        row = CsafQuarantine(
            organization_id=w.orgs[org].id,
            subscription_id=subscription,
            url="https://s.example/.well-known/csaf/white/2026/exm-2026-001.json",
            reason="mandatory-tests",
            detail="1 mandatory test(s) failed: 6.1.16",
            findings=[{"testId": "6.1.16"}],
            sha256="0" * 64,
            content=CSAF_FIXTURE.read_text(),
        )
        session.add(row)
        session.flush()
        return Call({"quarantine_id": row.id}, json={"note": "read the findings"})


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
    ("GET", "/api/v1/products/{product_id}/updates"): Spec(product_call, tenancy=True),
    ("POST", "/api/v1/products/{product_id}/updates"): Spec(
        lambda w, who, own: Call(
            product_call(w, who, own).params, json=release_manifest(f"7.{next(w.counter)}")
        ),
        tenancy=True,
        only="manufacturer",
    ),
    ("GET", "/api/v1/updates/{release_id}"): Spec(
        lambda w, who, own: Call({"release_id": own_release(w, who, own)}), tenancy=True
    ),
    ("GET", "/api/v1/updates/{release_id}/sbom"): Spec(
        lambda w, who, own: Call({"release_id": own_release(w, who, own)}), tenancy=True
    ),
    ("POST", "/api/v1/updates/{release_id}/publish"): Spec(
        lambda w, who, own: Call({"release_id": own_release(w, who, own)}),
        tenancy=True,
        sensitive=True,
    ),
    ("GET", "/api/v1/profile-versions/{version_id}/third-party-patches"): Spec(
        lambda w, who, own: Call({"version_id": own_version(w, who, own)}), tenancy=True
    ),
    ("PUT", "/api/v1/profile-versions/{version_id}/third-party-patches"): Spec(
        lambda w, who, own: Call(
            {"version_id": own_version(w, who, own)},
            json={"patches": [{"kind": "other", "identifier": "defs-1.2", "status": "validated"}]},
        ),
        tenancy=True,
        only="manufacturer",
    ),
    ("GET", "/api/v1/profile-versions/{version_id}/lifecycle-notice"): Spec(
        lambda w, who, own: Call({"version_id": own_version(w, who, own)}), tenancy=True
    ),
    ("PUT", "/api/v1/profile-versions/{version_id}/lifecycle-notice"): Spec(
        lambda w, who, own: Call(
            {"version_id": own_version(w, who, own)}, json={"end_of_sale": "2029-06-30"}
        ),
        tenancy=True,
        only="manufacturer",
    ),
    ("POST", "/api/v1/profile-versions/{version_id}/lifecycle-notice/publish"): Spec(
        lambda w, who, own: Call(
            {
                "version_id": fresh_notice(w)
                if own and who.org == "north"
                else own_version(w, who, own)
            }
        ),
        tenancy=True,
        only="manufacturer",
    ),
    ("PUT", "/api/v1/organization/update-settings"): Spec(
        lambda w, who, own: Call(json={"notice_lead_months": 18}), only="manufacturer"
    ),
    ("GET", "/api/v1/sites"): Spec(only=PROVIDER),
    ("POST", "/api/v1/sites"): Spec(
        lambda w, who, own: Call(json={"name": f"site {next(w.counter)}"}), only=PROVIDER
    ),
    ("GET", "/api/v1/sites/{site_id}"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}), tenancy=True, only=PROVIDER
    ),
    ("PATCH", "/api/v1/sites/{site_id}"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}, json={"notes": "n"}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/sites/{site_id}"): Spec(
        lambda w, who, own: fresh_site(w, own), tenancy=True, only=PROVIDER
    ),
    ("POST", "/api/v1/sites/{site_id}/zones"): Spec(
        lambda w, who, own: Call(
            {"site_id": clinic(w, own, "site")}, json={"name": f"zone {next(w.counter)}"}
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/zones/{zone_id}"): Spec(
        lambda w, who, own: fresh_zone(w, own), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/assets"): Spec(only=PROVIDER),
    ("POST", "/api/v1/assets"): Spec(
        lambda w, who, own: Call(
            json={
                "site_id": clinic(w, own, "site"),
                "serial": f"A-{next(w.counter)}",
                "vendor": "Northwind",
                "model": "LVP-3000",
            }
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("POST", "/api/v1/assets/identity"): Spec(
        lambda w, who, own: Call(
            json={
                "serial": "reported-1",
                "vendor": "Northwind",
                "model": "LVP-3000",
                "firmware_version": f"4.{next(w.counter)}",
                "site": "clinic campus",
            }
        ),
        only=PROVIDER,
    ),
    ("POST", "/api/v1/assets/import"): Spec(inventory_file, tenancy=True, only=PROVIDER),
    ("GET", "/api/v1/assets/{asset_id}"): Spec(
        lambda w, who, own: Call({"asset_id": clinic(w, own, "asset")}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("PATCH", "/api/v1/assets/{asset_id}"): Spec(
        lambda w, who, own: Call({"asset_id": clinic(w, own, "asset")}, json={"owner": "o"}),
        tenancy=True,
        only=PROVIDER,
    ),
    # monitoring-rest: alert rules
    ("GET", "/api/v1/alert-rules/{rule_id}"): Spec(
        lambda w, who, own: fresh_rule(w, own), tenancy=True, only=PROVIDER
    ),
    ("PUT", "/api/v1/alert-rules/{rule_id}"): Spec(
        lambda w, who, own: fresh_rule(w, own, json=RULE | {"name": f"rule {next(w.counter)}"}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/alert-rules/{rule_id}"): Spec(
        lambda w, who, own: fresh_rule(w, own), tenancy=True, only=PROVIDER
    ),
    ("DELETE", "/api/v1/assets/{asset_id}"): Spec(
        lambda w, who, own: fresh_asset(w, own), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/assets/{asset_id}/events"): Spec(
        lambda w, who, own: Call({"asset_id": clinic(w, own, "asset")}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/.well-known/csaf/restricted/{path:path}"): Spec(csaf_file("red/index.txt")),
    ("GET", "/.well-known/csaf/{path:path}"): Spec(csaf_file("provider-metadata.json")),
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
    ("GET", "/api/v1/assets/{asset_id}/updates"): Spec(
        lambda w, who, own: Call({"asset_id": clinic(w, own, "asset")}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/sites/{site_id}/updates"): Spec(site_call, tenancy=True, only=PROVIDER),
    ("GET", "/api/v1/sites/{site_id}/end-of-support"): Spec(site_call, tenancy=True, only=PROVIDER),
    ("GET", "/api/v1/sites/{site_id}/maintenance-windows"): Spec(
        site_call, tenancy=True, only=PROVIDER
    ),
    ("POST", "/api/v1/sites/{site_id}/maintenance-windows"): Spec(
        lambda w, who, own: Call(
            {"site_id": clinic(w, own, "site")},
            json={"name": "night", "days": "tue", "start": "01:00", "end": "05:00"},
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/sites/{site_id}/update-groups"): Spec(site_call, tenancy=True, only=PROVIDER),
    ("POST", "/api/v1/sites/{site_id}/update-groups"): Spec(
        lambda w, who, own: Call(
            {"site_id": clinic(w, own, "site")}, json={"name": "pumps", "max_concurrent": 2}
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/sites/{site_id}/update-plans"): Spec(site_call, tenancy=True, only=PROVIDER),
    ("POST", "/api/v1/sites/{site_id}/update-plans"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}, json={"days": 1}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/update-plans/{plan_id}"): Spec(
        lambda w, who, own: fresh_plan(w, own), tenancy=True, only=PROVIDER
    ),
    ("POST", "/api/v1/update-tasks/{task_id}/transition"): Spec(
        lambda w, who, own: fresh_task(w, own), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/sites/{site_id}/flow-map"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/sites/{site_id}/firewall/{target}"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site"), "target": "nftables"}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/sites/{site_id}/site-file"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}), tenancy=True, only=PROVIDER
    ),
    ("PUT", "/api/v1/sites/{site_id}/site-file"): Spec(
        lambda w, who, own: Call(
            {"site_id": fresh_site(w, own).params["site_id"]},
            files={"file": ("site.yaml", b"site: s\nzones: [{name: Z, security_level: 2}]\n")},
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/sites/{site_id}/conduits"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}), tenancy=True, only=PROVIDER
    ),
    ("POST", "/api/v1/sites/{site_id}/conduits"): Spec(
        lambda w, who, own: (
            Call({"site_id": (site := zoned_site(w)).id}, json=conduit_body(site))
            if own
            else Call({"site_id": clinic(w, False, "site")}, json=conduit_body(zoned_site(w)))
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/sites/{site_id}/conduits/{conduit_id}"): Spec(
        lambda w, who, own: new_conduit(w, own), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/sites/{site_id}/bindings"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}), tenancy=True, only=PROVIDER
    ),
    ("PUT", "/api/v1/sites/{site_id}/bindings"): Spec(
        lambda w, who, own: Call(
            {"site_id": clinic(w, own, "site")}, json={"endpoint": "ntp", "cidrs": ["10.1.0.0/16"]}
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/sites/{site_id}/bindings/{binding_id}"): Spec(
        lambda w, who, own: new_binding(w, own), tenancy=True, only=PROVIDER
    ),
    ("POST", "/api/v1/sites/{site_id}/flow-checks"): Spec(
        lambda w, who, own: Call(
            {"site_id": clinic(w, own, "site")}, files={"file": ("conn.log", SAMPLE_LOG)}
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/sites/{site_id}/flow-checks"): Spec(
        lambda w, who, own: Call({"site_id": clinic(w, own, "site")}), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/sites/{site_id}/flow-checks/{check_id}"): Spec(
        lambda w, who, own: new_flow_check(w, own), tenancy=True, only=PROVIDER
    ),
    ("POST", "/api/v1/profile-versions/{version_id}/sbom"): Spec(
        sbom_file(sbom_version), tenancy=True, only="manufacturer"
    ),
    ("GET", "/api/v1/profile-versions/{version_id}/sboms"): Spec(sbom_version, tenancy=True),
    ("GET", "/api/v1/profile-versions/{version_id}/sbom/components"): Spec(
        sbom_version, tenancy=True
    ),
    ("GET", "/api/v1/profile-versions/{version_id}/sbom/ntia"): Spec(sbom_version, tenancy=True),
    ("GET", "/api/v1/profile-versions/{version_id}/sbom/document"): Spec(
        sbom_version, tenancy=True
    ),
    ("POST", "/api/v1/assets/{asset_id}/sbom"): Spec(
        sbom_file(sbom_asset), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/assets/{asset_id}/sboms"): Spec(sbom_asset, tenancy=True, only=PROVIDER),
    ("GET", "/api/v1/assets/{asset_id}/sbom/components"): Spec(
        sbom_asset, tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/assets/{asset_id}/sbom/ntia"): Spec(sbom_asset, tenancy=True, only=PROVIDER),
    ("GET", "/api/v1/assets/{asset_id}/sbom/document"): Spec(
        sbom_asset, tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/device-events"): Spec(
        lambda w, who, own: Call(query={"asset_id": str(clinic(w, own, "asset"))}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/device-events/uncatalogued"): Spec(only=PROVIDER),
    ("GET", "/api/v1/alerts"): Spec(only=PROVIDER),
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): Spec(
        lambda w, who, own: fresh_alert(w, own), tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/alert-rules"): Spec(only=PROVIDER),
    ("POST", "/api/v1/alert-rules"): Spec(
        lambda w, who, own: Call(
            json={
                "name": f"rule {next(w.counter)}",
                "kind": "silence",
                "window_minutes": 30,
                "asset_id": clinic(w, own, "asset"),
            }
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/cases"): Spec(),
    ("POST", "/api/v1/cases"): Spec(
        lambda w, who, own: Call(
            json=CASE
            | {"profile_version_id": w.ids["north-published" if own else "south-published"]}
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/cases/{case_id}"): Spec(case_call, tenancy=True),
    ("POST", "/api/v1/cases/{case_id}/messages"): Spec(
        lambda w, who, own: Call(case_call(w, who, own).params, json={"body": "any news?"}),
        tenancy=True,
    ),
    ("POST", "/api/v1/cases/{case_id}/state"): Spec(fresh_case, tenancy=True),
    ("PUT", "/api/v1/cases/{case_id}/after-action"): Spec(
        lambda w, who, own: Call(case_call(w, who, own).params, json={"after_action": "notes"}),
        tenancy=True,
    ),
    ("POST", "/api/v1/cases/{case_id}/attachments"): Spec(
        lambda w, who, own: Call(
            case_call(w, who, own).params, files={"file": ("log.txt", b"x")}, data={"item": "0"}
        ),
        tenancy=True,
    ),
    ("GET", "/api/v1/cases/{case_id}/attachments/{attachment_id}"): Spec(
        lambda w, who, own: Call(
            case_call(w, who, own).params
            | {"attachment_id": w.ids["clinic-attachment" if own else "clinic2-attachment"]}
        ),
        tenancy=True,
    ),
    ("GET", "/api/v1/notifications"): Spec(),
    ("GET", "/api/v1/notifications/settings"): Spec(),
    ("PUT", "/api/v1/notifications/settings"): Spec(
        lambda w, who, own: Call(json={"email": False})
    ),
    ("GET", "/api/v1/training/objectives"): Spec(),
    ("POST", "/api/v1/training/objectives"): Spec(
        lambda w, who, own: Call(json={"key": f"extra-{next(w.counter)}", "title": "Phishing"})
    ),
    ("PUT", "/api/v1/training/objectives/{objective_id}"): Spec(
        lambda w, who, own: Call(
            {"objective_id": objective_call(w, who, own)},
            json={"key": "recognise-and-report", "title": "Recognise and report incidents"},
        ),
        tenancy=True,
    ),
    ("GET", "/api/v1/training/attestations"): Spec(),
    ("POST", "/api/v1/training/attestations"): Spec(
        lambda w, who, own: Call(
            json={"objective_id": objective_call(w, who, own), "completed_on": "2026-11-02"}
        ),
        tenancy=True,
    ),
    ("GET", "/api/v1/training/report"): Spec(),
    ("GET", "/api/v1/training/report.csv"): Spec(),
    ("GET", "/api/v1/risk-worksheets"): Spec(only=PROVIDER),
    ("POST", "/api/v1/risk-worksheets"): Spec(
        lambda w, who, own: Call(json=worksheet(clinic(w, own, "asset"))),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/risk-worksheets/{worksheet_id}"): Spec(
        lambda w, who, own: Call({"worksheet_id": clinic(w, own, "worksheet")}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/risk-worksheets/{worksheet_id}/revisions"): Spec(
        lambda w, who, own: Call({"worksheet_id": clinic(w, own, "worksheet")}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("PUT", "/api/v1/risk-worksheets/{worksheet_id}"): Spec(
        lambda w, who, own: Call(
            {"worksheet_id": clinic(w, own, "worksheet")},
            json=worksheet(clinic(w, True, "asset")),
        ),
        tenancy=True,
        only=PROVIDER,
    ),
    ("POST", "/api/v1/risk-worksheets/{worksheet_id}/sign-off"): Spec(
        fresh_worksheet, tenancy=True, sensitive=True, only=PROVIDER
    ),
    # csaf-consumer: the hospital's CSAF subscriptions
    ("GET", "/api/v1/csaf/subscriptions"): Spec(only=PROVIDER),
    ("POST", "/api/v1/csaf/subscriptions"): Spec(csaf_new_subscription, only=PROVIDER),
    ("GET", "/api/v1/csaf/subscriptions/{subscription_id}"): Spec(
        csaf_subscription_call, tenancy=True, only=PROVIDER
    ),
    ("DELETE", "/api/v1/csaf/subscriptions/{subscription_id}"): Spec(
        lambda w, who, own: Call({"subscription_id": csaf_subscription(w, own, fresh=True)}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("POST", "/api/v1/csaf/subscriptions/{subscription_id}/fetch"): Spec(
        csaf_subscription_call, tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/csaf/subscriptions/{subscription_id}/documents"): Spec(
        csaf_subscription_call, tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/csaf/quarantine"): Spec(only=PROVIDER),
    ("POST", "/api/v1/csaf/quarantine/{quarantine_id}/release"): Spec(
        csaf_quarantined, tenancy=True, only=PROVIDER
    ),
    ("GET", "/api/v1/csaf/matches"): Spec(only=PROVIDER),
    # Advisory authoring and reaching customers (medsec/advisories/publishing).
    ("GET", "/api/v1/advisories"): Spec(only="manufacturer"),
    ("POST", "/api/v1/advisories"): Spec(advisory_new, only="manufacturer"),
    ("GET", "/api/v1/advisories/{advisory_id}"): Spec(
        advisory_call, tenancy=True, only="manufacturer"
    ),
    ("PUT", "/api/v1/advisories/{advisory_id}"): Spec(
        advisory_edit, tenancy=True, only="manufacturer"
    ),
    ("POST", "/api/v1/advisories/{advisory_id}/check"): Spec(
        advisory_call, tenancy=True, only="manufacturer"
    ),
    ("POST", "/api/v1/advisories/{advisory_id}/publish"): Spec(
        advisory_call, tenancy=True, sensitive=True, only="manufacturer"
    ),
    ("GET", "/api/v1/advisories/{advisory_id}/artifacts/{name}"): Spec(
        advisory_artifact, tenancy=True
    ),
    ("GET", "/api/v1/advisories/{advisory_id}/recipients"): Spec(
        advisory_call, tenancy=True, only="manufacturer"
    ),
    ("GET", "/api/v1/received-advisories"): Spec(),
    ("POST", "/api/v1/received-advisories/{advisory_id}/acknowledge"): Spec(
        advisory_call, tenancy=True, only=PROVIDER
    ),
    # updates-rest: windows and groups editable
    ("PATCH", "/api/v1/maintenance-windows/{window_id}"): Spec(
        lambda w, who, own: fresh_window(w, own, json={"name": "late night"}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/maintenance-windows/{window_id}"): Spec(
        lambda w, who, own: fresh_window(w, own), tenancy=True, only=PROVIDER
    ),
    ("PATCH", "/api/v1/update-groups/{group_id}"): Spec(
        lambda w, who, own: fresh_group(w, own, json={"max_concurrent": 3}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/update-groups/{group_id}"): Spec(
        lambda w, who, own: fresh_group(w, own), tenancy=True, only=PROVIDER
    ),
    # signed manufacturer → hospital feeds (issue 7 §6)
    ("GET", "/public/feeds/{slug}/index.json"): Spec(feed_public),
    ("GET", "/public/feeds/{slug}/index.json.asc"): Spec(feed_public),
    ("GET", "/public/feeds/{slug}/key.asc"): Spec(feed_public),
    ("GET", "/public/feeds/{slug}/versions/{version_id}/{kind}"): Spec(feed_document),
    ("GET", "/api/v1/feed-subscriptions"): Spec(only=PROVIDER),
    ("POST", "/api/v1/feed-subscriptions"): Spec(
        lambda w, who, own: Call(
            json={"url": f"{FEED_URL}?n={next(w.counter)}", "key": feed_key(w)}
        ),
        only=PROVIDER,
    ),
    ("GET", "/api/v1/feed-subscriptions/{subscription_id}"): Spec(
        lambda w, who, own: Call({"subscription_id": feed_subscription(w, own)}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("DELETE", "/api/v1/feed-subscriptions/{subscription_id}"): Spec(
        lambda w, who, own: Call({"subscription_id": feed_subscription(w, own)}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("POST", "/api/v1/feed-subscriptions/{subscription_id}/fetch"): Spec(
        lambda w, who, own: Call({"subscription_id": feed_subscription(w, own)}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/feed-subscriptions/{subscription_id}/entries"): Spec(
        lambda w, who, own: Call({"subscription_id": feed_subscription(w, own)}),
        tenancy=True,
        only=PROVIDER,
    ),
    ("GET", "/api/v1/feed-entries/{entry_id}"): Spec(feed_entry, tenancy=True, only=PROVIDER),
}

# --------------------------------------------------------------------------- findings

FINDING_VULNERABILITY = "PYSEC-MATRIX-1"


def matrix_finding(w: World) -> tuple[int, int]:
    """A Clinic asset whose own SBOM has jinja2 2.10, and a record affecting it: (asset id,
    component row id)."""
    if "clinic-finding-asset" not in w.ids:
        from medsec.findings import services as findings
        from medsec.vulns.records import Record
        from medsec.vulns.store import import_osv

        data = (
            b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": '
            b'"library", "name": "jinja2", "version": "2.10", "purl": "pkg:pypi/jinja2@2.10"}]}'
        )
        asset = w.make.asset(keeper(w), w.ids["clinic-site"]).id
        with w.make.session() as session:
            source = sbom_importing.source_of_bytes(data, "f.json")
            document = sbom_importing.document_of_bytes(data, "f.json")
            sbom_services.attach_to_asset(session, keeper(w), asset, source, document)
            import_osv(
                session,
                [
                    Record.model_validate(
                        {
                            "id": FINDING_VULNERABILITY,
                            "modified": "2026-01-01T00:00:00Z",
                            "affected": [
                                {"package": {"ecosystem": "PyPI", "name": "jinja2"},
                                 "versions": ["2.10"]}
                            ],
                        }
                    )
                ],
            )  # fmt: skip
        with w.make.session() as session:
            [item] = findings.asset_findings(session, keeper(w), asset).items
        w.ids["clinic-finding-asset"] = asset
        w.ids["clinic-finding-component"] = item.component_id
    return w.ids["clinic-finding-asset"], w.ids["clinic-finding-component"]


def finding_call(w: World, who: Who, own: bool) -> Call:
    if not own:
        params = {"asset_id": clinic(w, False, "asset"), "component_id": 1}
    else:
        asset, component = matrix_finding(w)
        params = {"asset_id": asset, "component_id": component}
    return Call(params | {"vulnerability": FINDING_VULNERABILITY})


def vex_upload(w: World, who: Who, own: bool) -> Call:
    """An OpenVEX document about the example pump (a new vulnerability each time)."""
    import json

    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": f"https://north.example/vex/{next(w.counter)}",
        "author": "North PSIRT",
        "timestamp": "2026-02-01T00:00:00Z",
        "version": 1,
        "statements": [
            {
                "vulnerability": {"name": f"CVE-2026-{70000 + next(w.counter)}"},
                "products": [{"@id": "pkg:generic/northwind/lvp-3000@4.2.1"}],
                "status": "under_investigation",
            }
        ],
    }
    version = own_version(w, who, own)
    return Call({"version_id": version}, files={"file": ("v.json", json.dumps(document).encode())})


def stored_record(w: World, who: Who, own: bool) -> Call:
    """The OSV record of :func:`matrix_finding` (imported on first use)."""
    matrix_finding(w)
    return Call({"record_id": FINDING_VULNERABILITY})


def version_call(w: World, who: Who, own: bool) -> Call:
    return Call({"version_id": own_version(w, who, own)})


SPECS.update(
    {
        # Vulnerability findings, manufacturer VEX, hospital triage (capability: findings).
        ("GET", "/api/v1/findings"): Spec(only=PROVIDER),
        ("GET", "/api/v1/findings/export"): Spec(
            lambda w, who, own: Call(query={"format": "openvex"}), only=PROVIDER
        ),
        ("GET", "/api/v1/assets/{asset_id}/findings"): Spec(
            lambda w, who, own: Call({"asset_id": clinic(w, own, "asset")}),
            tenancy=True,
            only=PROVIDER,
        ),
        ("GET", "/api/v1/assets/{asset_id}/findings/export"): Spec(
            lambda w, who, own: Call(
                {"asset_id": matrix_finding(w)[0] if own else clinic(w, False, "asset")},
                query={"format": "cyclonedx"},
            ),
            tenancy=True,
            only=PROVIDER,
        ),
        ("GET", "/api/v1/assets/{asset_id}/findings/{component_id}/{vulnerability}"): Spec(
            finding_call, tenancy=True, only=PROVIDER
        ),
        ("POST", "/api/v1/assets/{asset_id}/findings/{component_id}/{vulnerability}/triage"): Spec(
            lambda w, who, own: Call(
                finding_call(w, who, own).params, json={"status": "under_investigation"}
            ),
            tenancy=True,
            only=PROVIDER,
        ),
        ("GET", "/api/v1/profile-versions/{version_id}/findings"): Spec(version_call, tenancy=True),
        ("POST", "/api/v1/profile-versions/{version_id}/vex"): Spec(
            vex_upload, tenancy=True, only="manufacturer"
        ),
        ("GET", "/api/v1/profile-versions/{version_id}/vex"): Spec(version_call, tenancy=True),
        ("GET", "/api/v1/vulnerabilities/{record_id}/affected-assets"): Spec(
            stored_record, only=PROVIDER
        ),
    }
)


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
        if k[1].startswith(("/api/", "/public/", "/.well-known/"))
        or k[1] in ("/healthz", "/readyz")
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
        re.sub(r"\{(\w+):\w+\}", r"{\1}", path).format(**call.params),
        params=call.query,
        headers=headers,
        json=call.json,
        files=call.files,
        data=call.data,
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
        ("POST", "/api/v1/advisories/{advisory_id}/publish"),
        ("POST", "/api/v1/profile-versions/{version_id}/publish"),
        ("POST", "/api/v1/risk-worksheets/{worksheet_id}/sign-off"),
        ("POST", "/api/v1/tokens"),
        ("POST", "/api/v1/updates/{release_id}/publish"),
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


def test_a_case_is_visible_to_its_hospital_and_its_manufacturer_only(
    matrix_client: TestClient, world: World
) -> None:
    """Clinic's case about North's pump: Clinic and North see it; South does not. Clinic
    2's case about South's pump: neither Clinic nor North sees it."""
    south = world.make.user(world.orgs["south"], Role.ADMIN)
    _, south_token = world.make.token(south)
    callers = {
        "clinic": world.people["clinic", Role.ADMIN].token,
        "north": world.people["north", Role.ADMIN].token,
        "south": south_token,
    }
    seen = {}
    for name, token in callers.items():
        headers = {"Authorization": f"Bearer {token}"}
        listed = {c["id"] for c in matrix_client.get("/api/v1/cases", headers=headers).json()}
        seen[name] = {
            case: matrix_client.get(f"/api/v1/cases/{world.ids[case]}", headers=headers).status_code
            for case in ("clinic-case", "clinic2-case")
        } | {"listed": {c for c in ("clinic-case", "clinic2-case") if world.ids[c] in listed}}
    assert seen == {
        "clinic": {"clinic-case": 200, "clinic2-case": 404, "listed": {"clinic-case"}},
        "north": {"clinic-case": 200, "clinic2-case": 404, "listed": {"clinic-case"}},
        "south": {"clinic-case": 404, "clinic2-case": 200, "listed": {"clinic2-case"}},
    }
