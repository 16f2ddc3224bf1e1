"""Logging in: the first-admin setup link, passwords with lockout, MFA, sessions.

Session and setup tokens are 256-bit random values; only their SHA-256 is stored (a fast
hash is right for high-entropy tokens, unlike passwords, which use argon2id).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session, contains_eager

from medsec.accounts import mfa, ratelimit
from medsec.accounts.actor import Actor
from medsec.accounts.interfaces import (
    AuthenticationFailed,
    BreachedPasswordCheck,
    ExternalIdentity,
    IdentityProvider,
    RedirectIdentityProvider,
    RoleMapping,
)
from medsec.accounts.models import (
    InstanceSetting,
    LoginSession,
    Organization,
    RecoveryCode,
    SetupToken,
    User,
)
from medsec.accounts.passwords import (
    DEFAULT_POLICY,
    PasswordHasher,
    PasswordPolicy,
    check_password,
)
from medsec.accounts.roles import OrganizationKind, Role
from medsec.accounts.sealing import Sealer
from medsec.accounts.services import (
    NewUser,
    context_words,
    create_local_user,
    create_organization,
    get_organization,
)
from medsec.audit.services import Context, record
from medsec.audit.tags import Outcome, Tag
from medsec.db.base import utcnow
from medsec.errors import AuthenticationRequired, ConfigurationError, Conflict, Error, NotFound

GENERIC_FAILURE = "invalid username or password"


class LoginFailed(AuthenticationFailed):
    """A failed sign-in whose consequences must be stored although the request fails: the
    failure counter, the lockout and the audit event (the transaction is committed)."""

    keep_changes = True


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class PendingRedirectLogin:
    """What the browser keeps between the redirect to a provider and the callback."""

    provider: str
    state: str
    nonce: str
    code_verifier: str = field(repr=False)
    next_url: str = ""


@dataclass(frozen=True)
class AuthConfig:
    hasher: PasswordHasher
    sealer: Sealer
    #: What a new password must satisfy (``MEDSEC_PASSWORD_*``).
    password_policy: PasswordPolicy = DEFAULT_POLICY
    #: Known-breached passwords (``MEDSEC_BREACHED_PASSWORDS``); None: zxcvbn's list only.
    breached_passwords: BreachedPasswordCheck | None = None
    idle: dt.timedelta = dt.timedelta(minutes=15)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    reauth: dt.timedelta = dt.timedelta(minutes=5)
    setup_link: dt.timedelta = dt.timedelta(hours=24)
    login_rate_per_minute: int = 10
    lockout_threshold: int = 5
    providers: tuple[tuple[IdentityProvider, RoleMapping], ...] = ()
    #: Providers the browser is sent to (OIDC), each with its claim → role mapping.
    redirect_providers: tuple[tuple[RedirectIdentityProvider, RoleMapping], ...] = ()
    #: Organization that central (LDAP/OIDC) users are provisioned into.
    central_organization: str | None = None


# --------------------------------------------------------------------------- first setup


#: Instance setting written by ``medsec reset --wipe-secrets``: a setup link may create a
#: new admin although users exist.
SETUP_REQUIRED = "setup_required"


def instance_is_empty(session: Session) -> bool:
    return session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def setup_required(session: Session) -> bool:
    row = session.execute(
        select(InstanceSetting).where(InstanceSetting.key == SETUP_REQUIRED)
    ).scalar_one_or_none()
    return row is not None and row.value is True


def setup_open(session: Session) -> bool:
    """A setup link may be issued and used: no users yet, or a reset asked for a new setup."""
    return instance_is_empty(session) or setup_required(session)


def issue_setup_link(session: Session, config: AuthConfig, context: Context) -> str | None:
    """A one-time setup token while setup is open (no users, or after a reset), else None."""
    if not setup_open(session):
        return None
    token = secrets.token_urlsafe(32)
    session.add(SetupToken(token_hash=token_hash(token), expires_at=utcnow() + config.setup_link))
    record(
        session,
        Tag.SETUP_LINK_ISSUED,
        context,
        details={"expires_in_hours": config.setup_link.total_seconds() / 3600},
    )
    return token


def _valid_setup_token(session: Session, token: str) -> SetupToken:
    row = session.execute(
        select(SetupToken).where(SetupToken.token_hash == token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise NotFound(
            "this setup link is invalid, used or expired",
            hint="run `medsec admin setup-link` on the server for a new one",
        )
    if not setup_open(session):
        raise Conflict("this instance is already set up")
    return row


def check_setup_token(session: Session, token: str) -> None:
    _valid_setup_token(session, token)


@dataclass(frozen=True)
class SetupRequest:
    organization_name: str
    organization_kind: OrganizationKind
    username: str
    password: str
    email: str | None = None
    display_name: str | None = None


def complete_setup(
    session: Session, config: AuthConfig, token: str, request: SetupRequest, context: Context
) -> User:
    row = _valid_setup_token(session, token)
    first_setup = instance_is_empty(session)
    if first_setup:
        org = create_organization(
            session, request.organization_name, request.organization_kind, context
        )
    else:  # after a reset: the new admin joins the instance's first organization
        org = session.execute(select(Organization).order_by(Organization.id).limit(1)).scalar_one()
    user = create_local_user(
        session,
        org,
        NewUser(request.username, Role.ADMIN, request.email, request.display_name),
        request.password,
        context,
        temporary=False,
        hasher=config.hasher,
        policy=config.password_policy,
        breached=config.breached_passwords,
    )
    row.used_at = utcnow()
    session.execute(update(SetupToken).where(SetupToken.used_at.is_(None)).values(used_at=utcnow()))
    session.execute(delete(InstanceSetting).where(InstanceSetting.key == SETUP_REQUIRED))
    record(
        session,
        Tag.SETUP_COMPLETED,
        context,
        target=f"user:{user.username}",
        organization_id=org.id,
        details={"after_reset": not first_setup},
    )
    return user


# --------------------------------------------------------------------------- login


class SessionState(enum.StrEnum):
    OK = "ok"
    MFA_CHALLENGE = "mfa-challenge"
    CHANGE_PASSWORD = "change-password"  # noqa: S105 (a state name, not a password)
    MFA_ENROL = "mfa-enrol"


@dataclass(frozen=True)
class LoginResult:
    token: str
    login_session: LoginSession
    user: User


def _lockout_for(failures: int, threshold: int) -> dt.timedelta | None:
    """Progressive lockout: 1, 2, 4 … minutes (at most 60) once ``threshold`` is reached."""
    if failures < threshold:
        return None
    return dt.timedelta(minutes=min(60, 2 ** (failures - threshold)))


def _fail(
    session: Session,
    config: AuthConfig,
    user: User | None,
    username: str,
    context: Context,
    reason: str,
) -> AuthenticationFailed:
    org_id = user.organization_id if user else None
    if user is not None:
        user.failed_logins += 1
        lock = _lockout_for(user.failed_logins, config.lockout_threshold)
        if lock is not None:
            user.locked_until = utcnow() + lock
            record(
                session,
                Tag.ACCOUNT_LOCKED,
                context,
                outcome=Outcome.FAILURE,
                target=f"user:{user.username}",
                organization_id=org_id,
                details={"minutes": lock.total_seconds() / 60, "failures": user.failed_logins},
            )
    record(
        session,
        Tag.LOGIN_FAILED,
        context,
        outcome=Outcome.FAILURE,
        target=f"user:{username[:120]}" if username else None,
        organization_id=org_id,
        details={"reason": reason},
    )
    return LoginFailed(GENERIC_FAILURE, reason=reason)


def _provision_external(
    session: Session, config: AuthConfig, identity: ExternalIdentity, role: Role, context: Context
) -> User:
    user = session.execute(
        select(User).where(
            User.auth_source == identity.provider, User.external_subject == identity.subject
        )
    ).scalar_one_or_none()
    if user is None:
        if config.central_organization is None:
            raise AuthenticationFailed(GENERIC_FAILURE)
        org = session.execute(
            select(Organization).where(Organization.name == config.central_organization)
        ).scalar_one_or_none()
        if org is None:
            raise AuthenticationFailed(GENERIC_FAILURE)
        taken = session.execute(select(User).where(User.username == identity.username)).first()
        if taken:
            raise AuthenticationFailed(GENERIC_FAILURE)
        user = User(
            organization_id=org.id,
            username=identity.username,
            role=role,
            auth_source=identity.provider,
            external_subject=identity.subject,
            email=identity.email,
            display_name=identity.display_name,
        )
        session.add(user)
        session.flush()
        record(
            session,
            Tag.USER_CREATED,
            context,
            target=f"user:{user.username}",
            organization_id=org.id,
            details={"role": role.value, "source": identity.provider},
        )
    elif user.role != role:
        old = user.role
        user.role = role
        record(
            session,
            Tag.USER_ROLE_CHANGED,
            context,
            target=f"user:{user.username}",
            organization_id=user.organization_id,
            details={"from": str(old), "to": role.value, "source": identity.provider},
        )
    return user


def _as_user(context: Context, user: User) -> Context:
    """The request's context with the user who just proved who they are as the actor."""
    return replace(
        context, actor_id=user.id, actor=user.username, organization_id=user.organization_id
    )


