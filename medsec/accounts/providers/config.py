"""Central-login settings from the environment: ``MEDSEC_LDAP_*``.

Each ``LdapSettings`` field has a variable of the same name (``MEDSEC_LDAP_URI``,
``MEDSEC_LDAP_USER_SEARCH_BASE``…); ``MEDSEC_LDAP_ROLE_MAP`` is a JSON list of
``[group DN, role]`` pairs (first match wins) and ``MEDSEC_LDAP_DEFAULT_ROLE`` the role of
members of no listed group (unset: they may not log in). See ``docs/authentication.md``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from medsec.accounts.interfaces import RoleMapping
from medsec.accounts.providers.ldap import LdapProvider, LdapSettings


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
