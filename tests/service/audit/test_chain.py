"""The audit log is a hash chain: any change to a stored row — altered, removed from the
middle or the end, or forged in — makes ``medsec audit verify`` fail and name the row.

Tampering happens the way an attacker with database access would do it: plain SQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from medsec.audit import services
from medsec.audit.models import AuditEvent
from medsec.audit.services import GENESIS, Context, record, row_hash
from medsec.audit.tags import Outcome, Tag
from medsec.cli.main import app as cli
from medsec.service import Instance

EVENTS = 6  # rows 1…6


@pytest.fixture
def chain(instance: Instance) -> Instance:
    """An instance with six audit events of different shapes."""
    with instance.db.session() as session:
        for n in range(1, EVENTS + 1):
            record(
                session,
                Tag.SETTINGS_CHANGED if n % 2 else Tag.LOGIN_FAILED,
                Context(
                    actor_id=n,
                    actor=f"user-{n}",
                    organization_id=1,
                    ip="192.0.2.50",
                    user_agent="pytest",
                ),
                outcome=Outcome.SUCCESS if n % 3 else Outcome.FAILURE,
                target=f"user:{n}",
                details={"n": n, "note": "é and ü", "list": [1, 2]},
            )
    return instance


@pytest.fixture
def cli_env(chain: Instance, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment under which the CLI opens the test's instance."""
    env = {
        "MEDSEC_DATA_DIR": str(chain.settings.data_dir),
        "MEDSEC_DATABASE_URL": chain.db.url,
        "MEDSEC_SECRET_KEY": "s" * 48,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def verify_cli(*args: str) -> Any:
    return CliRunner().invoke(cli, ["audit", "verify", *args])


def tamper(instance: Instance, sql: str, **params: Any) -> None:
    with instance.db.engine.begin() as connection:
        result = connection.execute(text(sql), params)
        assert result.rowcount == 1, f"{sql} changed {result.rowcount} rows"


def test_an_intact_chain_verifies(chain: Instance, cli_env: dict[str, str]) -> None:
    with chain.db.session() as session:
        report = services.verify(session)
    assert (report.ok, report.checked) == (True, EVENTS)
    result = verify_cli()
    assert result.exit_code == 0, result.output
    assert f"audit log intact: {EVENTS} events verified" in result.output


def test_an_empty_chain_verifies(instance: Instance) -> None:
    with instance.db.session() as session:
        assert services.verify(session).ok


#: (what the attacker changes in row 3, the SQL). Row 3 is in the middle of the chain.
ALTERATIONS = [
    ("tag", "UPDATE audit_events SET tag = 'accounts:login:succeeded' WHERE seq = 3"),
    ("outcome", "UPDATE audit_events SET outcome = 'success' WHERE seq = 3"),
    ("actor", "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3"),
    ("actor_id", "UPDATE audit_events SET actor_id = 99 WHERE seq = 3"),
    ("organization", "UPDATE audit_events SET organization_id = 2 WHERE seq = 3"),
    ("target", "UPDATE audit_events SET target = NULL WHERE seq = 3"),
    ("ip", "UPDATE audit_events SET ip = '10.0.0.1' WHERE seq = 3"),
    ("user agent", "UPDATE audit_events SET user_agent = 'curl' WHERE seq = 3"),
    ("details", """UPDATE audit_events SET details = '{"n": 4}' WHERE seq = 3"""),
    ("time", "UPDATE audit_events SET at = :at WHERE seq = 3"),
    ("hash", "UPDATE audit_events SET hash = :fake WHERE seq = 3"),
    ("prev_hash", "UPDATE audit_events SET prev_hash = :fake WHERE seq = 3"),
]


@pytest.mark.parametrize("sql", [sql for _, sql in ALTERATIONS], ids=[n for n, _ in ALTERATIONS])
def test_an_altered_row_is_named(chain: Instance, cli_env: dict[str, str], sql: str) -> None:
    import datetime as dt

    tamper(chain, sql, at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), fake="f" * 64)
    with chain.db.session() as session:
        report = services.verify(session)
    assert report.first_bad_seq == 3, report
    result = verify_cli()
    assert result.exit_code == 1
    assert "row 3" in result.output


def test_a_row_altered_with_a_recomputed_hash_breaks_the_next_link(chain: Instance) -> None:
    """Recomputing row 3's own hash after the change does not help: row 4 points at the old one."""
    with chain.db.session() as session:
        event = session.get(AuditEvent, 3)
        assert event is not None
        event.actor = "someone-else"
        event.hash = row_hash(event)
    with chain.db.session() as session:
        report = services.verify(session)
    assert report.first_bad_seq == 4 and "row 4 does not follow row 3" in (report.problem or "")


def test_a_removed_middle_row_is_named(chain: Instance, cli_env: dict[str, str]) -> None:
    tamper(chain, "DELETE FROM audit_events WHERE seq = 3")
    result = verify_cli("--format", "json")
    assert result.exit_code == 1
    verdict = json.loads(result.stdout)
    assert (verdict["ok"], verdict["first_bad_row"]) == (False, 4)
    assert "row 3 is missing" in verdict["problem"]