def start_session(
    session: Session, config: AuthConfig, user: User, context: Context, *, via: str
) -> LoginResult:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    login = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + config.absolute,
        mfa_pending=user.mfa_enabled,
        authenticated_at=now,
        ip=context.ip,
        user_agent=(context.user_agent or "")[:400] or None,
    )
    session.add(login)
    user.failed_logins = 0
    user.locked_until = None
    if not user.mfa_enabled:
        user.last_login_at = now
    session.flush()
    record(
        session,
        Tag.LOGIN_SUCCEEDED,
        _as_user(context, user),
        target=f"user:{user.username}",
        details={"via": via, "mfa_pending": login.mfa_pending},
    )
    return LoginResult(token, login, user)


def login(
    session: Session, config: AuthConfig, username: str, password: str, context: Context
) -> LoginResult:
    """Check a password (locally or at a central provider) and open a session.

    Every failure says the same thing; the audit log records the real reason.
    """
    ratelimit.hit(
        session,
        f"login:ip:{context.ip}",
        limit=config.login_rate_per_minute,
        window=dt.timedelta(minutes=1),
    )
    name = username.strip().lower()
    ratelimit.hit(
        session,
        f"login:user:{name[:120]}",
        limit=config.login_rate_per_minute,
        window=dt.timedelta(minutes=1),
    )
    user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
    locked = user is not None and user.locked_until is not None and user.locked_until > utcnow()
    if user is not None and (locked or not user.active):
        # No password will be checked: spend the same time anyway, so the response time
        # does not tell which accounts are locked or disabled (unknown names: see below).
        config.hasher.dummy_verify(password)
    if user is not None and user.locked_until and user.locked_until > utcnow():
        raise _fail(session, config, None, name, context, "account locked")
    if user is not None and not user.active:
        raise _fail(session, config, None, name, context, "account disabled or deleted")
    if user is not None and user.auth_source == "local":
        if user.password_hash and config.hasher.verify(user.password_hash, password):
            if config.hasher.needs_rehash(user.password_hash):
                user.password_hash = config.hasher.hash(password)
            return start_session(session, config, user, context, via="password")
        raise _fail(session, config, user, name, context, "wrong password")
    reasons = []
    for provider, mapping in config.providers:
        try:
            identity = provider.authenticate(name, password)
        except AuthenticationFailed as e:
            reasons.append(f"{provider.name}: {e.reason or 'failed'}")
            continue
        return login_external(session, config, identity, mapping, context)
    if not config.providers:
        config.hasher.dummy_verify(password)  # same time as a wrong password: no user enumeration
    reason = "unknown user" if user is None else "central login failed"
    raise _fail(session, config, user, name, context, "; ".join([reason, *reasons]))


