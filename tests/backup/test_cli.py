"""``medsec backup create|restore|verify`` from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from medsec.accounts.models import Organization
from medsec.backup.encryption import BackupError
from medsec.cli.backup import app
from medsec.service import Instance

InstanceFactory = Callable[..., Instance]
Populate = Callable[[Instance], Any]
PASSPHRASE = "a passphrase long enough for tests"


def _use(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(instance.settings.data_dir))
    monkeypatch.delenv("MEDSEC_DATABASE_URL", raising=False)
    monkeypatch.delenv("MEDSEC_SECRET_KEY", raising=False)


def test_create_and_restore_with_a_passphrase(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    source = make_instance("source")
    populate(source)
    out = tmp_path / "nightly.age"
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    _use(source, monkeypatch)
    created = CliRunner().invoke(
        app, ["create", "--out", str(out), "--passphrase-env", "BACKUP_PASSPHRASE",
              "--format", "json"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    summary = json.loads(created.stdout)
    assert summary["file"] == str(out)
    assert summary["tables"]["users"] == 1
    assert PASSPHRASE not in created.output

    verified = CliRunner().invoke(
        app, ["verify", str(out), "--passphrase-env", "BACKUP_PASSPHRASE"]
    )
    assert verified.exit_code == 0, verified.output
    assert "intact" in verified.stdout

    target = make_instance("target")
    _use(target, monkeypatch)
    restored = CliRunner().invoke(
        app, ["restore", str(out), "--passphrase-env", "BACKUP_PASSPHRASE"]
    )
    assert restored.exit_code == 0, restored.output
    assert "events verified" in restored.stdout
    with target.db.session() as session:
        assert session.execute(select(Organization.name)).scalars().all() == ["Hôpital Saint-Éloi"]


def test_create_with_a_recipient_and_restore_with_an_identity_file(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    _use(source, monkeypatch)
    created = CliRunner().invoke(
        app, ["create", "--out", str(out), "--recipient", str(identity.to_public())]
    )
    assert created.exit_code == 0, created.output
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(f"# created: today\n# public key: {identity.to_public()}\n{identity}\n")
    target = make_instance("target")
    _use(target, monkeypatch)
    restored = CliRunner().invoke(app, ["restore", str(out), "--identity", str(keyfile)])
    assert restored.exit_code == 0, restored.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["create", "--out", "x.age"], {}, "exactly one of --passphrase-env VAR and --recipient"),
        (["create", "--out", "x.age", "--passphrase-env", "NOPE"], {},
         "the environment variable NOPE is not set"),
        (["create", "--out", "x.age", "--passphrase-env", "P", "--recipient", "age1x"],
         {"P": PASSPHRASE}, "exactly one of"),
        (["create", "--out", "x.age", "--recipient", "age1notakey"], {},
         "not a valid public key"),
        (["create", "--out", "x.age", "--recipient", "AGE-SECRET-KEY-1ABC"], {},
         "not an age or SSH public key"),
        (["restore", "x.age"], {}, "exactly one of --identity FILE and --passphrase-env VAR"),
        (["restore", "missing.age", "--passphrase-env", "P"], {"P": PASSPHRASE},
         "cannot read missing.age"),
        (["restore", "x.age", "--identity", "nokey.txt"], {}, "cannot read the identity file"),
    ],
)  # fmt: skip
def test_usage_errors_are_explained(
    make_instance: InstanceFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    args: list[str], env: dict[str, str], message: str,
) -> None:  # fmt: skip
    instance = make_instance("one")
    _use(instance, monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NOPE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, BackupError), result.output
    assert message in result.exception.message
    assert not (tmp_path / "x.age").exists()


def test_identity_file_with_a_bad_line_names_the_line(tmp_path: Path) -> None:
    from medsec.backup.encryption import load_identities

    keyfile = tmp_path / "key.txt"
    keyfile.write_text("# comment\nAGE-SECRET-KEY-1NOTVALID\n")
    with pytest.raises(BackupError, match=r"key.txt:2: expected an age secret key"):
        load_identities(keyfile)
