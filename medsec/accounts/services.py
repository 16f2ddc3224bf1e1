"""Organizations and the user account life cycle: create, change role, disable, enable,
delete, and the user-access review.

Deleting a user keeps the row as a tombstone (username reserved, every credential, session,
token and MFA secret wiped) so that audit events and published documents still name who
acted, and so nobody can later take over the name. See ``docs/roles.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.interfaces import BreachedPasswordCheck
from medsec.accounts.models import ApiToken, LoginSession, Organization, RecoveryCode, User
from medsec.accounts.passwords import (
    DEFAULT_POLICY,
    PasswordHasher,
    PasswordPolicy,
    check_password,
)
from medsec.accounts.roles import OrganizationKind, Permission, Role
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Conflict, Error, NotFound

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not 2 <= len(name) <= 120 or not set(name) <= USERNAME_CHARS:
        raise Error(
            f"'{username}' is not a valid username",
            hint="2–120 characters: lowercase letters, digits, '.', '_', '-' or '@'",
        )
    return name


def context_words(user: User, organization: Organization) -> list[str]:
    """Words a password must not be built from (NIST SP 800-63B context-specific words)."""
    words = [user.username, organization.name, "medsec"]
    if user.email:
        words.append(user.email.split("@", 1)[0])
    if user.display_name:
        words.extend(user.display_name.split())
    return [w for w in words if w]


def create_organization(
    session: Session, name: str, kind: OrganizationKind, context: Context
) -> Organization:
    if session.execute(select(Organization).where(Organization.name == name)).first():
        raise Conflict(f"an organization named '{name}' already exists")
    org = Organization(name=name, kind=kind, mfa_required_roles=[Role.ADMIN.value])
    session.add(org)
    session.flush()
    record(
        session,
        Tag.ORGANIZATION_CREATED,
        context,
        target=f"organization:{org.id}",
        organization_id=org.id,
        details={"name": name, "kind": kind.value},
    )
    return org


def get_organization(session: Session, organization_id: int) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"no organization {organization_id}")
    return org


@dataclass(frozen=True)
class NewUser:
    username: str
    role: Role
    email: str | None = None
    display_name: str | None = None


def create_local_user(
    session: Session,
    organization: Organization,
    new: NewUser,
    password: str,
    context: Context,
    *,
    temporary: bool,
    hasher: PasswordHasher,
    policy: PasswordPolicy = DEFAULT_POLICY,
    breached: BreachedPasswordCheck | None = None,
) -> User:
    """Create a user with a password. ``temporary`` passwords must be changed at first login."""
    username = _check_username(new.username)
    if session.execute(select(User).where(User.username == username)).first():
        raise Conflict(f"the username '{username}' is taken")
    user = User(
        organization_id=organization.id,
        username=username,
        email=new.email,
        display_name=new.display_name,
        role=new.role,
        auth_source="local",
        must_change_password=temporary,
    )
    check_password(
        password, context_words=context_words(user, organization), policy=policy, breached=breached
    )
    user.password_hash = hasher.hash(password)
    user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    record(
        session,
        Tag.USER_CREATED,
        context,
        target=f"user:{user.username}",
        organization_id=organization.id,
        details={"role": new.role.value, "temporary_password": temporary},
    )
    return user


def issue_temporary_password() -> str:
    """A random temporary password an admin hands over; it must be changed at first login."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def user_for(session: Session, actor: Actor, user_id: int) -> User:
    """The user ``user_id`` if it belongs to the actor's organization (else NotFound)."""
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(f"no user {user_id}")
    actor.require_same_organization(user.organization_id, "user")
    return user


def list_users(session: Session, actor: Actor) -> Sequence[User]:
    actor.require(Permission.USERS_READ)
    return (
        session.execute(
            select(User)
            .where(User.organization_id == actor.organization_id, User.deleted_at.is_(None))
            .order_by(User.username)
        )
        .scalars()
        .all()
    )


def add_user(
    session: Session, actor: Actor, new: NewUser, hasher: PasswordHasher
) -> tuple[User, str]:
    """An admin creates a user in their own organization; returns the temporary password."""
    actor.require(Permission.USERS_MANAGE)
    org = get_organization(session, actor.organization_id)
    password = issue_temporary_password()
    user = create_local_user(
        session, org, new, password, actor.context, temporary=True, hasher=hasher
    )
    return user, password