def login_external(
    session: Session,
    config: AuthConfig,
    identity: ExternalIdentity,
    mapping: RoleMapping,
    context: Context,
) -> LoginResult:
    """Open a session for a person a central provider vouched for (LDAP bind, OIDC).

    The role comes from ``mapping`` at every login, so a group change at the provider
    takes effect at the next sign-in; a person no rule maps may not sign in. A local
    account with the same username is never taken over (break-glass admins stay local).
    """
    name = identity.username.strip().lower()
    role = mapping.role_for(identity)
    if role is None:
        raise _fail(session, config, None, name, context, f"{identity.provider}: no role mapped")
    try:
        external = _provision_external(session, config, identity, role, context)
    except AuthenticationFailed:
        raise _fail(
            session, config, None, name, context, f"{identity.provider}: cannot provision"
        ) from None
    if not external.active:
        raise _fail(session, config, None, name, context, "account disabled or deleted")
    return start_session(session, config, external, context, via=identity.provider)


def login_redirected(
    session: Session,
    config: AuthConfig,
    code: str,
    returned_state: str,
    pending: PendingRedirectLogin,
    context: Context,
) -> LoginResult:
    """Finish a sign-in at a redirect provider (OIDC): the callback's ``code`` and
    ``state`` against what the browser's session kept since the redirect.

    Every failure — a forged or replayed callback, a bad ID token, an unreachable or
    misconfigured provider — is recorded with its reason and reported as the same
    generic failure.
    """
    ratelimit.hit(
        session,
        f"login:ip:{context.ip}",
        limit=config.login_rate_per_minute,
        window=dt.timedelta(minutes=1),
    )
    found = [pair for pair in config.redirect_providers if pair[0].name == pending.provider]
    if not found:
        raise _fail(session, config, None, "", context, f"{pending.provider}: not configured")
    provider, mapping = found[0]
    try:
        identity = provider.complete(
            code,
            pending.state,
            pending.nonce,
            pending.code_verifier,
            returned_state=returned_state,
        )
    except AuthenticationFailed as e:
        raise _fail(session, config, None, "", context, e.reason) from None
    except ConfigurationError as e:
        raise _fail(session, config, None, "", context, e.message) from None
    return login_external(session, config, identity, mapping, context)


