"""The running instance's parts, built once from :class:`Settings` by the app factory or
the CLI: database, password hasher, secret sealer, authentication configuration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import httpx

from medsec.accounts.authentication import AuthConfig
from medsec.accounts.interfaces import IdentityProvider, RoleMapping
from medsec.accounts.passwords import OfflineBreachedPasswords, PasswordHasher, PasswordPolicy
from medsec.accounts.sealing import Sealer
from medsec.db.engine import Database
from medsec.products.public import PublicDocuments, published_loader
from medsec.settings import Settings


@dataclass
class Instance:
    settings: Settings
    db: Database
    auth: AuthConfig
    #: Label of the single-sign-on button ("Sign in with …"), None without OIDC.
    sso_label: str | None = None
    #: The transport of outgoing HTTP (CSAF subscriptions); None is the network. Tests put
    #: an ASGI or mock transport here.
    http_transport: httpx.BaseTransport | None = None

    @cached_property
    def public_documents(self) -> PublicDocuments:
        """This process's cache of published documents (see ``medsec.products.public``)."""
        return PublicDocuments(published_loader(self.db))

    @classmethod
    def from_settings(cls, settings: Settings) -> Instance:
        from medsec.accounts.providers.config import oidc_provider

        secret = settings.resolved_secret_key()
        oidc = oidc_provider(settings.base_url)
        auth = AuthConfig(
            hasher=PasswordHasher(),
            sealer=Sealer(secret),
            password_policy=PasswordPolicy(
                min_length=settings.password_min_length,
                max_length=settings.password_max_length,
                min_score=settings.password_min_score,
            ),
            breached_passwords=(
                OfflineBreachedPasswords(settings.breached_passwords)
                if settings.breached_passwords
                else None
            ),
            idle=dt.timedelta(minutes=settings.session_idle_minutes),
            absolute=dt.timedelta(hours=settings.session_absolute_hours),
            reauth=dt.timedelta(minutes=settings.reauth_minutes),
            setup_link=dt.timedelta(hours=settings.setup_link_hours),
            login_rate_per_minute=settings.login_rate_per_minute,
            lockout_threshold=settings.lockout_threshold,
            providers=central_providers(settings),
            redirect_providers=((oidc[0], oidc[1]),) if oidc else (),
            central_organization=settings.central_organization,
        )
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url()),
            auth=auth,
            sso_label=oidc[2] if oidc else None,
        )


def central_providers(settings: Settings) -> tuple[tuple[IdentityProvider, RoleMapping], ...]:
    """LDAP (when ``MEDSEC_LDAP_URI`` is set) with its group → role mapping."""
    del settings  # the providers read their own MEDSEC_LDAP_* variables
    from medsec.accounts.providers.config import ldap_provider

    ldap = ldap_provider()
    return (ldap,) if ldap is not None else ()
