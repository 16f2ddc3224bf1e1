"""FastAPI dependencies: the database session of a request, who is asking, what they may do.

Every route declares its access policy with exactly one of :func:`requires` (a
:class:`Permission`), :func:`authenticated` (any logged-in user) or :func:`public`; the
authorization-matrix test reads those declarations from the route table, so a route
without one fails the suite.

The check of :func:`requires` and :func:`authenticated` reads the database, so it runs in
a thread-pool thread: on a route of :class:`medsec.api.routing.OneThreadRoute` with a
plain (sync) endpoint, in the endpoint's own thread just before it (see
:func:`checked`); elsewhere in a thread-pool call of its own.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Generic, TypeVar

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from medsec.accounts.actor import Actor
from medsec.accounts.authentication import SessionState, actor_for, resolve_session, session_state
from medsec.accounts.models import LoginSession, User
from medsec.accounts.roles import Permission
from medsec.accounts.tokens import resolve_token
from medsec.audit.services import Context
from medsec.errors import AuthenticationRequired, Error, PermissionDenied
from medsec.service import Instance

T = TypeVar("T")

SESSION_COOKIE = "medsec_session"
CSRF_COOKIE = "medsec_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def instance(request: Request) -> Instance:
    found = request.app.state.instance
    if not isinstance(found, Instance):
        raise TypeError("app.state.instance is not set; build the app with create_app()")
    return found


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _end_off_loop(session: Session, *, commit: bool) -> None:
    """End the request's transaction. A session that never began one holds no connection
    and has nothing to write: it closes on the event loop. Otherwise the commit (or
    rollback) talks to the database, so it runs in the thread pool — shielded from
    cancellation, so that a client that hangs up still gets its connection returned."""
    if not session.in_transaction():
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_end, session, commit=commit)


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed before the response is sent on success,
    rolled back on failure (except errors marked ``keep_changes``, such as a failed login
    whose audit event must stay).

    A coroutine, so that FastAPI does not run it in the thread pool: creating a session
    does no I/O (its connection is checked out by the first query, in the route's or the
    caller's thread), and the end of the transaction is one thread-pool call, not two. A
    sync endpoint of a :class:`~medsec.api.routing.OneThreadRoute` ends the transaction
    in its own thread (:func:`end_transaction`); then nothing is left to do here.

    The teardown runs in a threadpool thread while the request still holds its pooled
    connection, so the app admits fewer requests at once than the pool has connections
    (``medsec.app.MAX_CONCURRENT_REQUESTS``): otherwise every thread could wait for a
    connection that only a waiting teardown would return.
    """
    session = instance(request).db.sessions()
    request.state.db_session = session
    try:
        yield session
    except Error as e:
        await _end_off_loop(session, commit=e.keep_changes)
        raise
    except BaseException:
        await _end_off_loop(session, commit=False)
        raise
    else:
        await _end_off_loop(session, commit=True)


# scope="function": the transaction commits before the response is sent. With FastAPI's
# default ("request") the commit ran after the response, so a browser following a
# redirect could ask for a row that was not committed yet (a flaky 404 in CI).
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def end_transaction(request: Request) -> None:
    """Commit and close the request's session, if it has one (in the calling thread: the
    thread of a sync endpoint that has just returned)."""
    session = getattr(request.state, "db_session", None)
    if isinstance(session, Session):
        _end(session, commit=True)