@cache
def _login_session_query() -> Select[LoginSession, User]:
    """The session, its user and the user's organization in one query (every page view);
    built once, like :func:`medsec.accounts.tokens._token_query`."""
    return (
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .join(Organization, Organization.id == User.organization_id)
        .options(contains_eager(User.organization))
        .where(LoginSession.token_hash == bindparam("token_hash"))
    )


def resolve_session(
    session: Session, config: AuthConfig, token: str
) -> tuple[User, LoginSession] | None:
    """The live session for a cookie token, applying idle and absolute timeouts."""
    found = session.execute(_login_session_query(), {"token_hash": token_hash(token)}).first()
    if found is None:
        return None
    login_session, user = found
    if login_session.revoked_at is not None or not user.active:
        return None
    now = utcnow()
    if login_session.expires_at < now or login_session.last_seen_at + config.idle < now:
        login_session.revoked_at = now
        record(
            session,
            Tag.SESSION_EXPIRED,
            Context(actor_id=user.id, actor=user.username),
            target=f"session:{login_session.id}",
            organization_id=user.organization_id,
            details={"reason": "absolute" if login_session.expires_at < now else "idle"},
        )
        return None
    if now - login_session.last_seen_at > dt.timedelta(seconds=30):
        login_session.last_seen_at = now
    return user, login_session


def session_state(session: Session, user: User, login_session: LoginSession) -> SessionState:
    if login_session.mfa_pending:
        return SessionState.MFA_CHALLENGE
    if user.must_change_password:
        return SessionState.CHANGE_PASSWORD
    org = session.get(Organization, user.organization_id)
    if org is not None and str(user.role) in org.mfa_required_roles and not user.mfa_enabled:
        if user.auth_source == "local":
            return SessionState.MFA_ENROL
    return SessionState.OK


