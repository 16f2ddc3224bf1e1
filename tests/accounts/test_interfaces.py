"""Ports of the accounts domain: identities, the generic failure, role mapping."""

from __future__ import annotations

import dataclasses

import pytest

from medsec.accounts.interfaces import (
    GENERIC_FAILURE,
    AuthenticationFailed,
    ExternalIdentity,
    RoleMapping,
)
from medsec.accounts.roles import Role
from medsec.errors import ConfigurationError, Error

ADMINS = "cn=admins,ou=groups,dc=example,dc=org"
PSIRT = "cn=psirt,ou=groups,dc=example,dc=org"
BIOMED = "cn=biomed,ou=groups,dc=example,dc=org"
AUDIT = "cn=audit,ou=groups,dc=example,dc=org"

MAPPING = RoleMapping.from_pairs(
    [
        (ADMINS, "admin"),
        (PSIRT, "product-security-officer"),
        (BIOMED, "clinical-engineer"),
        (AUDIT, "auditor"),
    ]
)


def person(*groups: str) -> ExternalIdentity:
    return ExternalIdentity(
        provider="ldap",
        subject="0d5a6f4e-7c1b-4d8e-9a1f-3b2c4d5e6f70",
        username="alice",
        email="alice@example.org",
        display_name="Alice Example",
        groups=groups,
    )


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        pytest.param((ADMINS,), Role.ADMIN, id="one group"),
        pytest.param((AUDIT, ADMINS), Role.ADMIN, id="first rule wins, not first group"),
        pytest.param((BIOMED, PSIRT), Role.PRODUCT_SECURITY_OFFICER, id="earlier rule wins"),
        pytest.param((AUDIT,), Role.AUDITOR, id="last rule"),
        pytest.param((ADMINS.upper(),), Role.ADMIN, id="groups compare case-insensitively"),
        pytest.param(("cn=staff,ou=groups,dc=example,dc=org",), None, id="no rule matches"),
        pytest.param((), None, id="no groups"),
        pytest.param(("cn=admins",), None, id="a partial DN is not the group"),
    ],
)
def test_the_first_matching_rule_decides_the_role(
    groups: tuple[str, ...], role: Role | None
) -> None:
    assert MAPPING.role_for(person(*groups)) == role


def test_a_default_role_catches_everyone_else() -> None:
    mapping = RoleMapping.from_pairs([(ADMINS, "admin")], default="reporter")

    assert mapping.role_for(person()) is Role.REPORTER
    assert mapping.role_for(person(ADMINS)) is Role.ADMIN


def test_an_unknown_role_name_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        RoleMapping.from_pairs([(ADMINS, "superuser")])

    assert "'superuser' is not a medsec role" in caught.value.diagnostics()
    assert "product-security-officer" in caught.value.diagnostics()


def test_an_unknown_default_role_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        RoleMapping.from_pairs([], default="root")


def test_the_failure_message_never_says_what_was_wrong() -> None:
    unknown_user = AuthenticationFailed(reason="ldap: user name matches no entry")
    wrong_password = AuthenticationFailed(reason="ldap: bind refused")

    assert unknown_user.diagnostics() == wrong_password.diagnostics() == GENERIC_FAILURE
    assert unknown_user.reason != wrong_password.reason
    assert isinstance(unknown_user, Error)
    assert (unknown_user.status, unknown_user.kind) == (401, "authentication-failed")


def test_a_failure_without_a_reason_keeps_its_message_as_reason() -> None:
    assert AuthenticationFailed("that code is not valid").reason == "that code is not valid"


def test_identities_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        person().username = "mallory"  # type: ignore[misc]
