"""Central-login settings from the environment: ``MEDSEC_LDAP_*`` and ``MEDSEC_OIDC_*``.

Each ``LdapSettings`` field has a variable of the same name (``MEDSEC_LDAP_URI``,
``MEDSEC_LDAP_USER_SEARCH_BASE``…); ``MEDSEC_LDAP_ROLE_MAP`` is a JSON list of
``[group DN, role]`` pairs (first match wins) and ``MEDSEC_LDAP_DEFAULT_ROLE`` the role of
members of no listed group (unset: they may not log in). ``OidcSettings`` likewise reads
``MEDSEC_OIDC_ISSUER``, ``MEDSEC_OIDC_CLIENT_ID``… with ``MEDSEC_OIDC_ROLE_MAP`` from
claim values to roles. See ``docs/authentication.md``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from medsec.accounts.interfaces import RoleMapping
from medsec.accounts.providers.ldap import LdapProvider, LdapSettings
from medsec.accounts.providers.oidc import OidcProvider, OidcSettings
from medsec.errors import ConfigurationError

#: The callback path of the OIDC sign-in (``medsec.web.oidc_views``).
OIDC_CALLBACK_PATH = "/auth/oidc/callback"


class LdapEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDSEC_LDAP_", env_file=".env", extra="ignore")

    uri: str | None = None
    start_tls: bool = False
    ca_file: Path | None = None
    bind_dn_template: str | None = None
    user_search_base: str | None = None
    user_filter: str | None = None
    service_bind_dn: str | None = None
    service_password: SecretStr | None = None
    group_search_base: str | None = None
    group_filter: str | None = None
    member_of_attribute: str | None = None
    username_attribute: str | None = None
    subject_attribute: str | None = None
    allow_plaintext: bool = False
    role_map: list[tuple[str, str]] = []
    default_role: str | None = None


def ldap_provider() -> tuple[LdapProvider, RoleMapping] | None:
    """The configured LDAP provider and its role mapping, or None without MEDSEC_LDAP_URI."""
    env = LdapEnvironment()
    if not env.uri:
        return None
    values = env.model_dump(exclude={"role_map", "default_role", "service_password"})
    fields = {f.name for f in dataclasses.fields(LdapSettings)}
    given = {k: v for k, v in values.items() if k in fields and v is not None}
    if env.service_password is not None:
        given["service_password"] = env.service_password.get_secret_value()
    settings = LdapSettings(**given)
    mapping = RoleMapping.from_pairs(env.role_map, default=env.default_role)
    return LdapProvider(settings), mapping


class OidcEnvironment(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDSEC_OIDC_", env_file=".env", extra="ignore")

    issuer: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    #: Default: ``MEDSEC_BASE_URL`` + ``/auth/oidc/callback``.
    redirect_uri: str | None = None
    scopes: list[str] | None = None
    groups_claim: str | None = None
    username_claim: str | None = None
    token_endpoint_auth_method: str | None = None
    algorithms: list[str] | None = None
    leeway: int | None = None
    timeout: float | None = None
    ca_file: Path | None = None
    #: Shown on the login button: "Sign in with …".
    display_name: str = "single sign-on"
    role_map: list[tuple[str, str]] = []
    default_role: str | None = None


def oidc_provider(base_url: str) -> tuple[OidcProvider, RoleMapping, str] | None:
    """The configured OpenID provider, its role mapping and button label, or None without
    ``MEDSEC_OIDC_ISSUER``."""
    env = OidcEnvironment()
    if not env.issuer:
        return None
    values = env.model_dump(
        exclude={
            "role_map",
            "default_role",
            "client_secret",
            "display_name",
            "scopes",
            "algorithms",
        }
    )
    fields = {f.name for f in dataclasses.fields(OidcSettings)}
    given = {k: v for k, v in values.items() if k in fields and v is not None}
    given["client_id"] = env.client_id or ""
    given["client_secret"] = env.client_secret.get_secret_value() if env.client_secret else ""
    given.setdefault("redirect_uri", base_url.rstrip("/") + OIDC_CALLBACK_PATH)
    if urlsplit(given["redirect_uri"]).path != OIDC_CALLBACK_PATH:
        raise ConfigurationError(
            f"MEDSEC_OIDC_REDIRECT_URI {given['redirect_uri']!r} must end in {OIDC_CALLBACK_PATH}",
            hint="medsec answers the provider's callback there; register that URL at the provider",
        )
    if env.scopes is not None:
        given["scopes"] = tuple(env.scopes)
    if env.algorithms is not None:
        given["algorithms"] = tuple(env.algorithms)
    settings = OidcSettings(**given)
    mapping = RoleMapping.from_pairs(env.role_map, default=env.default_role)
    return OidcProvider(settings), mapping, env.display_name
