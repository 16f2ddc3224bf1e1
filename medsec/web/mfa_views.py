"""The MFA steps of signing in: the challenge after the password (``/mfa``) and the
enrolment of an authenticator app (``/mfa/enrol``), forced by the organization's policy or
chosen from the account page.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from medsec.accounts import authentication, mfa
from medsec.accounts.authentication import SessionState
from medsec.accounts.dependencies import DbSession, instance
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.web import enrolment
from medsec.web.access import Viewer, discard, next_step, safe_next, signing_in
from medsec.web.forms import explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Text = Annotated[str, Form()]


# --------------------------------------------------------------------------- MFA challenge


@router.get("/mfa")
def mfa_page(
    request: Request,
    viewer: Annotated[Viewer, signing_in(SessionState.MFA_CHALLENGE)],
    next: str = "",
) -> Response:
    return render(
        request, "auth/mfa.html", viewer=viewer, next_url=safe_next(next) or "", error=None
    )


@router.post("/mfa")
def mfa_submit(
    request: Request,
    session: DbSession,
    viewer: Annotated[Viewer, signing_in(SessionState.MFA_CHALLENGE)],
    code: Text = "",
    next: Text = "",
) -> Response:
    try:
        authentication.complete_mfa(
            session,
            instance(request).auth,
            viewer.user,
            viewer.login_session,
            code,
            viewer.actor.context,
        )
    except Error as e:
        discard(session, e)
        message = (
            "That code is not valid. Check the time on your device, or use a recovery code."
            if isinstance(e, AuthenticationFailed)
            else explain(e)
        )
        return render(
            request,
            "auth/mfa.html",
            viewer=viewer,
            status=e.status,
            next_url=safe_next(next) or "",
            error=message,
        )
    return see_other(next_step(session, viewer, next))


# --------------------------------------------------------------------------- MFA enrolment


def _enrol_form(
    request: Request,
    viewer: Viewer,
    secret: str,
    *,
    error: str | None,
    next_url: str,
    status: int = 200,
) -> Response:
    uri = mfa.provisioning_uri(secret, viewer.actor.username, "medsec")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    response = render(
        request,
        "auth/mfa_enrol.html",
        viewer=viewer,
        status=status,
        qr_svg=mfa.qr_svg(uri),
        secret=grouped,
        error=error,
        next_url=next_url,
        forced=viewer.state is SessionState.MFA_ENROL,
    )
    settings = instance(request).settings
    value = enrolment.sign(
        settings.resolved_secret_key(),
        session_id=viewer.login_session.id,
        secret=secret,
        now=int(time.time()),
    )
    response.set_cookie(
        enrolment.COOKIE,
        value,
        max_age=enrolment.LIFETIME_SECONDS,
        path=enrolment.COOKIE_PATH,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
    )
    return response


def _pending_secret(request: Request, viewer: Viewer) -> str | None:
    return enrolment.read(
        instance(request).settings.resolved_secret_key(),
        session_id=viewer.login_session.id,
        value=request.cookies.get(enrolment.COOKIE),
        now=int(time.time()),
    )


Enrolling = Annotated[Viewer, signing_in(SessionState.MFA_ENROL, SessionState.OK)]


@router.get("/mfa/enrol")
def enrol_page(request: Request, viewer: Enrolling, next: str = "") -> Response:
    """Show a new authenticator secret (QR code and text); reloading keeps the same one."""
    if viewer.user.mfa_enabled:
        return render(request, "auth/mfa_enabled.html", viewer=viewer)
    secret = _pending_secret(request, viewer)
    if secret is None:
        secret, _ = authentication.begin_mfa_enrolment(viewer.user, instance(request).auth)
    return _enrol_form(request, viewer, secret, error=None, next_url=safe_next(next) or "")


@router.post("/mfa/enrol")
def enrol_submit(
    request: Request,
    session: DbSession,
    viewer: Enrolling,
    code: Text = "",
    next: Text = "",
) -> Response:
    if viewer.user.mfa_enabled:
        return see_other("/mfa/enrol")
    next_url = safe_next(next) or ""
    secret = _pending_secret(request, viewer)
    if secret is None:
        secret, _ = authentication.begin_mfa_enrolment(viewer.user, instance(request).auth)
        return _enrol_form(
            request,
            viewer,
            secret,
            next_url=next_url,
            status=422,
            error="The setup code expired or is not valid any more. Add the new "
            "code below to your authenticator app, then enter the code it shows.",
        )
    try:
        codes = authentication.confirm_mfa_enrolment(
            session, instance(request).auth, viewer.user, secret, code, viewer.actor.context
        )
    except Error as e:
        # The failed attempt's audit event is kept: it says someone tried.
        return _enrol_form(request, viewer, secret, error=explain(e), next_url=next_url, status=422)
    response = render(
        request,
        "auth/recovery_codes.html",
        viewer=viewer,
        codes=codes,
        continue_url=next_step(session, viewer, next_url),
    )
    response.delete_cookie(
        enrolment.COOKIE,
        path=enrolment.COOKIE_PATH,
        httponly=True,
        secure=instance(request).settings.cookie_secure,
        samesite="strict",
    )
    return response