def request_context(request: Request) -> Context:
    return Context(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


class Caller:
    """The resolved caller of a request: a browser session, an API token, or nobody."""

    def __init__(
        self,
        user: User | None,
        login_session: LoginSession | None,
        actor: Actor | None,
        state: SessionState | None,
        via: str,
    ) -> None:
        self.user = user
        self.login_session = login_session
        self.actor = actor
        self.state = state
        self.via = via


def caller(request: Request, session: DbSession) -> Caller:
    cached = getattr(request.state, "caller", None)
    if isinstance(cached, Caller):
        return cached
    inst = instance(request)
    context = request_context(request)
    result = Caller(None, None, None, None, "anonymous")
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = resolve_token(session, auth[7:].strip())
        if found is None:
            raise AuthenticationRequired("the bearer token is invalid, expired or revoked")
        user, token = found
        actor = actor_for(session, user, None, inst.auth, context, frozenset(token.scopes))
        result = Caller(user, None, actor, SessionState.OK, "token")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        resolved = resolve_session(session, inst.auth, cookie)
        if resolved is not None:
            user, login_session = resolved
            state = session_state(session, user, login_session)
            actor = actor_for(session, user, login_session, inst.auth, context)
            result = Caller(user, login_session, actor, state, "session")
    request.state.caller = result
    return result


def check_csrf(request: Request, who: Caller, form_token: str | None) -> None:
    """State-changing requests from a browser must carry the session's CSRF token (in a form
    field or the X-CSRF-Token header); before login, the double-submit cookie's value."""
    if request.method not in UNSAFE or who.via == "token":
        return
    sent = form_token or request.headers.get(CSRF_HEADER) or ""
    expected = (
        who.login_session.csrf_token if who.login_session else request.cookies.get(CSRF_COOKIE)
    )
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise PermissionDenied(
            "the form's security token is missing or stale", hint="reload the page and try again"
        )


async def form_csrf_token(request: Request) -> str | None:
    """The ``csrf_token`` field of a submitted form (async: reading the body awaits)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


class SignInFirst(AuthenticationRequired):
    """The route needs a finished sign-in. ``keep_changes``: what resolving the caller
    wrote stays — an expired session is marked revoked and its expiry audited once, even
    though this request fails (nothing else has been written at that point)."""

    keep_changes = True


class Deferred(Generic[T]):
    """A check a route declared that reads the database (who the caller is, may they do
    this), for one request: run once, in a thread-pool thread."""

    def __init__(self, check: Callable[[], T]) -> None:
        self._check = check
        self._result: list[T] = []  # empty until run

    def run(self) -> T:
        if not self._result:
            self._result.append(self._check())
        return self._result[0]


def _deferred(request: Request) -> list[Deferred[Any]]:
    checks: list[Deferred[Any]] | None = getattr(request.state, "deferred_checks", None)
    if checks is None:
        checks = request.state.deferred_checks = []
    return checks


async def checked(request: Request, check: Callable[[], T]) -> T | Deferred[T]:
    """For a dependency: ``check`` run in the endpoint's thread when the route does that
    (:class:`~medsec.api.routing.OneThreadRoute` with a sync endpoint: the dependency's
    value is then a :class:`Deferred` the route replaces before the endpoint sees it),
    else run now in a thread-pool call of its own (an async endpoint, a plain route).
    Only for dependencies whose value goes to the endpoint or nowhere: another dependency
    would be given the :class:`Deferred`."""
    if getattr(request.scope.get("route"), "runs_access_checks", False):
        deferred = Deferred(check)
        _deferred(request).append(deferred)
        return deferred
    return await run_in_threadpool(check)


def run_deferred_checks(request: Request, arguments: dict[str, Any]) -> None:
    """Run the checks left for the endpoint's thread, in the order the route declared
    them, and put each one's result in ``arguments`` in its place. Called by
    :class:`~medsec.api.routing.OneThreadRoute` before the endpoint, so an endpoint never
    runs while a check it declared has not passed."""
    for check in _deferred(request):
        check.run()
    for name, value in arguments.items():
        if isinstance(value, Deferred):
            arguments[name] = value.run()


def _access_check(
    request: Request, session: Session, permission: Permission | None, form_token: str | None
) -> Actor:
    """A caller who finished signing in, the CSRF token of a browser's state-changing
    request, and ``permission`` when given."""
    who = caller(request, session)
    if who.actor is None:
        raise SignInFirst("log in or send an API token (Authorization: Bearer)")
    if who.state is not SessionState.OK:
        raise SignInFirst(
            f"finish signing in first ({who.state.value if who.state else 'unknown'})"
        )
    check_csrf(request, who, form_token)
    if permission is not None:
        who.actor.require(permission)
    return who.actor


def _actor_dependency(permission: Permission | None) -> Callable[..., Any]:
    async def dependency(
        request: Request,
        session: DbSession,
        form_token: Annotated[str | None, Depends(form_csrf_token)],
    ) -> Actor | Deferred[Actor]:
        return await checked(
            request, functools.partial(_access_check, request, session, permission, form_token)
        )

    return dependency


def requires(permission: Permission) -> Any:
    """Route dependency: an authenticated actor holding ``permission``."""
    dependency = _actor_dependency(permission)
    dependency.medsec_policy = f"permission:{permission.value}"  # type: ignore[attr-defined]
    return Depends(dependency)


def authenticated() -> Any:
    """Route dependency: any authenticated actor (own account pages, own tokens)."""
    dependency = _actor_dependency(None)
    dependency.medsec_policy = "authenticated"  # type: ignore[attr-defined]
    return Depends(dependency)


def public() -> Any:
    """Route dependency: no login needed (health, published documents, login and setup).

    A coroutine, so that FastAPI calls it on the event loop: a plain function would cost
    a thread-pool round trip on every public request, the most frequent ones.
    """

    async def dependency() -> None:
        return None

    dependency.medsec_policy = "public"  # type: ignore[attr-defined]
    return Depends(dependency)
