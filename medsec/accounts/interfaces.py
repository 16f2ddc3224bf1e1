"""Ports of the accounts domain: identity providers, breached-password checks, roles.

Adapters live beside this module (``providers/ldap.py``, ``providers/oidc.py``,
``passwords.OfflineBreachedPasswords``); services depend only on the protocols and
the frozen result types defined here, so a deployment can plug in another directory
or an online breach check without touching the services.

Roles (:class:`medsec.accounts.roles.Role`) are decided by a :class:`RoleMapping`: an
ordered list of rules from a directory group (or an OIDC group/role claim value) to a
medsec role, where the **first matching rule wins**.

>>> identity = ExternalIdentity(
...     provider="ldap", subject="8c1e…", username="alice", email=None,
...     display_name="Alice Example", groups=("cn=psirt,ou=groups,dc=example,dc=org",),
... )
>>> mapping = RoleMapping.from_pairs([
...     ("cn=admins,ou=groups,dc=example,dc=org", "admin"),
...     ("CN=PSIRT,ou=groups,dc=example,dc=org", "product-security-officer"),
... ])
>>> mapping.role_for(identity)
<Role.PRODUCT_SECURITY_OFFICER: 'product-security-officer'>
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from medsec.accounts.roles import Role
from medsec.errors import ConfigurationError, Error

#: What every failed password sign-in says, whatever the cause.
GENERIC_FAILURE = "invalid username or password"


class AuthenticationFailed(Error):
    """A sign-in did not succeed.

    The message is deliberately the same whatever went wrong (unknown user, wrong
    password, bad token), so a caller cannot learn which accounts exist. The precise
    cause is kept in :attr:`reason` for the audit log and must never be shown to the
    person signing in.
    """

    kind = "authentication-failed"
    status = 401
    title = "Authentication failed"
    #: The failure counter and the audit event of a failed attempt must be stored.
    keep_changes = True

    def __init__(self, message: str = GENERIC_FAILURE, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class ExternalIdentity:
    """Who a central identity provider says the person is.

    ``(provider, subject)`` identifies the person durably (an LDAP ``entryUUID``, an
    OIDC ``sub``); ``username``, ``email`` and ``display_name`` may change over time.
    ``groups`` holds the group DNs (LDAP) or the values of the configured group/role
    claim (OIDC).
    """

    provider: str
    subject: str
    username: str
    email: str | None
    display_name: str | None
    groups: tuple[str, ...] = ()


@runtime_checkable
class IdentityProvider(Protocol):
    """A provider that checks a user name and password itself (LDAP, RADIUS, …)."""

    name: str

    def authenticate(self, username: str, password: str) -> ExternalIdentity:
        """The identity behind these credentials.

        Raises :class:`AuthenticationFailed` for any bad credential and
        :class:`medsec.errors.ConfigurationError` when the provider cannot be used
        (unreachable, wrong service account, bad search base).
        """
        ...


@runtime_checkable
class RedirectIdentityProvider(Protocol):
    """A provider the browser is sent to and back from (OIDC authorization code)."""

    name: str

    def authorization_url(self, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser; the caller keeps the three secrets in its session."""
        ...

    def complete(
        self, code: str, state: str, nonce: str, code_verifier: str, *, returned_state: str
    ) -> ExternalIdentity:
        """Exchange the ``code`` from the callback for a verified identity."""
        ...


@runtime_checkable
class BreachedPasswordCheck(Protocol):
    """Tells whether a password is known to attackers (SP 800-63B §3.1.1.2).

    Implementations may be offline (a word list, a file of hashes) or online (the
    Pwned Passwords k-anonymity range API). One that cannot answer raises a
    :class:`medsec.errors.Error` rather than guessing.
    """

    name: str

    def is_breached(self, password: str) -> bool: ...


@dataclass(frozen=True)
class RoleRule:
    """Members of ``group`` get ``role``. Groups compare case-insensitively."""

    group: str
    role: Role

    def matches(self, groups: Iterable[str]) -> bool:
        wanted = self.group.casefold()
        return any(group.casefold() == wanted for group in groups)


@dataclass(frozen=True)
class RoleMapping:
    """Ordered rules from groups to a medsec role; the first rule that matches wins.

    First match (rather than "highest privilege wins") because medsec's roles are not
    a single ladder — a product-security officer and a clinical engineer work for
    different kinds of organization — so only the operator can say which rule takes
    precedence, and an ordered list says it explicitly. ``default`` is given to an
    identity no rule matches; ``None`` (the default) means such a person may not sign
    in.
    """

    rules: tuple[RoleRule, ...] = ()
    default: Role | None = None

    @classmethod
    def from_pairs(
        cls, pairs: Sequence[tuple[str, str]], *, default: str | None = None
    ) -> RoleMapping:
        """Build from ``(group, role name)`` pairs as read from settings."""
        rules = tuple(RoleRule(group, _role(name)) for group, name in pairs)
        return cls(rules, None if default is None else _role(default))

    def role_for(self, identity: ExternalIdentity) -> Role | None:
        for rule in self.rules:
            if rule.matches(identity.groups):
                return rule.role
        return self.default


def _role(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise ConfigurationError(
            f"role mapping: {name!r} is not a medsec role", hint=f"use one of: {known}"
        ) from None
