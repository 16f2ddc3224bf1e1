"""Single sign-on with OpenID Connect: the two legs of the authorization-code flow.

``POST /login/oidc`` (the "Sign in with …" button of the login page, protected by the
login form's CSRF token) keeps ``state``, ``nonce`` and the PKCE verifier in a sealed,
short-lived, HttpOnly cookie and sends the browser to the provider.
``GET /auth/oidc/callback`` reads that cookie back, deletes it, and lets
:func:`medsec.accounts.authentication.login_redirected` verify the provider's answer.
The cookie is ``SameSite=Lax`` because the callback is a top-level navigation coming
from the provider's site; a callback without the cookie (or with another browser's) fails
the ``state`` comparison.
"""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from medsec.accounts import authentication
from medsec.accounts.authentication import PendingRedirectLogin, SessionState
from medsec.accounts.dependencies import DbSession, instance, public, request_context
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.providers.config import OIDC_CALLBACK_PATH
from medsec.accounts.providers.oidc import new_login_secrets
from medsec.accounts.sealing import Sealer
from medsec.api.routing import OneThreadRoute
from medsec.audit.services import record
from medsec.audit.tags import Outcome, Tag
from medsec.errors import ConfigurationError, NotFound, RateLimited
from medsec.web.access import (
    check_login_csrf,
    discard,
    safe_next,
    set_session_cookie,
    step_url,
)
from medsec.web.auth_views import Text, login_form
from medsec.web.forms import explain

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

PENDING_COOKIE = "medsec_oidc"
#: How long a person may take at the provider before the pending sign-in lapses.
PENDING_SECONDS = 600


def _sealer(request: Request) -> Sealer:
    return Sealer(instance(request).settings.resolved_secret_key(), purpose="oidc-login")


@router.post("/login/oidc", dependencies=[public()])
def start(request: Request, session: DbSession, next: Text = "", csrf_token: Text = "") -> Response:
    """Send the browser to the identity provider."""
    check_login_csrf(request, csrf_token)
    providers = instance(request).auth.redirect_providers
    if not providers:
        raise NotFound("single sign-on is not configured on this instance")
    provider = providers[0][0]
    secrets = new_login_secrets()
    pending = {
        "provider": provider.name,
        "state": secrets.state,
        "nonce": secrets.nonce,
        "code_verifier": secrets.code_verifier,
        "next_url": safe_next(next) or "",
        "created": int(time.time()),
    }
    try:
        url = provider.authorization_url(secrets.state, secrets.nonce, secrets.code_verifier)
    except ConfigurationError as e:
        # The reason (unreachable provider, bad discovery document) is for the operator.
        record(
            session,
            Tag.LOGIN_FAILED,
            request_context(request),
            outcome=Outcome.FAILURE,
            details={"reason": f"oidc: {e.message}"},
        )
        return login_form(
            request,
            next_url=next,
            error="Single sign-on is not available right now. Try again later.",
            status=503,
        )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        _sealer(request).seal(json.dumps(pending)),
        max_age=PENDING_SECONDS,
        httponly=True,
        secure=instance(request).settings.cookie_secure,
        samesite="lax",
        path=OIDC_CALLBACK_PATH,
    )
    return response


@router.get(OIDC_CALLBACK_PATH, dependencies=[public()])
def callback(
    request: Request,
    session: DbSession,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """The provider sends the browser back here with a code (or an error)."""
    inst = instance(request)
    pending = _pending(request)
    if pending is None:
        return _failed(session, request, "no pending sign-in in this browser (expired?)")
    if error or not code:
        return _failed(session, request, f"the provider answered {error or 'without a code'}")
    try:
        result = authentication.login_redirected(
            session, inst.auth, code, state, pending, request_context(request)
        )
    except (AuthenticationFailed, RateLimited) as e:
        discard(session, e)  # kept: the audit event and the rate-limit hit
        return _failure_page(request, e)
    owed = authentication.session_state(session, result.user, result.login_session)
    if owed is SessionState.OK:
        target = safe_next(pending.next_url) or "/"
    else:
        target = step_url(owed, pending.next_url)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, result.token, inst.settings)
    response.delete_cookie(PENDING_COOKIE, path=OIDC_CALLBACK_PATH)
    return response


def _pending(request: Request) -> PendingRedirectLogin | None:
    sealed = request.cookies.get(PENDING_COOKIE)
    if not sealed:
        return None
    try:
        data = json.loads(_sealer(request).unseal(sealed))
        if int(data["created"]) + PENDING_SECONDS < time.time():
            return None
        return PendingRedirectLogin(
            provider=str(data["provider"]),
            state=str(data["state"]),
            nonce=str(data["nonce"]),
            code_verifier=str(data["code_verifier"]),
            next_url=str(data.get("next_url", "")),
        )
    except (ConfigurationError, ValueError, KeyError, TypeError):
        return None


def _failed(session: Session, request: Request, reason: str) -> Response:
    """A callback that cannot even be checked: recorded here, since the service never saw it."""
    record(
        session,
        Tag.LOGIN_FAILED,
        request_context(request),
        outcome=Outcome.FAILURE,
        details={"reason": f"oidc: {reason}"},
    )
    return _failure_page(request, AuthenticationFailed(reason=reason))


def _failure_page(request: Request, error: AuthenticationFailed | RateLimited) -> Response:
    message = (
        "The sign-in with the identity provider could not be completed."
        if isinstance(error, AuthenticationFailed)
        else explain(error)
    )
    response = login_form(request, error=message, status=error.status)
    response.delete_cookie(PENDING_COOKIE, path=OIDC_CALLBACK_PATH)
    return response
