"""``medsec feeds`` as an operator runs it (fetching over HTTP is the e2e journey's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medsec.cli.main import app as cli
from medsec.errors import Error
from medsec.settings import Settings

from .conftest import World

URL = "http://127.0.0.1:9/public/feeds/northwind/index.json"


@pytest.fixture
def cli_env(world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI pointed at the test's instance; the hospital's name for --organization."""
    settings: Settings = world.instance.settings
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MEDSEC_DATABASE_URL", world.instance.db.url)
    monkeypatch.setenv("MEDSEC_SECRET_KEY", "s" * 48)
    with world.make.session() as session:
        from medsec.accounts.models import Organization

        org = session.get(Organization, world.analyst.organization_id)
        assert org is not None
        return org.name


def test_subscribe_list_and_a_failing_fetch(world: World, cli_env: str, tmp_path: Path) -> None:
    key = tmp_path / "key.asc"
    key.write_text(world.key)
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            "feeds",
            "subscribe",
            URL,
            "--key",
            str(key),
            "--organization",
            cli_env,
            "--format",
            "json",
        ],
    )
    assert added.exit_code == 0, added.output
    subscription = json.loads(added.stdout)
    assert subscription["url"] == URL and len(subscription["fingerprint"]) == 40

    fetched = runner.invoke(cli, ["feeds", "fetch", "--organization", cli_env])
    assert fetched.exit_code == 1, "an unreachable feed is a failure"
    assert "failed" in fetched.stdout
    assert "127.0.0.1:9" in fetched.stderr

    listed = runner.invoke(cli, ["feeds", "list", "--organization", cli_env, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)
    assert (row["id"], row["last_status"], row["stored"]) == (subscription["id"], "failed", 0)


@pytest.mark.parametrize(
    ("key_text", "message"),
    [
        ("not a key", "not an OpenPGP public key"),
        ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n", "secret key"),
    ],
)
def test_subscribe_refuses_what_is_not_a_public_key(
    world: World, cli_env: str, tmp_path: Path, key_text: str, message: str
) -> None:
    key = tmp_path / "key.asc"
    key.write_text(key_text)
    result = CliRunner().invoke(
        cli, ["feeds", "subscribe", URL, "--key", str(key), "--organization", cli_env]
    )
    assert isinstance(result.exception, Error), result.output  # main() prints it, exits 1
    assert message in result.exception.diagnostics()


def test_a_missing_key_file_is_named(world: World, cli_env: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["feeds", "subscribe", URL, "--key", str(tmp_path / "nope.asc"), "--organization", cli_env],
    )
    assert isinstance(result.exception, Error), result.output
    assert "nope.asc" in result.exception.diagnostics()
