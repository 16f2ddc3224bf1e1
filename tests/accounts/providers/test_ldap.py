"""LDAP sign-in against a real OpenLDAP slapd (see tests/accounts/conftest.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from medsec.accounts.interfaces import (
    AuthenticationFailed,
    ExternalIdentity,
    IdentityProvider,
    RoleMapping,
)
from medsec.accounts.providers.ldap import LdapProvider, LdapSettings
from medsec.accounts.roles import Role
from medsec.errors import ConfigurationError

if TYPE_CHECKING:  # the fixture's type, from tests/accounts/conftest.py
    from conftest import Directory

BASE = "dc=example,dc=org"
GROUPS = f"ou=groups,{BASE}"
SERVICE_DN = f"cn=medsec,ou=services,{BASE}"
#: Passwords of the test directory's users (tests/accounts/conftest.py).
ALICE_PASSWORD = "alice correct horse battery"
BOB_PASSWORD = "bob's long passphrase here"
CAROL_PASSWORD = "carol has no groups at all"

ROLES = RoleMapping.from_pairs(
    [
        (f"cn=admins,{GROUPS}", "admin"),
        (f"cn=psirt,{GROUPS}", "product-security-officer"),
        (f"cn=engineers,{GROUPS}", "clinical-engineer"),
    ]
)


def search_then_bind(directory: Directory, **changes: Any) -> LdapSettings:
    settings = LdapSettings(
        uri=directory.ldap_uri,
        start_tls=True,
        ca_file=directory.ca_file,
        user_search_base=f"ou=people,{BASE}",
        service_bind_dn=directory.service_dn,
        service_password=directory.service_password,
        group_search_base=GROUPS,
    )
    return dataclasses.replace(settings, **changes)


def direct_bind(directory: Directory, **changes: Any) -> LdapSettings:
    settings = LdapSettings(
        uri=directory.ldaps_uri,
        ca_file=directory.ca_file,
        bind_dn_template=f"uid={{username}},ou=people,{BASE}",
        member_of_attribute="memberOf",
    )
    return dataclasses.replace(settings, **changes)


@pytest.fixture(params=["search-then-bind over StartTLS", "direct bind over LDAPS"])
def provider(request: pytest.FixtureRequest, directory: Directory) -> LdapProvider:
    make = search_then_bind if request.param.startswith("search") else direct_bind
    return LdapProvider(make(directory))


def test_the_provider_implements_the_port(provider: LdapProvider) -> None:
    assert isinstance(provider, IdentityProvider)


def test_a_good_password_gives_the_identity_with_groups_and_role(provider: LdapProvider) -> None:
    identity = provider.authenticate("alice", ALICE_PASSWORD)

    assert identity == ExternalIdentity(
        provider="ldap",
        subject=identity.subject,
        username="alice",
        email="alice@example.org",
        display_name="Alice Example",
        groups=(f"cn=admins,{GROUPS}", f"cn=psirt,{GROUPS}"),
    )
    assert len(identity.subject) == 36  # the entry's RFC 4530 entryUUID
    assert ROLES.role_for(identity) is Role.ADMIN


def test_the_subject_is_stable_and_differs_between_users(provider: LdapProvider) -> None:
    first = provider.authenticate("alice", ALICE_PASSWORD)
    again = provider.authenticate("alice", ALICE_PASSWORD)
    bob = provider.authenticate("bob", BOB_PASSWORD)

    assert first.subject == again.subject != bob.subject
    assert ROLES.role_for(bob) is Role.CLINICAL_ENGINEER


def test_a_user_without_groups_gets_no_role(provider: LdapProvider) -> None:
    carol = provider.authenticate("carol", CAROL_PASSWORD)

    assert carol.groups == ()
    assert ROLES.role_for(carol) is None


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("alice", "not alice's password", id="wrong password"),
        pytest.param("alice", ALICE_PASSWORD.upper(), id="password in the wrong case"),
        pytest.param("mallory", "any password at all", id="unknown user"),
        pytest.param("alice", "", id="empty password (unauthenticated bind)"),
        pytest.param("", ALICE_PASSWORD, id="empty user name"),
        pytest.param("*", ALICE_PASSWORD, id="wildcard user name"),
        pytest.param("*)(uid=*", ALICE_PASSWORD, id="filter injection"),
        pytest.param("alice)(|(uid=*", ALICE_PASSWORD, id="filter injection with or"),
        pytest.param("alice,ou=people", ALICE_PASSWORD, id="DN injection"),
        pytest.param("alice\x00", ALICE_PASSWORD, id="NUL byte"),
        pytest.param("a" * 300, ALICE_PASSWORD, id="very long user name"),
    ],
)
def test_bad_credentials_fail_with_one_generic_message(
    provider: LdapProvider, username: str, password: str
) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        provider.authenticate(username, password)

    assert caught.value.status == 401
    assert caught.value.diagnostics() == "invalid username or password"
    assert caught.value.reason.startswith("ldap: ")


def test_an_ambiguous_search_does_not_sign_anyone_in(directory: Directory) -> None:
    provider = LdapProvider(search_then_bind(directory))

    with pytest.raises(AuthenticationFailed) as caught:
        provider.authenticate("dup", "duplicate user password")

    assert "several entries" in caught.value.reason


def test_groups_can_come_from_both_member_of_and_a_group_search(directory: Directory) -> None:
    settings = search_then_bind(directory, member_of_attribute="memberOf")

    identity = LdapProvider(settings).authenticate("bob", BOB_PASSWORD)

    assert identity.groups == (f"cn=engineers,{GROUPS}",)


def test_users_can_be_identified_by_dn(directory: Directory) -> None:
    settings = search_then_bind(directory, subject_attribute=None)

    identity = LdapProvider(settings).authenticate("alice", ALICE_PASSWORD)

    assert identity.subject == f"uid=alice,ou=people,{BASE}"


def test_plain_ldap_works_when_explicitly_allowed(directory: Directory) -> None:
    settings = search_then_bind(directory, start_tls=False, allow_plaintext=True)

    assert LdapProvider(settings).authenticate("alice", ALICE_PASSWORD).username == "alice"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            lambda d: search_then_bind(d, uri=f"ldap://127.0.0.1:{d.closed_port()}"),
            "cannot talk to",
            id="nothing listens on the port",
        ),
        pytest.param(
            lambda d: search_then_bind(d, ca_file=d.other_ca_file),
            "certificate verify failed",
            id="server certificate from another CA (StartTLS)",
        ),
        pytest.param(
            lambda d: direct_bind(d, ca_file=d.other_ca_file),
            "certificate verify failed",
            id="server certificate from another CA (LDAPS)",
        ),
        pytest.param(
            lambda d: direct_bind(d, uri=f"ldaps://localhost:{d.ldaps_port}"),
            "doesn't match",
            id="certificate not issued for this host name",
        ),
        pytest.param(
            lambda d: search_then_bind(d, service_password="wrong service password"),
            "refused the service bind",
            id="wrong service account password",
        ),
        pytest.param(
            lambda d: search_then_bind(d, user_search_base=f"ou=nobody,{BASE}"),
            "does not exist",
            id="missing search base",
        ),
    ],
)
def test_server_and_settings_problems_are_configuration_errors(
    directory: Directory, change: Any, expected: str
) -> None:
    provider = LdapProvider(change(directory))

    with pytest.raises(ConfigurationError) as caught:
        provider.authenticate("alice", ALICE_PASSWORD)

    assert expected in caught.value.diagnostics()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param(
            {"uri": "http://ldap.example.org", "user_search_base": BASE},
            "expected ldaps://",
            id="not an LDAP uri",
        ),
        pytest.param(
            {"uri": "ldap://ldap.example.org", "user_search_base": BASE},
            "clear text",
            id="plain LDAP without StartTLS",
        ),
        pytest.param(
            {"uri": "ldaps://ldap.example.org", "start_tls": True, "user_search_base": BASE},
            "use one",
            id="StartTLS over LDAPS",
        ),
        pytest.param({"uri": "ldaps://ldap.example.org"}, "exactly one", id="no way to find users"),
        pytest.param(
            {"uri": "ldaps://h", "bind_dn_template": "uid=x,dc=org"},
            "has no {username}",
            id="template without placeholder",
        ),
        pytest.param(
            {"uri": "ldaps://h", "user_search_base": BASE, "user_filter": "(uid=alice)"},
            "has no {username}",
            id="filter without placeholder",
        ),
        pytest.param(
            {"uri": "ldaps://h", "user_search_base": BASE, "service_bind_dn": SERVICE_DN},
            "unauthenticated bind",
            id="service DN without password",
        ),
        pytest.param(
            {"uri": "ldaps://h", "user_search_base": BASE, "ca_file": Path("/nonexistent.pem")},
            "does not exist",
            id="missing CA file",
        ),
    ],
)
def test_invalid_settings_are_refused_up_front(settings: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        LdapSettings(**settings)

    assert expected in caught.value.diagnostics()


def test_the_service_password_is_not_in_the_settings_repr(directory: Directory) -> None:
    assert directory.service_password not in repr(search_then_bind(directory))


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        pytest.param(
            "objectGUID",
            bytes.fromhex("4e6f5a0d1b7c8e4d9a1f3b2c4d5e6f70"),
            "0d5a6f4e-7c1b-4d8e-9a1f-3b2c4d5e6f70",
            id="AD objectGUID (little-endian GUID)",
        ),
        pytest.param("uid", "Zoë".encode(), "Zoë", id="UTF-8 bytes"),
        pytest.param("someBlob", b"\xff\x00\x01", "ff0001", id="other binary as hex"),
        pytest.param("entryUUID", "0d5a6f4e-7c1b", "0d5a6f4e-7c1b", id="text stays text"),
    ],
)
def test_binary_attribute_values_become_stable_text(name: str, value: object, text: str) -> None:
    # Active Directory is not available in the tests; its binary GUID is checked here.
    from medsec.accounts.providers.ldap import _text

    assert _text(name, value) == text
