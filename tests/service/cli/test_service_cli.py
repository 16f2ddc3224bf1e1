"""The service's commands as an operator runs them: ``medsec serve`` on an empty data
directory, ``medsec admin`` (passwords only from stdin or the environment, never argv),
``medsec db``, and ``medsec demo --seed-only``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from medsec.accounts import authentication, tokens
from medsec.accounts.authentication import SessionState
from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.services import Context
from medsec.cli.main import app as cli
from medsec.demo import DEMO_USERS
from medsec.errors import Error
from medsec.service import Instance

MEDSEC = Path(sys.executable).parent / "medsec"
GOOD_PASSWORD = "velvet orbit kettle marsh 47"


def medsec(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the installed ``medsec`` command."""
    return subprocess.run(
        [str(MEDSEC), *args],
        input=stdin,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(instance: Instance) -> dict[str, str]:
    """MEDSEC_* variables that point the CLI at the test's instance."""
    return {
        "MEDSEC_DATA_DIR": str(instance.settings.data_dir),
        "MEDSEC_DATABASE_URL": instance.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
        "MEDSEC_BASE_URL": "https://medsec.example.org",
    }


@pytest.fixture
def cli_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MEDSEC_NEW_PASSWORD", raising=False)
    return env


# --------------------------------------------------------------------------- serve


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``medsec serve`` on an empty data directory: (base URL, its output file)."""
    port = free_port()
    output = tmp_path / "serve.out"
    data = tmp_path / "data"
    environment = {
        **os.environ,
        "MEDSEC_DATA_DIR": str(data),
        "MEDSEC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    for name in ("MEDSEC_DATABASE_URL", "MEDSEC_SECRET_KEY"):
        environment.pop(name, None)
    with output.open("w") as out:
        process = subprocess.Popen(
            [str(MEDSEC), "serve", "--port", str(port)],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        # Waiting for start-up (migrations, imports), not a timed assertion.
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"medsec serve exited:\n{output.read_text()}"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"no answer on {base}:\n{output.read_text()}"
            time.sleep(0.2)
        yield base, output
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_starts_on_an_empty_data_directory(served: tuple[str, Path], tmp_path: Path) -> None:
    base, output = served
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{base}/readyz").status_code == 200, "serve migrates first"
    text = output.read_text()
    links = re.findall(rf"{re.escape(base)}/setup\?token=[A-Za-z0-9_-]{{43,}}", text)
    assert len(links) == 1, text
    assert (tmp_path / "data" / "medsec.db").exists()
    secret = tmp_path / "data" / "secret_key"
    assert secret.stat().st_mode & 0o077 == 0, "the generated secret is private"
    assert secret.read_text().strip() not in text, "the secret is never printed"


# --------------------------------------------------------------------------- admin


def test_create_user_reads_the_password_from_stdin(
    instance: Instance, cli_env: dict[str, str]
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "admin",
            "create-user",
            "--username",
            "ops",
            "--organization",
            "Ops Clinic",
            "--kind",
            "healthcare-provider",
            "--role",
            "auditor",
        ],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created ops (auditor) in Ops Clinic" in result.output
    assert GOOD_PASSWORD not in result.output
    with instance.db.session() as session:
        login = authentication.login(
            session, instance.auth, "ops", GOOD_PASSWORD, Context(ip="::1")
        )
        assert (
            authentication.session_state(session, login.user, login.login_session)
            is SessionState.OK
        )


def test_create_user_reads_the_password_from_the_environment(
    instance: Instance, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDSEC_NEW_PASSWORD", GOOD_PASSWORD)
    result = CliRunner().invoke(
        cli,
        [
            "admin",
            "create-user",
            "--username",
            "ops2",
            "--organization",
            "Ops",
            "--kind",
            "manufacturer",
            "--temporary",
        ],
    )
    assert result.exit_code == 0, result.output
    with instance.db.session() as session:
        login = authentication.login(
            session, instance.auth, "ops2", GOOD_PASSWORD, Context(ip="::1")
        )
        state = authentication.session_state(session, login.user, login.login_session)
    assert state is SessionState.CHANGE_PASSWORD


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("", "no password given"), ("\n", "no password given"), ("admin\n", "at least 12")],
)
def test_create_user_refuses_an_empty_or_weak_password(
    instance: Instance, cli_env: dict[str, str], stdin: str, message: str
) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "admin",
            "create-user",
            "--username",
            "ops",
            "--organization",
            "Ops",
            "--kind",
            "manufacturer",
        ],
        input=stdin,
    )
    assert isinstance(result.exception, Error), result.output
    assert message in result.exception.diagnostics()
    with instance.db.session() as session:
        assert authentication.instance_is_empty(session)


def test_the_installed_command_reports_a_missing_password_without_a_traceback(
    tmp_path: Path,
) -> None:
    done = medsec(
        "admin",
        "create-user",
        "--username",
        "ops",
        "--organization",
        "Ops",
        "--kind",
        "manufacturer",
        env={"MEDSEC_DATA_DIR": str(tmp_path)},
        stdin="",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "error: no password given" in done.stderr
    assert "Traceback" not in done.stderr


def test_create_user_has_no_password_option(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "admin",
            "create-user",
            "--username",
            "ops",
            "--organization",
            "Ops",
            "--kind",
            "manufacturer",
            "--password",
            GOOD_PASSWORD,
        ],
        input=GOOD_PASSWORD,
    )
    assert result.exit_code == 2
    assert "No such option" in result.stderr
    help_text = CliRunner().invoke(cli, ["admin", "create-user", "--help"]).output
    assert "--password" not in help_text and "MEDSEC_NEW_PASSWORD" in help_text


def test_setup_link_only_while_the_instance_is_empty(
    instance: Instance, cli_env: dict[str, str], make: Any
) -> None:
    result = CliRunner().invoke(cli, ["admin", "setup-link"])
    assert result.exit_code == 0
    assert re.fullmatch(
        r"https://medsec\.example\.org/setup\?token=[A-Za-z0-9_-]{43,}\n", result.stdout
    )
    make.user(make.organization(OrganizationKind.MANUFACTURER))
    refused = CliRunner().invoke(cli, ["admin", "setup-link"])
    assert isinstance(refused.exception, Error)
    assert "already has users" in refused.exception.message


def test_create_token_prints_the_token_once(
    instance: Instance, cli_env: dict[str, str], make: Any
) -> None:
    make.user(make.organization(OrganizationKind.MANUFACTURER), Role.AUDITOR, username="bot")
    result = CliRunner().invoke(
        cli,
        [
            "admin",
            "create-token",
            "--username",
            "bot",
            "--name",
            "siem",
            "--scope",
            "audit:read",
            "--days",
            "7",
        ],
    )
    assert result.exit_code == 0, result.output
    value = result.stdout.strip()
    with instance.db.session() as session:
        found = tokens.resolve_token(session, value)
        assert found is not None and found[1].scopes == ["audit:read"]


# --------------------------------------------------------------------------- db


def test_db_current_tells_whether_migrations_are_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDSEC_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    before = CliRunner().invoke(cli, ["db", "current"])
    assert before.exit_code == 1 and "current: none" in before.stdout
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    after = CliRunner().invoke(cli, ["db", "current"])
    assert after.exit_code == 0, after.output


# --------------------------------------------------------------------------- demo


def demo_logins(output: str) -> dict[str, str]:
    """username → one-time password, from the demo's printed table."""
    names = {username for _, username, _ in DEMO_USERS}
    return {
        w[0]: w[1] for w in (line.split() for line in output.splitlines()) if w and w[0] in names
    }


def test_demo_seed_only_prints_six_logins(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--seed-only", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    logins = demo_logins(result.stdout)
    assert len(logins) == 6 and set(logins) == {u for _, u, _ in DEMO_USERS}
    assert re.search(r"^.*http://127\.0\.0\.1:\d+/.*$", result.stdout, flags=re.M)
    assert len(set(logins.values())) == 6, "every demo password is different"

    again = CliRunner().invoke(cli, ["demo", "--seed-only", "--data-dir", str(tmp_path / "d2")])
    assert again.exit_code == 0
    assert not set(logins.values()) & set(demo_logins(again.stdout).values()), "random per demo"

    refused = CliRunner().invoke(cli, ["demo", "--seed-only", "--data-dir", str(data)])
    assert isinstance(refused.exception, Error)
    assert "already holds an instance" in refused.exception.message


def test_demo_passwords_are_one_time(tmp_path: Path) -> None:
    from medsec.settings import Settings

    data = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--seed-only", "--data-dir", str(data)])
    logins = demo_logins(result.stdout)
    instance = Instance.from_settings(Settings(data_dir=data, database_url=None))
    try:
        with instance.db.session() as session:
            login = authentication.login(
                session, instance.auth, "auditor", logins["auditor"], Context(ip="::1")
            )
            state = authentication.session_state(session, login.user, login.login_session)
    finally:
        instance.db.dispose()
    assert state is SessionState.CHANGE_PASSWORD


def test_the_demo_hospital_can_query_its_fleet_of_mds2s(tmp_path: Path) -> None:
    from medsec.accounts.models import User
    from medsec.mds2 import fleet
    from medsec.mds2 import services as mds2
    from medsec.settings import Settings

    data = tmp_path / "demo"
    assert CliRunner().invoke(cli, ["demo", "--seed-only", "--data-dir", str(data)]).exit_code == 0
    instance = Instance.from_settings(Settings(data_dir=data, database_url=None))
    try:
        with instance.db.session() as session:
            analyst = session.execute(select(User).where(User.username == "analyst")).scalar_one()
            actor = authentication.actor_for(session, analyst, None, instance.auth, Context())
            subjects = mds2.subjects(session, actor)
            result = mds2.fleet(session, actor, fleet.preset("remote-service"))
    finally:
        instance.db.dispose()
    kinds = [s.kind for s in subjects]
    assert (kinds.count("asset"), kinds.count("version"), kinds.count("document")) == (8, 3, 1)
    # the CT scanner and the PACS server permit remote service: as products and as devices
    assert sorted(m.subject.kind for m in result.matches) == [
        "asset",
        "asset",
        "version",
        "version",
    ]
