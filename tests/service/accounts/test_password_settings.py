"""The instance's password rules come from its settings (``MEDSEC_PASSWORD_*`` and
``MEDSEC_BREACHED_PASSWORDS``, docs/authentication.md) and apply to every new password.

Regression: these settings were documented but not read; the defaults applied whatever
was configured.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from medsec.accounts import authentication
from medsec.accounts.models import Organization, User
from medsec.accounts.passwords import Weakness, WeakPassword
from medsec.accounts.roles import OrganizationKind
from medsec.audit.services import Context
from medsec.errors import ConfigurationError
from medsec.service import Instance

from ..conftest import GOOD_PASSWORD, Factory, build_instance, settings_for

#: 14 characters, strong enough for zxcvbn: accepted by the default policy (12).
FOURTEEN = "Quartz-Lantern9"[:14]


def _change(make: Factory, user: User, new: str) -> None:
    with make.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        authentication.change_password(
            session, make.instance.auth, row, GOOD_PASSWORD, new, Context.cli("test")
        )


def _user(make: Factory) -> User:
    org: Organization = make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    return make.user(org)


def test_the_default_policy_accepts_fourteen_characters(make: Factory) -> None:
    _change(make, _user(make), FOURTEEN)


def test_a_configured_minimum_length_is_enforced(database_url: str, tmp_path: Path) -> None:
    with build_instance(tmp_path, database_url, password_min_length=16) as instance:
        make = Factory(instance)
        with pytest.raises(WeakPassword) as refused:
            _change(make, _user(make), FOURTEEN)
    assert refused.value.weakness is Weakness.TOO_SHORT
    assert "at least 16" in str(refused.value)


def test_a_configured_breached_list_is_consulted(database_url: str, tmp_path: Path) -> None:
    digest = hashlib.sha1(FOURTEEN.encode()).hexdigest().upper()  # noqa: S324 (the format's)
    hashes = tmp_path / "pwned.txt"
    hashes.write_text(f"{digest}:42\n")
    with build_instance(tmp_path, database_url, breached_passwords=hashes) as instance:
        make = Factory(instance)
        with pytest.raises(WeakPassword) as refused:
            _change(make, _user(make), FOURTEEN)
    assert refused.value.weakness is Weakness.BREACHED


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("password_min_length", 6, "requires ≥ 8"),
        ("password_max_length", 32, "at least 64"),
        ("password_min_score", 5, "expected 0–4"),
        ("breached_passwords", Path("/nonexistent/pwned"), "does not exist"),
    ],
)
def test_out_of_range_settings_stop_the_instance_at_start(
    tmp_path: Path, setting: str, value: object, message: str
) -> None:
    settings = settings_for(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", **{setting: value})
    with pytest.raises(ConfigurationError, match=message):
        Instance.from_settings(settings)
