"""Fixtures for the backup and reset tests: instances on SQLite (in tmp_path) and on a
private PostgreSQL database per test, and a populated instance to back up.

PostgreSQL runs when ``MEDSEC_TEST_DATABASE_URL`` names a server database the test user
may ``CREATE DATABASE`` from (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
each test gets a database of its own, dropped afterwards. Without the variable those
tests are skipped, except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import argon2
import pyotp
import pyrage
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from medsec.accounts import authentication, services, tokens
from medsec.accounts.models import RateLimitHit
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.products.models import Product, ProfileVersion
from medsec.service import Instance
from medsec.settings import Settings

PASSWORD = "correct horse battery staple"
PASSPHRASE = "a passphrase long enough for tests"

InstanceFactory = Callable[..., Instance]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the current revision, copied for each instance (running
    the migrations once instead of once per instance)."""
    path = tmp_path_factory.mktemp("template") / "medsec.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def make_instance(tmp_path: Path, migrated_sqlite: Path) -> Iterator[InstanceFactory]:
    """Build migrated instances: ``make_instance("name")`` on SQLite in tmp_path/name,
    ``make_instance("name", url=…)`` on another database.

    Passwords are hashed with argon2-cffi's cheapest argon2id parameters: these tests are
    about backups, and the production parameters take a second per hash.
    """
    made: list[Instance] = []

    def make(name: str, url: str | None = None, *, migrated: bool = True) -> Instance:
        settings = Settings(
            data_dir=tmp_path / name, database_url=url, base_url="https://medsec.test",
            _env_file=None,
        )  # fmt: skip
        if migrated and url is None:
            settings.data_dir.mkdir(parents=True)
            shutil.copyfile(migrated_sqlite, settings.data_dir / "medsec.db")
        elif migrated:
            migrate.upgrade(settings.resolved_database_url())
        instance = Instance.from_settings(settings)
        instance.auth = replace(instance.auth, hasher=PasswordHasher(argon2.profiles.CHEAPEST))
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.db.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped after the test."""
    base = os.environ.get("MEDSEC_TEST_DATABASE_URL")
    if not base:
        reason = "MEDSEC_TEST_DATABASE_URL is not set (a PostgreSQL URL, e.g. " \
                 "postgresql+psycopg://postgres@127.0.0.1:5432/test)"  # fmt: skip
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true: the PostgreSQL tests must run in CI")
        pytest.skip(reason)
    name = f"medsec_backup_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Population:
    """What :func:`populate` put into an instance."""

    username: str
    totp_secret: str
    api_token: str
    session_token: str


def _populate(instance: Instance) -> Population:
    """An organization, an admin with MFA and recovery codes, an API token, a session, a
    product with a profile in non-ASCII text, a rate-limit counter and a key file."""
    context = Context.cli()
    config = instance.auth
    with instance.db.session() as session:
        org = services.create_organization(
            session, "Hôpital Saint-Éloi", OrganizationKind.HEALTHCARE_PROVIDER, context
        )
        user = services.create_local_user(
            session, org, services.NewUser("alice", Role.ADMIN, "alice@example.org", "Alice Ö"),
            PASSWORD, context, temporary=False, hasher=config.hasher,
        )  # fmt: skip
        secret, _ = authentication.begin_mfa_enrolment(user, config)
        authentication.confirm_mfa_enrolment(
            session, config, user, secret, pyotp.TOTP(secret).now(), context
        )
        actor = authentication.actor_for(session, user, None, config, context)
        _, api_token = tokens.create_token(session, actor, "ci", ["products:read"], 30)
        login = authentication.start_session(session, config, user, context, via="password")
        product = Product(organization_id=org.id, name="Pompe “Ω” 3000", manufacturer="Acmé")
        session.add(product)
        session.flush()
        session.add(ProfileVersion(
            product_id=product.id, version="1.0", filename="pump.yaml",
            source="product:\n  name: 'Pompe “Ω” 3000'\n  note: \"quote \\\" and \\\\\"\n",
            sha256="0" * 64, lint={"summary": {"errors": 0}, "nested": [1, None, True]},
        ))  # fmt: skip
        session.add(RateLimitHit(key="login:ip:192.0.2.1"))
    keys = instance.settings.data_dir / "keys"
    keys.mkdir(exist_ok=True)
    (keys / "signing.key").write_bytes(b"-----BEGIN FAKE KEY-----\nabc\n-----END FAKE KEY-----\n")
    return Population("alice", secret, api_token, login.token)


@pytest.fixture
def identity() -> object:
    """An age X25519 identity (fast, unlike passphrases, which use scrypt)."""
    return pyrage.x25519.Identity.generate()


@pytest.fixture
def populate() -> Callable[[Instance], Population]:
    """``populate(instance)``: fill an instance with one of everything (see :func:`_populate`)."""
    return _populate