def logout(session: Session, login_session: LoginSession, context: Context) -> None:
    login_session.revoked_at = utcnow()
    record(session, Tag.LOGOUT, context, target=f"session:{login_session.id}")


def list_sessions(session: Session, actor: Actor) -> Sequence[LoginSession]:
    return (
        session.execute(
            select(LoginSession)
            .where(
                LoginSession.user_id == actor.user_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > utcnow(),
            )
            .order_by(LoginSession.created_at.desc())
        )
        .scalars()
        .all()
    )


def revoke_session(session: Session, actor: Actor, session_id: int) -> None:
    row = session.get(LoginSession, session_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("no such session")
    row.revoked_at = utcnow()
    record(session, Tag.SESSION_REVOKED, actor.context, target=f"session:{row.id}")


def is_recent(login_session: LoginSession, config: AuthConfig) -> bool:
    return utcnow() - login_session.authenticated_at <= config.reauth


def reauthenticate(
    session: Session,
    config: AuthConfig,
    user: User,
    login_session: LoginSession,
    password: str,
    code: str | None,
    context: Context,
) -> None:
    """Confirm a sensitive action with the password (and TOTP when enrolled)."""
    ratelimit.hit(
        session,
        f"reauth:user:{user.id}",
        limit=config.login_rate_per_minute,
        window=dt.timedelta(minutes=1),
    )
    ok = bool(user.password_hash) and config.hasher.verify(user.password_hash or "", password)
    if ok and user.mfa_enabled:
        ok = code is not None and _check_totp(config, user, code)
    if not ok:
        raise _fail(session, config, user, user.username, context, "re-authentication failed")
    login_session.authenticated_at = utcnow()


# --------------------------------------------------------------------------- passwords


def change_password(
    session: Session,
    config: AuthConfig,
    user: User,
    current: str,
    new: str,
    context: Context,
    *,
    keep_session: LoginSession | None = None,
) -> None:
    """Change a local password; every other session of the user ends (``keep_session``, the
    one making the change, stays)."""
    if user.auth_source != "local":
        raise Error(f"this account's password is managed by {user.auth_source}")
    if not (user.password_hash and config.hasher.verify(user.password_hash, current)):
        raise _fail(session, config, user, user.username, context, "wrong current password")
    if current == new:
        raise Error("the new password must differ from the current one")
    org = get_organization(session, user.organization_id)
    check_password(
        new,
        context_words=context_words(user, org),
        policy=config.password_policy,
        breached=config.breached_passwords,
    )
    user.password_hash = config.hasher.hash(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    others = update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
    )
    if keep_session is not None:
        others = others.where(LoginSession.id != keep_session.id)
    session.execute(others.values(revoked_at=utcnow()))
    record(
        session,
        Tag.PASSWORD_CHANGED,
        context,
        target=f"user:{user.username}",
        organization_id=user.organization_id,
    )


# --------------------------------------------------------------------------- MFA


def begin_mfa_enrolment(user: User, config: AuthConfig, issuer: str = "medsec") -> tuple[str, str]:
    """A fresh secret and its otpauth:// URI; nothing is stored until confirmed."""
    secret = mfa.new_totp_secret()
    return secret, mfa.provisioning_uri(secret, user.username, issuer)


def confirm_mfa_enrolment(
    session: Session, config: AuthConfig, user: User, secret: str, code: str, context: Context
) -> list[str]:
    """Store the secret once the user proves they can generate codes; returns 10 recovery
    codes (shown once, stored hashed)."""
    step = mfa.verify_totp(secret, code, last_used_step=None)
    if step is None:
        record(
            session,
            Tag.MFA_FAILED,
            context,
            outcome=Outcome.FAILURE,
            target=f"user:{user.username}",
            organization_id=user.organization_id,
            details={"during": "enrolment"},
        )
        raise Error("that code is not valid; check the device clock and try again")
    user.mfa_secret = config.sealer.seal(secret)
    user.mfa_enabled_at = utcnow()
    user.mfa_last_step = step
    codes = mfa.generate_recovery_codes()
    for old in session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id)
    ).scalars():
        session.delete(old)
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=mfa.hash_recovery_code(c)) for c in codes
    )
    record(
        session,
        Tag.MFA_ENROLLED,
        context,
        target=f"user:{user.username}",
        organization_id=user.organization_id,
    )
    return codes


