"""Actions after a commit (medsec.db.on_commit): run once the transaction commits, in
order; dropped when it rolls back, or the savepoint they were given in does."""

from __future__ import annotations

import doctest

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from medsec.db import on_commit as module
from medsec.db.on_commit import on_commit


def test_the_docstring_example_runs() -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


def test_actions_run_in_order_after_the_commit_except_those_of_a_rolled_back_savepoint() -> None:
    done: list[str] = []
    with Session(create_engine("sqlite://")) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        on_commit(session, lambda: done.append("first"))
        with session.begin_nested():
            on_commit(session, lambda: done.append("released"))
        nested = session.begin_nested()
        on_commit(session, lambda: done.append("rolled back"))
        nested.rollback()  # a savepoint: the transaction goes on
        assert done == []
        session.commit()
        assert done == ["first", "released"]
        session.commit()  # a later commit runs nothing again
    assert done == ["first", "released"]


def test_a_released_savepoint_s_actions_go_with_the_transaction_that_rolls_back() -> None:
    done: list[str] = []
    with Session(create_engine("sqlite://")) as session:
        with session.begin_nested():
            on_commit(session, lambda: done.append("released"))
        session.rollback()
        session.commit()
    assert done == []
