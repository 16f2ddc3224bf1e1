"""``/account``: one's own sessions and API tokens, and re-authentication.

Re-authentication ("sudo mode"): sensitive actions (deleting a user, resetting MFA,
publishing) need a login from the last few minutes. When a service answers
:class:`~medsec.errors.AuthenticationRequired`, the view shows :func:`reauth_page`; the
person confirms with their password (and TOTP code), comes back to the page they were on
and repeats the action.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from medsec.accounts import authentication, tokens
from medsec.accounts.dependencies import DbSession, instance
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.roles import ROLE_PERMISSIONS, Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.notifications import services as notifications
from medsec.web.access import Viewer, clear_session_cookie, discard, page, safe_next
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Text = Annotated[str, Form()]
SignedIn = Annotated[Viewer, page()]


def reauth_page(
    request: Request,
    viewer: Viewer,
    *,
    reason: str,
    next_url: str,
    error: str | None = None,
    status: int = 401,
) -> Response:
    """The "confirm it's you" form, returning to ``next_url`` once confirmed."""
    return render(
        request,
        "auth/reauth.html",
        viewer=viewer,
        status=status,
        reason=reason,
        next_url=safe_next(next_url) or "/",
        error=error,
        needs_code=viewer.user.mfa_enabled,
    )


def _scopes(viewer: Viewer) -> list[str]:
    """The scopes a token of this person can carry: what their role grants."""
    return sorted(str(p) for p in ROLE_PERMISSIONS[viewer.actor.role])


def _account_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    errors: FormErrors | None = None,
    values: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "account/index.html",
        viewer=viewer,
        status=status,
        user=viewer.user,
        sessions=authentication.list_sessions(session, viewer.actor),
        current_session_id=viewer.login_session.id,
        tokens=tokens.list_tokens(session, viewer.actor),
        scopes=_scopes(viewer),
        recent=viewer.actor.recently_authenticated,
        errors=errors or FormErrors(),
        values=values or {"days": "90", "scopes": []},
        max_days=tokens.MAX_DAYS,
        mail_server=instance(request).settings.smtp_host is not None,
    )


@router.get("/account")
def account(request: Request, session: DbSession, viewer: SignedIn) -> Response:
    return _account_page(request, session, viewer)


@router.post("/account/sessions/{session_id}/revoke")
def revoke_session(
    request: Request, session: DbSession, viewer: SignedIn, session_id: int
) -> Response:
    authentication.revoke_session(session, viewer.actor, session_id)
    if session_id == viewer.login_session.id:
        response = see_other("/login", "logged-out")
        clear_session_cookie(response, instance(request).settings)
        return response
    return see_other("/account", "session-revoked")


@router.post("/account/tokens")
def create_token(
    request: Request,
    session: DbSession,
    viewer: Annotated[Viewer, page(Permission.TOKENS_OWN)],
    token_name: Text = "",
    lifetime_days: Text = "90",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    name, days, chosen = token_name, lifetime_days, scopes or []
    values: dict[str, object] = {"name": name, "days": days, "scopes": chosen}
    errors = FormErrors()
    errors.require("token_name", name, "a name that says what uses the token")
    if not chosen:
        errors.add("token_scopes", "Choose at least one scope.")
    if not days.strip().isdigit() or not 1 <= int(days) <= tokens.MAX_DAYS:
        errors.add("lifetime_days", f"Enter a whole number of days from 1 to {tokens.MAX_DAYS}.")
    if not errors:
        try:
            token, value = tokens.create_token(session, viewer.actor, name, chosen, int(days))
        except Error as e:
            discard(session, e)
            errors.add("token_scopes", explain(e))
        else:
            return render(
                request, "account/token_created.html", viewer=viewer, token=token, value=value
            )
    return _account_page(request, session, viewer, errors=errors, values=values, status=422)


@router.post("/account/notifications")
def notification_settings(
    request: Request, session: DbSession, viewer: SignedIn, email: Text = ""
) -> Response:
    try:
        notifications.set_email(session, viewer.actor, email == "yes")
    except Error as e:
        discard(session, e)
        errors = FormErrors()
        errors.add("notify_email", explain(e))
        return _account_page(request, session, viewer, errors=errors, status=422)
    answer = see_other("/account", "notifications-saved")
    answer.headers["location"] += "#notifications"
    return answer


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(session: DbSession, viewer: SignedIn, token_id: int) -> Response:
    tokens.revoke_token(session, viewer.actor, token_id)
    return see_other("/account", "token-revoked")


@router.post("/account/reauth")
def reauthenticate(
    request: Request,
    session: DbSession,
    viewer: SignedIn,
    password: Text = "",
    code: Text = "",
    next: Text = "",
) -> Response:
    """Confirm a sensitive action with the password (and a TOTP code when enrolled)."""
    next_url = safe_next(next) or "/account"
    try:
        authentication.reauthenticate(
            session,
            instance(request).auth,
            viewer.user,
            viewer.login_session,
            password,
            code.strip() or None,
            viewer.actor.context,
        )
    except Error as e:
        discard(session, e)
        message = (
            "The password or code is not correct."
            if isinstance(e, AuthenticationFailed)
            else explain(e)
        )
        return reauth_page(
            request,
            viewer,
            reason="Confirm it is you to continue.",
            next_url=next_url,
            error=message,
            status=e.status,
        )
    return see_other(next_url, "reauthenticated")