def _check_totp(config: AuthConfig, user: User, code: str) -> bool:
    if not user.mfa_secret:
        return False
    step = mfa.verify_totp(
        config.sealer.unseal(user.mfa_secret), code, last_used_step=user.mfa_last_step
    )
    if step is None:
        return False
    user.mfa_last_step = step
    return True


def complete_mfa(
    session: Session,
    config: AuthConfig,
    user: User,
    login_session: LoginSession,
    code: str,
    context: Context,
) -> None:
    """Answer the MFA challenge with a TOTP code or a recovery code."""
    ratelimit.hit(
        session,
        f"mfa:user:{user.id}",
        limit=config.login_rate_per_minute,
        window=dt.timedelta(minutes=1),
    )
    cleaned = code.strip().replace(" ", "")
    if cleaned.isdigit() and _check_totp(config, user, cleaned):
        via = "totp"
    else:
        codes = (
            session.execute(
                select(RecoveryCode).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
        index = mfa.verify_recovery_code(cleaned, [c.code_hash for c in codes])
        if index is None:
            record(
                session,
                Tag.MFA_FAILED,
                context,
                outcome=Outcome.FAILURE,
                target=f"user:{user.username}",
                organization_id=user.organization_id,
            )
            user.mfa_failures += 1
            lock = _lockout_for(user.mfa_failures, config.lockout_threshold)
            if lock is not None:
                user.locked_until = utcnow() + lock
                login_session.revoked_at = utcnow()
                record(
                    session,
                    Tag.ACCOUNT_LOCKED,
                    context,
                    outcome=Outcome.FAILURE,
                    target=f"user:{user.username}",
                    organization_id=user.organization_id,
                    details={
                        "minutes": lock.total_seconds() / 60,
                        "failures": user.mfa_failures,
                        "factor": "mfa",
                    },
                )
            raise LoginFailed("that code is not valid", reason="wrong MFA code")
        codes[index].used_at = utcnow()
        via = "recovery-code"
        record(
            session,
            Tag.RECOVERY_CODE_USED,
            context,
            target=f"user:{user.username}",
            organization_id=user.organization_id,
            details={"remaining": len(codes) - 1},
        )
    login_session.mfa_pending = False
    login_session.authenticated_at = utcnow()
    user.failed_logins = 0
    user.mfa_failures = 0
    user.last_login_at = utcnow()
    record(
        session,
        Tag.LOGIN_SUCCEEDED,
        _as_user(context, user),
        target=f"user:{user.username}",
        details={"via": via, "step": "mfa"},
    )


def reset_mfa(session: Session, actor: Actor, user_id: int) -> None:
    """An admin removes a user's MFA (lost phone); a sensitive, re-authenticated action."""
    from medsec.accounts.roles import Permission
    from medsec.accounts.services import user_for

    actor.require(Permission.USERS_MANAGE)
    if not actor.recently_authenticated:
        raise AuthenticationRequired(
            "resetting MFA needs a recent login", hint="log in again, then repeat the action"
        )
    user = user_for(session, actor, user_id)
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    user.mfa_failures = 0
    for code in session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id)
    ).scalars():
        session.delete(code)
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    record(session, Tag.MFA_RESET, actor.context, target=f"user:{user.username}")


def actor_for(
    session: Session,
    user: User,
    login_session: LoginSession | None,
    config: AuthConfig,
    context: Context,
    scopes: frozenset[str] | None = None,
) -> Actor:
    org = get_organization(session, user.organization_id)
    return Actor(
        user_id=user.id,
        username=user.username,
        organization_id=org.id,
        organization_kind=OrganizationKind(org.kind),
        role=Role(user.role),
        ip=context.ip,
        user_agent=context.user_agent,
        token_scopes=scopes,
        recently_authenticated=login_session is not None and is_recent(login_session, config),
    )