def _last_admin(session: Session, user: User) -> bool:
    admins = (
        session.execute(
            select(User).where(
                User.organization_id == user.organization_id,
                User.role == Role.ADMIN,
                User.disabled_at.is_(None),
                User.deleted_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    return [a.id for a in admins] == [user.id]


def change_role(session: Session, actor: Actor, user_id: int, role: Role) -> User:
    actor.require(Permission.USERS_MANAGE)
    user = user_for(session, actor, user_id)
    if user.role == role:
        return user
    if user.role == Role.ADMIN and _last_admin(session, user):
        raise Conflict("this is the organization's last active admin; appoint another first")
    old = user.role
    user.role = role
    _end_sessions(session, user)
    record(
        session,
        Tag.USER_ROLE_CHANGED,
        actor.context,
        target=f"user:{user.username}",
        details={"from": str(old), "to": role.value},
    )
    return user


def _end_sessions(session: Session, user: User) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def disable_user(session: Session, actor: Actor, user_id: int) -> User:
    actor.require(Permission.USERS_MANAGE)
    user = user_for(session, actor, user_id)
    if user.id == actor.user_id:
        raise Conflict("you cannot disable your own account")
    if user.role == Role.ADMIN and _last_admin(session, user):
        raise Conflict("this is the organization's last active admin; appoint another first")
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        _end_sessions(session, user)
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        record(session, Tag.USER_DISABLED, actor.context, target=f"user:{user.username}")
    return user


def enable_user(session: Session, actor: Actor, user_id: int) -> User:
    actor.require(Permission.USERS_MANAGE)
    user = user_for(session, actor, user_id)
    if user.disabled_at is not None:
        user.disabled_at = None
        user.failed_logins = 0
        user.mfa_failures = 0
        user.locked_until = None
        record(session, Tag.USER_ENABLED, actor.context, target=f"user:{user.username}")
    return user


def delete_user(session: Session, actor: Actor, user_id: int) -> None:
    """Tombstone the account: credentials, MFA, sessions and tokens go; the name stays."""
    actor.require(Permission.USERS_MANAGE)
    if not actor.recently_authenticated:
        from medsec.errors import AuthenticationRequired

        raise AuthenticationRequired(
            "deleting a user needs a recent login", hint="log in again, then repeat the action"
        )
    user = user_for(session, actor, user_id)
    if user.id == actor.user_id:
        raise Conflict("you cannot delete your own account")
    if user.role == Role.ADMIN and _last_admin(session, user):
        raise Conflict("this is the organization's last active admin; appoint another first")
    _end_sessions(session, user)
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    for code in session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id)
    ).scalars():
        session.delete(code)
    now = utcnow()
    user.deleted_at = now
    user.disabled_at = user.disabled_at or now
    user.password_hash = None
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.email = None
    user.external_subject = None
    record(session, Tag.USER_DELETED, actor.context, target=f"user:{user.username}")


# --------------------------------------------------------------------------- access review


@dataclass(frozen=True)
class AccessReviewRow:
    username: str
    display_name: str | None
    role: str
    auth_source: str
    status: str
    mfa: bool
    mfa_required: bool
    last_login_at: str | None
    created_at: str
    dormant: bool


def access_review(
    session: Session, actor: Actor, *, dormant_days: int = 90, now: dt.datetime | None = None
) -> list[AccessReviewRow]:
    """Every account of the organization with its role, last login and MFA state; accounts
    without a login for ``dormant_days`` are flagged dormant (the seed asks customers to
    audit accounts regularly)."""
    actor.require(Permission.USERS_READ)
    org = get_organization(session, actor.organization_id)
    now = now or utcnow()
    limit = now - dt.timedelta(days=dormant_days)
    rows = []
    for user in list_users(session, actor):
        seen = user.last_login_at or user.created_at
        rows.append(
            AccessReviewRow(
                username=user.username,
                display_name=user.display_name,
                role=str(user.role),
                auth_source=user.auth_source,
                status="disabled" if user.disabled_at else "active",
                mfa=user.mfa_enabled,
                mfa_required=str(user.role) in org.mfa_required_roles,
                last_login_at=user.last_login_at.isoformat() if user.last_login_at else None,
                created_at=user.created_at.isoformat(),
                dormant=user.disabled_at is None and seen < limit,
            )
        )
    record(session, Tag.ACCESS_REVIEW_EXPORTED, actor.context, details={"rows": len(rows)})
    return rows


def access_review_csv(rows: Sequence[AccessReviewRow]) -> str:
    out = io.StringIO()
    fields = list(AccessReviewRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))
    return out.getvalue()


def access_review_json(rows: Sequence[AccessReviewRow]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def set_mfa_policy(session: Session, actor: Actor, roles: Sequence[Role]) -> Organization:
    actor.require(Permission.ORGANIZATION_MANAGE)
    org = get_organization(session, actor.organization_id)
    old = list(org.mfa_required_roles)
    org.mfa_required_roles = sorted({r.value for r in roles})
    record(
        session,
        Tag.SETTINGS_CHANGED,
        actor.context,
        target=f"organization:{org.id}",
        details={"setting": "mfa_required_roles", "from": old, "to": org.mfa_required_roles},
    )
    return org
