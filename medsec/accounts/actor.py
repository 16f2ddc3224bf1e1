"""Who is acting: the authenticated user behind a request, a token or the CLI.

Services take an :class:`Actor` and check permissions and tenancy themselves, so the
rules hold whatever the caller (route, CLI, worker).
"""

from __future__ import annotations

from dataclasses import dataclass

from medsec.accounts.roles import ROLE_PERMISSIONS, OrganizationKind, Permission, Role
from medsec.audit.services import Context
from medsec.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    organization_id: int
    organization_kind: OrganizationKind
    role: Role
    ip: str | None = None
    user_agent: str | None = None
    #: Scopes of the API token in use; None for a browser session (all role permissions).
    token_scopes: frozenset[str] | None = None
    #: True when the session authenticated (password, and MFA if enrolled) recently.
    recently_authenticated: bool = False

    def can(self, permission: Permission) -> bool:
        if permission not in ROLE_PERMISSIONS[self.role]:
            return False
        return self.token_scopes is None or str(permission) in self.token_scopes

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"your role ({self.role.value}) does not allow {permission.value}"
                + (" with this token's scopes" if self.token_scopes is not None else ""),
                hint="ask an administrator of your organization",
            )

    def require_same_organization(self, organization_id: int, what: str = "resource") -> None:
        """Tenant isolation: another organization's data does not exist for this actor."""
        if organization_id != self.organization_id:
            raise NotFound(f"no such {what}")

    @property
    def context(self) -> Context:
        return Context(
            actor_id=self.user_id,
            actor=self.username,
            organization_id=self.organization_id,
            ip=self.ip,
            user_agent=self.user_agent,
        )
