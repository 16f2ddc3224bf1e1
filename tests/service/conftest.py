"""Fixtures for the service tests: a migrated database, an :class:`Instance`, an app.

Every database test runs on SQLite (a file in ``tmp_path``) and on PostgreSQL when
``MEDSEC_TEST_DATABASE_URL`` names a server (``postgresql+psycopg://postgres@127.0.0.1:5432/test``
in CI). Each test gets its own database: migrations run once per session into a template
(a SQLite file, a PostgreSQL template database), and each test copies it — a file copy,
or ``CREATE DATABASE … TEMPLATE``. Under CI (``CI=true``) a missing PostgreSQL URL is a
failure, not a skip.

Shared helpers are mostly fixtures (a few constants and builders are imported): ``make`` builds
organizations, users, actors, tokens and profile versions through the services.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import argon2
import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from medsec.accounts import services, tokens
from medsec.accounts.actor import Actor
from medsec.accounts.authentication import actor_for
from medsec.accounts.models import ApiToken, Organization, User
from medsec.accounts.passwords import PasswordHasher
from medsec.accounts.roles import ROLE_PERMISSIONS, OrganizationKind, Role
from medsec.app import create_app
from medsec.audit.services import Context
from medsec.db import migrate
from medsec.db.metadata import metadata
from medsec.inventory import services as inventory
from medsec.inventory.models import Asset, Site
from medsec.inventory.schemas import SiteIn, ZoneIn
from medsec.products import services as products
from medsec.products.models import ProfileVersion
from medsec.service import Instance
from medsec.settings import Settings

POSTGRES_ENV = "MEDSEC_TEST_DATABASE_URL"
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "infusion-pump.yaml"
#: A password the policy accepts (long, not common, no names in it).
GOOD_PASSWORD = "velvet orbit kettle marsh 47"

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


# --------------------------------------------------------------------------- databases


def postgres_server_url() -> str:
    """The PostgreSQL URL from the environment; skip without it (fail under CI)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        reason = f"{POSTGRES_ENV} is not set; PostgreSQL tests need a server"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL must be tested in CI)")
        pytest.skip(reason)
    return url


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def admin_connection(server_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A psycopg connection (autocommit) to the database at the SQLAlchemy URL ``server_url``."""
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        yield connection


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new uniquely named PostgreSQL database (copied from ``template``), dropped after."""
    server = postgres_server_url()
    name = f"medsec_t_{secrets.token_hex(6)}"
    clause = f" TEMPLATE {template}" if template else ""
    with admin_connection(server) as connection:
        connection.execute(f"CREATE DATABASE {name}{clause}".encode())
    try:
        yield _with_database(server, name)
    finally:
        with admin_connection(server) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def template_name(url: str) -> str:
    name = make_url(url).database
    assert name is not None and re.fullmatch(r"medsec_t_[0-9a-f]+", name)
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "medsec.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's database is created from."""
    with postgres_database() as url:
        migrate.upgrade(url)
        yield template_name(url)


@pytest.fixture(scope="module")
def postgres_module_database(postgres_template: str) -> Iterator[str]:
    """One PostgreSQL database per test module (``CREATE DATABASE`` takes a second or two
    here); each test empties it first, see :func:`migrated_database`."""
    with postgres_database(postgres_template) as url:
        yield url


def empty_tables(url: str) -> None:
    """Delete every row of a PostgreSQL database, children first (the schema and the
    migration revision stay). DELETE, not TRUNCATE: on small tables it is far faster."""
    with psycopg.connect(_libpq(url)) as connection, connection.transaction():
        for table in reversed(metadata.sorted_tables):  # names from the models, not input
            connection.execute(f'DELETE FROM "{table.name}"'.encode())  # noqa: S608


@contextmanager
def migrated_database(
    request: pytest.FixtureRequest, kind: str, directory: Path, *, own: bool = False
) -> Iterator[str]:
    """The URL of a migrated database of ``kind`` without rows, for one test: SQLite, a copy
    of the template file; PostgreSQL, the module's database emptied (``own``: a new one)."""
    if kind == "sqlite":
        path = directory / "medsec.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    if own:
        with postgres_database(request.getfixturevalue("postgres_template")) as url:
            yield url
        return
    url = request.getfixturevalue("postgres_module_database")
    empty_tables(url)
    yield url


@contextmanager
def empty_database(kind: str, directory: Path) -> Iterator[str]:
    """The URL of a new database without any table."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'empty.db'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def empty_database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with empty_database(database_kind, tmp_path) as url:
        yield url


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, database_kind: str, tmp_path: Path
) -> Iterator[str]:
    with migrated_database(request, database_kind, tmp_path) as url:
        yield url


# --------------------------------------------------------------------------- instances

#: Fast argon2id parameters: the tests create many users; hashing strength is tested in
#: tests/accounts (passwords), not here.
FAST_HASHER = PasswordHasher(argon2.profiles.CHEAPEST)


def settings_for(data_dir: Path, url: str, **overrides: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=url,
        secret_key=SecretStr("s" * 48),
        base_url="http://testserver",
        cookie_secure=False,
        **overrides,
    )


@contextmanager
def build_instance(data_dir: Path, url: str, **overrides: Any) -> Iterator[Instance]:
    instance = Instance.from_settings(settings_for(data_dir, url, **overrides))
    instance.auth = dataclasses.replace(instance.auth, hasher=FAST_HASHER)
    try:
        yield instance
    finally:
        instance.db.dispose()


@pytest.fixture
def instance(database_url: str, tmp_path: Path) -> Iterator[Instance]:
    with build_instance(tmp_path, database_url) as inst:
        yield inst


@pytest.fixture
def write_locked(instance: Instance) -> Iterator[Callable[[], bool]]:
    """Whether another connection holds a write transaction on the instance's database
    now (SQLite: the one writer's lock, tried with a short timeout; PostgreSQL: a
    transaction of another session that wrote): for "no lock is held while …" tests."""
    engine = create_engine(instance.db.url, poolclass=NullPool)

    def locked() -> bool:
        with engine.connect() as c:
            if c.dialect.name == "sqlite":
                c.exec_driver_sql("PRAGMA busy_timeout = 50")
                try:
                    c.exec_driver_sql("BEGIN IMMEDIATE")
                except OperationalError:
                    return True
                c.exec_driver_sql("ROLLBACK")
                return False
            return bool(
                c.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                ).scalar()
            )

    yield locked
    engine.dispose()


@pytest.fixture
def client(instance: Instance) -> Iterator[TestClient]:
    with TestClient(create_app(instance.settings, instance)) as test_client:
        yield test_client


# --------------------------------------------------------------------------- factories


def profile_text(
    name: str | None = None, version: str | None = None, base: str | None = None
) -> str:
    """The example profile (or ``base``) with another product name and/or version."""
    text = base if base is not None else EXAMPLE.read_text(encoding="utf-8")
    if name is not None:
        text, count = re.subn(r"(?m)^  name: .*$", f"  name: {name}", text, count=1)
        assert count == 1
    if version is not None:
        text, count = re.subn(r'(?m)^  version: ".*"$', f'  version: "{version}"', text, count=1)
        assert count == 1
    return text


class Factory:
    """Builds test data through the services, each call in its own committed transaction."""

    #: The password of every user made by :meth:`user`.
    password = GOOD_PASSWORD

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self._numbers = itertools.count(1)

    def unique(self, stem: str) -> str:
        return f"{stem}-{next(self._numbers)}-{secrets.token_hex(3)}"

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.instance.db.session() as session:
            yield session

    def organization(self, kind: OrganizationKind, name: str | None = None) -> Organization:
        with self.session() as session:
            return services.create_organization(
                session, name or self.unique(kind.value), kind, Context.cli("test")
            )

    def organization_of(self, actor: Actor) -> Organization:
        with self.session() as session:
            org = session.get(Organization, actor.organization_id)
            assert org is not None
            return org

    def user(
        self,
        organization: Organization,
        role: Role = Role.ADMIN,
        *,
        username: str | None = None,
        password: str = GOOD_PASSWORD,
        temporary: bool = False,
    ) -> User:
        with self.session() as session:
            org = session.get(Organization, organization.id)
            assert org is not None
            return services.create_local_user(
                session,
                org,
                services.NewUser(username or self.unique(role.value), role),
                password,
                Context.cli("test"),
                temporary=temporary,
                hasher=self.instance.auth.hasher,
            )

    def actor(self, user: User, *, recent: bool = False) -> Actor:
        with self.session() as session:
            fresh = session.get(User, user.id)
            assert fresh is not None
            actor = actor_for(session, fresh, None, self.instance.auth, Context(ip="192.0.2.1"))
        return dataclasses.replace(actor, recently_authenticated=recent)

    def token(
        self, user: User, scopes: list[str] | None = None, days: int = 30
    ) -> tuple[ApiToken, str]:
        """A bearer token of ``user`` with ``scopes`` (default: every permission of its role)."""
        actor = self.actor(user)
        wanted = (
            scopes if scopes is not None else sorted(str(p) for p in ROLE_PERMISSIONS[actor.role])
        )
        with self.session() as session:
            return tokens.create_token(session, actor, self.unique("token"), wanted, days)

    @staticmethod
    def profile_text(
        name: str | None = None, version: str | None = None, base: str | None = None
    ) -> str:
        return profile_text(name, version, base)

    def upload(
        self,
        actor: Actor,
        *,
        name: str | None = None,
        version: str | None = None,
        text: str | None = None,
        filename: str = "profile.yaml",
    ) -> ProfileVersion:
        content = text if text is not None else profile_text(name, version)
        with self.session() as session:
            return products.upload(session, actor, filename, content.encode())

    def publish(self, actor: Actor, version: ProfileVersion) -> ProfileVersion:
        with self.session() as session:
            return products.publish(
                session, dataclasses.replace(actor, recently_authenticated=True), version.id
            )

    def hold(self, actor: Actor, product_id: int) -> None:
        with self.session() as session:
            products.hold(session, actor, product_id)

    def site(self, actor: Actor, name: str | None = None, zones: tuple[str, ...] = ()) -> Site:
        """A site of the actor's organization with zones of these names."""
        with self.session() as session:
            site = inventory.create_site(session, actor, SiteIn(name=name or self.unique("site")))
            for zone in zones:
                inventory.add_zone(session, actor, site.id, ZoneIn(name=zone))
            session.refresh(site)
            _ = site.zones
            return site

    def asset(self, actor: Actor, site_id: int, serial: str | None = None, **values: Any) -> Asset:
        with self.session() as session:
            fields = {"vendor": "Northwind", "model": "LVP-3000", **values}
            fields["serial"] = serial or self.unique("SN")
            return inventory.create_asset(session, actor, site_id, None, fields)


@pytest.fixture
def make(instance: Instance) -> Factory:
    return Factory(instance)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def auth_header() -> Any:
    """``auth_header(token_value)`` → the Authorization header."""
    return bearer


# --------------------------------------------------------------------------- per module
# For tests that share one world of organizations and objects and only read it (or
# whose writes touch objects made for them alone). A module's own database, so the
# per-test fixtures above never empty it.


@pytest.fixture(scope="module", params=DATABASES)
def module_database_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture(scope="module")
def module_instance(
    request: pytest.FixtureRequest,
    module_database_kind: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Instance]:
    directory = tmp_path_factory.mktemp("module")
    with (
        migrated_database(request, module_database_kind, directory, own=True) as url,
        build_instance(directory, url) as inst,
    ):
        yield inst


@pytest.fixture(scope="module")
def module_make(module_instance: Instance) -> Factory:
    return Factory(module_instance)
