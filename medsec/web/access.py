"""Who may see a page, and what happens to everyone else.

Every HTML route declares its policy with exactly one dependency, as the API routes do
with :mod:`medsec.accounts.dependencies`, and each dependency carries the same
``medsec_policy`` attribute (``public``, ``authenticated`` or ``permission:<name>``) that the
authorization-matrix test reads:

- :func:`page` — a signed-in person (optionally holding a permission). An anonymous visitor
  is sent to ``/login?next=…``; someone half-way through signing in (MFA challenge, forced
  password change, forced MFA enrolment) is sent to that step; a missing permission is a
  403 page.
- :func:`signing_in` — the steps of signing in themselves (``/mfa``, ``/password``,
  ``/mfa/enrol``); its policy is ``authenticated`` because a session must exist.
- ``public()`` from :mod:`medsec.accounts.dependencies` — setup, login, home.

The page dependencies also check the CSRF token of POST forms (the session's token, in the
``csrf_token`` field), so no view can forget it. Forms shown before login use the
double-submit cookie instead: :func:`check_login_csrf`.

Like the API's, these checks read the database, so they run in a thread: in the view's own
thread on a :class:`~medsec.api.routing.OneThreadRoute` (see
:func:`medsec.accounts.dependencies.checked`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.authentication import SessionState, session_state
from medsec.accounts.dependencies import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    DbSession,
    Deferred,
    caller,
    check_csrf,
    checked,
    instance,
)
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.models import LoginSession, User
from medsec.accounts.roles import Permission
from medsec.errors import AuthenticationRequired, Error, RateLimited
from medsec.settings import Settings

#: Where each step of signing in happens.
STEP_PAGES: dict[SessionState, str] = {
    SessionState.MFA_CHALLENGE: "/mfa",
    SessionState.CHANGE_PASSWORD: "/password",
    SessionState.MFA_ENROL: "/mfa/enrol",
    SessionState.OK: "/",
}


class SignInRequired(AuthenticationRequired):
    """The page needs a (finished) sign-in; the browser is sent to ``location``.

    ``keep_changes`` keeps what resolving the cookie wrote (an expired session is marked
    revoked and audited once, not on every request).
    """

    keep_changes = True

    def __init__(self, location: str) -> None:
        super().__init__("sign in to see this page")
        self.location = location


@dataclass(frozen=True)
class Viewer:
    """The signed-in person looking at a page.

    ``actor`` and ``csrf_token`` are plain values the layout and the error page use even
    after the request's database session is closed; ``user`` and ``login_session`` are live
    rows for the view itself.
    """

    actor: Actor
    csrf_token: str
    state: SessionState
    user: User
    login_session: LoginSession

    @classmethod
    def of(cls, who: Caller) -> Viewer | None:
        """The viewer behind a browser session; None for API tokens and anonymous callers."""
        if who.via != "session" or not (who.actor and who.user and who.login_session):
            return None
        if who.state is None:
            return None
        return cls(who.actor, who.login_session.csrf_token, who.state, who.user, who.login_session)


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path on this site (``/audit?tag=x``), else None — so a crafted
    ``next`` cannot send someone to another site after login (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(ch) < 0x20 for ch in value):
        return None
    return value


def with_next(path: str, next_url: str | None) -> str:
    target = safe_next(next_url)
    return f"{path}?next={quote(target, safe='/')}" if target and target != "/" else path


def login_url(request: Request) -> str:
    """``/login?next=<this page>``; only GET pages are worth coming back to."""
    if request.method != "GET":
        return "/login"
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return with_next("/login", here)


def step_url(state: SessionState, next_url: str | None = None) -> str:
    return with_next(STEP_PAGES[state], next_url)


async def posted_csrf(request: Request) -> str | None:
    """The ``csrf_token`` field of a posted form (URL-encoded or multipart)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def _browser_session(request: Request, session: Session) -> tuple[Caller, Viewer]:
    who = caller(request, session)
    # Pages are for browsers; an API token opens the API, not the UI.
    viewer = Viewer.of(who)
    if viewer is None:
        raise SignInRequired(login_url(request))
    return who, viewer


def _declare(dependency: Callable[..., Any], policy: str) -> Any:
    dependency.medsec_policy = policy  # type: ignore[attr-defined]
    return Depends(dependency)


def page(permission: Permission | None = None) -> Any:
    """Route dependency: a finished sign-in (and ``permission`` when given) → :class:`Viewer`."""

    async def dependency(request: Request, session: DbSession) -> Viewer | Deferred[Viewer]:
        form_token = await posted_csrf(request)

        def check() -> Viewer:
            who, viewer = _browser_session(request, session)
            if viewer.state is not SessionState.OK:
                here = request.url.path if request.method == "GET" else None
                raise SignInRequired(step_url(viewer.state, here))
            check_csrf(request, who, form_token)
            request.state.viewer = viewer
            if permission is not None:
                viewer.actor.require(permission)
            return viewer

        return await checked(request, check)

    policy = f"permission:{permission.value}" if permission else "authenticated"
    return _declare(dependency, policy)


def signing_in(*states: SessionState) -> Any:
    """Route dependency for a step of signing in: a session in one of ``states``.

    A session in another state is sent to its own step (a finished one to the home page).
    """

    async def dependency(request: Request, session: DbSession) -> Viewer | Deferred[Viewer]:
        form_token = await posted_csrf(request)

        def check() -> Viewer:
            who, viewer = _browser_session(request, session)
            if viewer.state not in states:
                raise SignInRequired(step_url(viewer.state, request.query_params.get("next")))
            check_csrf(request, who, form_token)
            request.state.viewer = viewer
            return viewer

        return await checked(request, check)

    return _declare(dependency, "authenticated")


def next_step(session: Session, viewer: Viewer, next_url: str | None) -> str:
    """Where to go once a step is done: the next step owed, else the page first asked for."""
    state = session_state(session, viewer.user, viewer.login_session)
    if state is SessionState.OK:
        return safe_next(next_url) or "/"
    return step_url(state, next_url)


def viewer_if_signed_in(request: Request, session: Session) -> Viewer | None:
    """For public pages: the signed-in viewer (any state), or None."""
    viewer = Viewer.of(caller(request, session))
    if viewer is not None and viewer.state is SessionState.OK:
        request.state.viewer = viewer
    return viewer


# --------------------------------------------------------------------------- cookies


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """The session cookie: never readable by scripts, sent on top-level navigation only."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
    )


def login_csrf_token(request: Request) -> str:
    """The double-submit token of the forms shown before login (cookie value or a new one)."""
    current = request.cookies.get(CSRF_COOKIE)
    return current if current and len(current) >= 32 else secrets.token_urlsafe(32)


def set_login_csrf_cookie(response: Response, token: str, request: Request) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            secure=instance(request).settings.cookie_secure,
            samesite="strict",
            path="/",
        )


def check_login_csrf(request: Request, token: str | None) -> None:
    """Forms before login: the posted token must equal the ``medsec_csrf`` cookie."""
    check_csrf(request, Caller(None, None, None, None, "anonymous"), token)


# --------------------------------------------------------------------------- form errors


def discard(session: Session, error: Error) -> None:
    """A view caught ``error`` to show it on the form: undo the request's writes, except
    those that must stay (a failed sign-in's counter and audit event, a rate-limit hit)."""
    if error.keep_changes or isinstance(error, AuthenticationFailed | RateLimited):
        return
    session.rollback()
