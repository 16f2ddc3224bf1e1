"""Signing in and out: the first-admin setup link, login, password change and logout
(the MFA steps are in :mod:`medsec.web.mfa_views`).

After the password, a session may still owe a step (:class:`SessionState`): the MFA
challenge, a forced password change (temporary passwords an admin issued) or a forced MFA
enrolment (organization policy). Each POST redirects to the next step owed
(:func:`~medsec.web.access.next_step`), so the person walks through them in order and
lands on the page they first asked for.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from medsec.accounts import authentication
from medsec.accounts.authentication import SessionState, SetupRequest
from medsec.accounts.dependencies import DbSession, instance, public, request_context
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.passwords import WeakPassword
from medsec.accounts.roles import OrganizationKind
from medsec.api.routing import OneThreadRoute
from medsec.errors import Conflict, Error, RateLimited
from medsec.web.access import (
    Viewer,
    check_login_csrf,
    clear_session_cookie,
    discard,
    login_csrf_token,
    next_step,
    safe_next,
    set_login_csrf_cookie,
    set_session_cookie,
    signing_in,
    step_url,
    viewer_if_signed_in,
)
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Text = Annotated[str, Form()]

KIND_LABELS = {
    OrganizationKind.MANUFACTURER: "Manufacturer",
    OrganizationKind.HEALTHCARE_PROVIDER: "Healthcare provider (hospital)",
    OrganizationKind.BOTH: "Both",
}


# --------------------------------------------------------------------------- setup


def _setup_form(
    request: Request, token: str, values: dict[str, str], errors: FormErrors, status: int = 200
) -> Response:
    csrf = login_csrf_token(request)
    response = render(
        request,
        "auth/setup.html",
        viewer=None,
        status=status,
        csrf_token=csrf,
        token=token,
        values=values,
        errors=errors,
        kinds=[(k.value, label) for k, label in KIND_LABELS.items()],
    )
    set_login_csrf_cookie(response, csrf, request)
    return response


@router.get("/setup", dependencies=[public()])
def setup_page(request: Request, session: DbSession, token: str = "") -> Response:
    """The one-time setup link: create the organization and its first administrator."""
    authentication.check_setup_token(session, token)
    return _setup_form(request, token, {"organization_kind": "manufacturer"}, FormErrors())


@router.post("/setup", dependencies=[public()])
def setup_submit(
    request: Request,
    session: DbSession,
    token: Text = "",
    organization_name: Text = "",
    organization_kind: Text = "",
    username: Text = "",
    display_name: Text = "",
    email: Text = "",
    password: Text = "",
    password_repeat: Text = "",
    csrf_token: Text = "",
) -> Response:
    check_login_csrf(request, csrf_token)
    authentication.check_setup_token(session, token)
    values = {
        "organization_name": organization_name,
        "organization_kind": organization_kind,
        "username": username,
        "display_name": display_name,
        "email": email,
    }
    errors = FormErrors()
    errors.require("organization_name", organization_name, "the organization's name")
    if organization_kind not in {k.value for k in OrganizationKind}:
        errors.add("organization_kind", "Choose what kind of organization this is.")
    errors.require("username", username, "a username")
    errors.require("password", password, "a password")
    if password and password != password_repeat:
        errors.add("password_repeat", "The two passwords are not the same.")
    if errors:
        return _setup_form(request, token, values, errors, status=422)
    try:
        authentication.complete_setup(
            session,
            instance(request).auth,
            token,
            SetupRequest(
                organization_name.strip(),
                OrganizationKind(organization_kind),
                username,
                password,
                email.strip() or None,
                display_name.strip() or None,
            ),
            request_context(request),
        )
    except Error as e:
        discard(session, e)
        # What complete_setup can refuse: the password (WeakPassword), the organization
        # name (Conflict: taken) and otherwise the username (its characters).
        name = (
            "password"
            if isinstance(e, WeakPassword)
            else "organization_name"
            if isinstance(e, Conflict)
            else "username"
        )
        errors.add(name, explain(e))
        return _setup_form(request, token, values, errors, status=422)
    return see_other("/login", "setup-complete")


# --------------------------------------------------------------------------- login


def login_form(
    request: Request,
    *,
    username: str = "",
    next_url: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    csrf = login_csrf_token(request)
    response = render(
        request,
        "auth/login.html",
        viewer=None,
        status=status,
        csrf_token=csrf,
        username=username,
        next_url=safe_next(next_url) or "",
        error=error,
        sso_label=instance(request).sso_label,
    )
    set_login_csrf_cookie(response, csrf, request)
    return response


@router.get("/login", dependencies=[public()])
def login_page(request: Request, session: DbSession, next: str = "") -> Response:
    viewer = viewer_if_signed_in(request, session)
    if viewer is not None:
        return see_other(next_step(session, viewer, next))
    return login_form(request, next_url=next)


@router.post("/login", dependencies=[public()])
def login_submit(
    request: Request,
    session: DbSession,
    username: Text = "",
    password: Text = "",
    next: Text = "",
    csrf_token: Text = "",
) -> Response:
    check_login_csrf(request, csrf_token)
    inst = instance(request)
    try:
        result = authentication.login(
            session, inst.auth, username, password, request_context(request)
        )
    except (AuthenticationFailed, RateLimited) as e:
        # Kept: the failure counter, lockout and audit event of a failed attempt.
        discard(session, e)
        message = (
            "Invalid username or password." if isinstance(e, AuthenticationFailed) else explain(e)
        )
        return login_form(request, username=username, next_url=next, error=message, status=e.status)
    state = authentication.session_state(session, result.user, result.login_session)
    if state is SessionState.OK:
        target = safe_next(next) or "/"
    else:
        target = step_url(state, next)
    response = see_other(target)
    set_session_cookie(response, result.token, inst.settings)
    return response


# --------------------------------------------------------------------------- password


Changing = Annotated[Viewer, signing_in(SessionState.CHANGE_PASSWORD, SessionState.OK)]


@router.get("/password")
def password_page(request: Request, viewer: Changing, next: str = "") -> Response:
    return render(
        request,
        "auth/password.html",
        viewer=viewer,
        errors=FormErrors(),
        next_url=safe_next(next) or "",
        forced=viewer.state is SessionState.CHANGE_PASSWORD,
    )


@router.post("/password")
def password_submit(
    request: Request,
    session: DbSession,
    viewer: Changing,
    current_password: Text = "",
    new_password: Text = "",
    new_password_repeat: Text = "",
    next: Text = "",
) -> Response:
    forced = viewer.state is SessionState.CHANGE_PASSWORD
    errors = FormErrors()
    errors.require("current_password", current_password, "your current password")
    errors.require("new_password", new_password, "a new password")
    if new_password and new_password != new_password_repeat:
        errors.add("new_password_repeat", "The two new passwords are not the same.")
    if not errors:
        try:
            authentication.change_password(
                session,
                instance(request).auth,
                viewer.user,
                current_password,
                new_password,
                viewer.actor.context,
                keep_session=viewer.login_session,
            )
        except Error as e:
            discard(session, e)
            if isinstance(e, AuthenticationFailed):
                errors.add("current_password", "The current password is not correct.")
            elif isinstance(e, RateLimited | WeakPassword):
                errors.add("new_password" if isinstance(e, WeakPassword) else None, explain(e))
            else:
                errors.add("new_password", explain(e))
    if errors:
        return render(
            request,
            "auth/password.html",
            viewer=viewer,
            errors=errors,
            status=422,
            next_url=safe_next(next) or "",
            forced=forced,
        )
    if not forced:
        return see_other("/account", "password-changed")
    return see_other(next_step(session, viewer, next))


# --------------------------------------------------------------------------- logout


@router.post("/logout")
def logout(
    request: Request, session: DbSession, viewer: Annotated[Viewer, signing_in(*SessionState)]
) -> Response:
    authentication.logout(session, viewer.login_session, viewer.actor.context)
    response = see_other("/login", "logged-out")
    clear_session_cookie(response, instance(request).settings)
    return response
