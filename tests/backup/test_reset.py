"""``medsec reset --wipe-secrets``: every secret is gone, nothing else is, the audit log
says so, and a new setup link is printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from medsec.accounts import authentication, tokens
from medsec.accounts.models import (
    ApiToken,
    InstanceSetting,
    LoginSession,
    RateLimitHit,
    RecoveryCode,
    SetupToken,
    User,
)
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context, verify
from medsec.audit.tags import Tag
from medsec.cli import worker as worker_cli
from medsec.errors import Error
from medsec.instance_reset import SETUP_REQUIRED_KEY, wipe_secrets
from medsec.service import Instance

InstanceFactory = Callable[..., Instance]
Populate = Callable[[Instance], Any]


def _count(instance: Instance, model: type[Any]) -> int:
    with instance.db.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_wipe_secrets(make_instance: InstanceFactory, populate: Populate) -> None:
    instance = make_instance("one")
    population = populate(instance)
    data_dir = instance.settings.data_dir
    old_secret = (data_dir / "secret_key").read_bytes()
    events_before = _count(instance, AuditEvent)

    report = wipe_secrets(instance, Context.cli())

    assert report.wiped == {
        "api_tokens": 1, "sessions": 1, "recovery_codes": 10, "mfa_secrets": 1,
        "setup_tokens": 0, "rate_limit_hits": 1,
    }  # fmt: skip
    # Keys: the old instance secret and the key files are gone; a new secret exists.
    assert not (data_dir / "keys" / "signing.key").exists()
    assert (data_dir / "secret_key").read_bytes() != old_secret
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    # Credentials are dead.
    with instance.db.session() as session:
        assert tokens.resolve_token(session, population.api_token) is None
        assert authentication.resolve_session(
            session, instance.auth, population.session_token
        ) is None  # fmt: skip
        user = session.execute(select(User).where(User.username == "alice")).scalar_one()
        assert (user.mfa_secret, user.mfa_enabled_at, user.mfa_last_step) == (None, None, None)
        # Nothing else changed: the user is active and keeps the password.
        assert user.active
        assert user.password_hash is not None
    for model in (ApiToken, LoginSession, RecoveryCode, RateLimitHit):
        assert _count(instance, model) == 0, model.__name__
    # One setup token: the new one, for a post-reset setup.
    with instance.db.session() as session:
        setup = session.execute(select(SetupToken)).scalar_one()
        assert setup.token_hash == authentication.token_hash(report.setup_token)
        flag = session.execute(
            select(InstanceSetting).where(InstanceSetting.key == SETUP_REQUIRED_KEY)
        ).scalar_one()
        assert flag.value is True
        # The audit log is kept, says what was wiped, and still verifies.
        events = session.execute(
            select(AuditEvent).where(AuditEvent.seq > events_before).order_by(AuditEvent.seq)
        ).scalars().all()  # fmt: skip
        assert [e.tag for e in events] == [Tag.INSTANCE_RESET, Tag.SETUP_LINK_ISSUED]
        assert events[0].actor == "cli"
        assert events[0].details["key_files"] == ["secret_key", "keys/signing.key"]
        assert verify(session).ok


def test_reset_command_prints_a_setup_link(
    make_instance: InstanceFactory, populate: Populate, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = make_instance("one")
    populate(instance)
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(instance.settings.data_dir))
    monkeypatch.setenv("MEDSEC_BASE_URL", "https://medsec.test")
    monkeypatch.delenv("MEDSEC_DATABASE_URL", raising=False)
    app = typer.Typer()
    app.command("reset")(worker_cli.reset_command)
    app.command("other")(lambda: None)  # keep `reset` a named sub-command

    result = CliRunner().invoke(app, ["reset", "--wipe-secrets", "--yes"])

    assert result.exit_code == 0, result.output
    link = next(line.strip() for line in result.output.splitlines() if "/setup?token=" in line)
    token = link.split("token=", 1)[1]
    assert link.startswith("https://medsec.test/setup?token=")
    with instance.db.session() as session:
        assert session.execute(select(SetupToken.token_hash)).scalar_one() == (
            authentication.token_hash(token)
        )


def test_reset_command_wants_confirmation(
    make_instance: InstanceFactory, populate: Populate, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = make_instance("one")
    populate(instance)
    monkeypatch.setenv("MEDSEC_DATA_DIR", str(instance.settings.data_dir))
    monkeypatch.delenv("MEDSEC_DATABASE_URL", raising=False)
    app = typer.Typer()
    app.command("reset")(worker_cli.reset_command)
    app.command("other")(lambda: None)

    result = CliRunner().invoke(app, ["reset", "--wipe-secrets"])  # stdin is not a terminal

    assert isinstance(result.exception, Error)
    assert result.exception.hint == "add --yes"
    assert _count(instance, ApiToken) == 1
    assert (instance.settings.data_dir / "keys" / "signing.key").exists()
