"""API tokens for automation: ``Authorization: Bearer msk_…``.

A token is shown once. Its SHA-256 is stored, with the scopes (permission names) it may
use, an expiry, and a revocation time. At use, a token can do only what both its scopes
and its owner's current role allow.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from functools import cache

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from medsec.accounts.actor import Actor
from medsec.accounts.authentication import token_hash
from medsec.accounts.models import ApiToken, Organization, User
from medsec.accounts.roles import ROLE_PERMISSIONS, Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import AuthenticationRequired, Error, NotFound

PREFIX = "msk_"
MAX_DAYS = 366
#: How precisely a token's ``last_used_at`` is kept: written at most this often.
USE_RESOLUTION = dt.timedelta(minutes=1)


def create_token(
    session: Session, actor: Actor, name: str, scopes: Sequence[str], days: int
) -> tuple[ApiToken, str]:
    actor.require(Permission.TOKENS_OWN)
    if actor.token_scopes is not None:
        # Otherwise a token could mint its own successor and live for ever.
        raise AuthenticationRequired(
            "creating an API token needs a recent login in a browser (a token cannot mint tokens)",
            hint="create tokens on the account page",
        )
    if not 1 <= days <= MAX_DAYS:
        raise Error(f"a token lives 1–{MAX_DAYS} days (asked for {days})")
    if not name.strip():
        raise Error("give the token a name that says what uses it")
    allowed = {str(p) for p in ROLE_PERMISSIONS[actor.role]}
    unknown = sorted(set(scopes) - {str(p) for p in Permission})
    if unknown:
        raise Error(
            f"unknown scope(s): {', '.join(unknown)}",
            hint=f"valid scopes: {', '.join(sorted(allowed))}",
        )
    beyond = sorted(set(scopes) - allowed)
    if beyond:
        raise Error(f"your role cannot grant: {', '.join(beyond)}")
    if not scopes:
        raise Error("a token needs at least one scope")
    secret = secrets.token_urlsafe(32)
    value = f"{PREFIX}{secret}"
    now = utcnow()
    token = ApiToken(
        user_id=actor.user_id,
        name=name.strip()[:120],
        prefix=value[:12],
        token_hash=token_hash(value),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    record(
        session,
        Tag.TOKEN_CREATED,
        actor.context,
        target=f"api-token:{token.id}",
        details={"name": token.name, "scopes": token.scopes, "days": days},
    )
    return token, value


def list_tokens(session: Session, actor: Actor) -> Sequence[ApiToken]:
    return (
        session.execute(
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id.desc())
        )
        .scalars()
        .all()
    )


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, Tag.TOKEN_REVOKED, actor.context, target=f"api-token:{token.id}")


@cache
def _token_query() -> Select[ApiToken, User]:
    """The token, its user and the user's organization in one query: the actor built next
    finds both in the session's identity map. Built once (on first use, when the mappers
    are configured): building the statement with its loader option cost more than
    running the cached compiled SQL, and this runs on every API request."""
    return (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .join(Organization, Organization.id == User.organization_id)
        .options(contains_eager(User.organization))
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


def resolve_token(session: Session, value: str) -> tuple[User, ApiToken] | None:
    """The live token ``value`` and its (active) owner, else None. Nothing is cached
    between requests: a revoked or expired token, or a disabled owner, fails at once."""
    if not value.startswith(PREFIX):
        return None
    found = session.execute(_token_query(), {"token_hash": token_hash(value)}).first()
    now = utcnow()
    if found is None:
        return None
    token, user = found
    if token.revoked_at is not None or token.expires_at < now or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
        _note_use(session, token, now)
    return user, token


def _note_use(session: Session, token: ApiToken, now: dt.datetime) -> None:
    """Set ``last_used_at`` if no other request has done so within the resolution.

    Every request that read the token before the first writer committed finds it due,
    so the write must not queue them on the row's lock (an ORM update would, each one
    holding the lock until its request commits: under load a convoy of seconds once a
    minute). One conditional statement instead: the first request locks and writes,
    the others skip the locked row (PostgreSQL's ``SKIP LOCKED``; SQLite has one writer
    anyway) or find it already fresh."""
    due = (
        select(ApiToken.id)
        .where(
            ApiToken.id == token.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - USE_RESOLUTION),
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    written = session.execute(
        update(ApiToken)
        .where(ApiToken.id == due)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount:  # type: ignore[attr-defined]
        set_committed_value(token, "last_used_at", now)