def test_a_removed_last_row_is_named(chain: Instance, cli_env: dict[str, str]) -> None:
    tamper(chain, "DELETE FROM audit_events WHERE seq = :seq", seq=EVENTS)
    result = verify_cli()
    assert result.exit_code == 1
    assert f"row {EVENTS}" in result.output and "removed" in result.output


def test_removing_the_last_row_and_the_head_is_noticed(chain: Instance) -> None:
    tamper(chain, "DELETE FROM audit_events WHERE seq = :seq", seq=EVENTS)
    tamper(chain, "DELETE FROM audit_head WHERE id = 1")
    with chain.db.session() as session:
        report = services.verify(session)
    assert not report.ok and "head is missing" in (report.problem or "")


def test_a_replaced_last_row_is_named(chain: Instance) -> None:
    with chain.db.session() as session:
        previous = session.get(AuditEvent, EVENTS - 1)
        assert previous is not None
        prev_hash = previous.hash
    tamper(chain, "DELETE FROM audit_events WHERE seq = :seq", seq=EVENTS)
    with chain.db.engine.begin() as connection:
        forge(connection, EVENTS, prev_hash, recompute=True)
    with chain.db.session() as session:
        report = services.verify(session)
    assert report.first_bad_seq == EVENTS and "replaced" in (report.problem or "")


def forge(connection: Connection, seq: int, prev_hash: str, *, recompute: bool) -> None:
    import datetime as dt

    event = AuditEvent(
        seq=seq,
        at=dt.datetime.now(dt.UTC),
        tag=str(Tag.LOGIN_SUCCEEDED),
        outcome="success",
        actor_id=1,
        actor="intruder",
        organization_id=1,
        target="user:intruder",
        ip=None,
        user_agent=None,
        details={},
        prev_hash=prev_hash,
    )
    event.hash = row_hash(event) if recompute else "0" * 64
    values = {c.name: getattr(event, c.key) for c in AuditEvent.__table__.columns}
    connection.execute(AuditEvent.__table__.insert().values(**values))


@pytest.mark.parametrize("recompute", [True, False], ids=["well-forged", "crude"])
def test_a_forged_row_at_the_end_is_named(
    chain: Instance, cli_env: dict[str, str], recompute: bool
) -> None:
    with chain.db.session() as session:
        last = session.get(AuditEvent, EVENTS)
        assert last is not None
        last_hash = last.hash
    with chain.db.engine.begin() as connection:
        forge(connection, EVENTS + 1, last_hash, recompute=recompute)
    with chain.db.session() as session:
        report = services.verify(session)
    assert report.first_bad_seq == EVENTS + 1, report
    result = verify_cli()
    assert result.exit_code == 1
    assert f"row {EVENTS + 1}" in result.output


def test_a_forged_row_at_the_start_of_an_empty_log_is_named(instance: Instance) -> None:
    with instance.db.session() as session:
        record(session, Tag.SETTINGS_CHANGED, Context.cli())
    with instance.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
        forge(connection, 1, GENESIS, recompute=True)
    with instance.db.session() as session:
        report = services.verify(session)
    assert not report.ok


def test_the_installed_command_exits_non_zero_on_a_broken_chain(
    chain: Instance, cli_env: dict[str, str]
) -> None:
    tamper(chain, "UPDATE audit_events SET actor = 'x' WHERE seq = 2")
    medsec = Path(sys.executable).parent / "medsec"
    done = subprocess.run(
        [str(medsec), "audit", "verify"],
        env={**os.environ, **cli_env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "row 2" in done.stderr and "Traceback" not in done.stderr


THREADS = 20


@pytest.mark.parametrize("warm", [False, True], ids=["first-events", "existing-chain"])
def test_concurrent_writers_keep_one_contiguous_chain(instance: Instance, warm: bool) -> None:
    """20 threads append at once (each in its own transaction); nothing is lost and the
    chain has no gap or fork. ``first-events`` races on the very first event too."""
    if warm:
        with instance.db.session() as session:
            record(session, Tag.SETTINGS_CHANGED, Context.cli("warm-up"))
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait(timeout=60)
                with instance.db.session() as session:
                    record(session, Tag.LOGIN_SUCCEEDED, Context(actor=f"thread-{n}"))
            except BaseException as e:  # collected and reported below
                errors.append(e)

        return run

    threads = [threading.Thread(target=writer(n)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with instance.db.session() as session:
        report = services.verify(session)
        rows = session.query(AuditEvent).order_by(AuditEvent.seq).all()
    expected = THREADS + (1 if warm else 0)
    assert (report.ok, report.checked) == (True, expected), report
    assert [r.seq for r in rows] == list(range(1, expected + 1))
    assert {r.actor for r in rows} >= {f"thread-{n}" for n in range(THREADS)}


def test_export_writes_every_event_oldest_first(chain: Instance, cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["audit", "export"])
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, EVENTS + 1))
    assert events[0]["details"]["note"] == "é and ü"
