"""LDAP login through the service: MEDSEC_LDAP_* settings → provider → provisioned user.

Runs against the real slapd of tests/accounts/conftest.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from medsec.accounts import services
from medsec.accounts.authentication import login
from medsec.accounts.interfaces import AuthenticationFailed
from medsec.accounts.models import User
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.service import Instance
from medsec.settings import Settings

if TYPE_CHECKING:
    from conftest import Directory

ORG = "St. Example University Hospital"
ALICE_PASSWORD = "alice correct horse battery"
CAROL_PASSWORD = "carol has no groups at all"
BREAK_GLASS = "break-glass passphrase for emergencies"


@pytest.fixture
def instance(directory: Directory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Instance:
    groups = f"ou=groups,{directory.base}"
    monkeypatch.setenv("MEDSEC_LDAP_URI", directory.ldaps_uri)
    monkeypatch.setenv("MEDSEC_LDAP_CA_FILE", str(directory.ca_file))
    monkeypatch.setenv("MEDSEC_LDAP_USER_SEARCH_BASE", f"ou=people,{directory.base}")
    monkeypatch.setenv("MEDSEC_LDAP_SERVICE_BIND_DN", directory.service_dn)
    monkeypatch.setenv("MEDSEC_LDAP_SERVICE_PASSWORD", directory.service_password)
    monkeypatch.setenv("MEDSEC_LDAP_GROUP_SEARCH_BASE", groups)
    monkeypatch.setenv(
        "MEDSEC_LDAP_ROLE_MAP",
        f'[["cn=admins,{groups}", "admin"], ["cn=engineers,{groups}", "clinical-engineer"]]',
    )
    settings = Settings(data_dir=tmp_path, central_organization=ORG)
    migrate.upgrade(settings.resolved_database_url())
    inst = Instance.from_settings(settings)
    with inst.db.session() as session:
        org = services.create_organization(
            session, ORG, OrganizationKind.HEALTHCARE_PROVIDER, Context.cli()
        )
        services.create_local_user(
            session,
            org,
            services.NewUser("breakglass", Role.ADMIN),
            BREAK_GLASS,
            Context.cli(),
            temporary=False,
            hasher=inst.auth.hasher,
        )
    return inst


def test_directory_user_is_provisioned_with_the_mapped_role(instance: Instance) -> None:
    with instance.db.session() as session:
        result = login(session, instance.auth, "alice", ALICE_PASSWORD, Context(ip="127.0.0.1"))
        assert result.user.auth_source == "ldap"
        assert result.user.role == Role.ADMIN
        assert result.user.organization.name == ORG
    with instance.db.session() as session:  # a second login reuses the account
        login(session, instance.auth, "alice", ALICE_PASSWORD, Context(ip="127.0.0.1"))
        assert len(session.execute(select(User).where(User.username == "alice")).all()) == 1


def test_wrong_directory_password_is_refused(instance: Instance) -> None:
    with pytest.raises(AuthenticationFailed), instance.db.session() as session:
        login(session, instance.auth, "alice", "not alice's password", Context(ip="127.0.0.1"))


def test_member_of_no_mapped_group_cannot_log_in(instance: Instance) -> None:
    with pytest.raises(AuthenticationFailed), instance.db.session() as session:
        login(session, instance.auth, "carol", CAROL_PASSWORD, Context(ip="127.0.0.1"))


def test_local_break_glass_admin_still_logs_in(instance: Instance) -> None:
    with instance.db.session() as session:
        result = login(session, instance.auth, "breakglass", BREAK_GLASS, Context(ip="127.0.0.1"))
        assert result.user.auth_source == "local"
