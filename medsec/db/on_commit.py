"""Actions that must follow a transaction's commit: writing files that describe committed
rows (a CSAF provider's documents), never before the rows are there.

>>> from sqlalchemy import create_engine
>>> from sqlalchemy.orm import Session
>>> done = []
>>> with Session(create_engine("sqlite://")) as session:
...     on_commit(session, lambda: done.append("written"))
...     session.rollback()  # dropped with the transaction
...     on_commit(session, lambda: done.append("written again"))
...     session.commit()
>>> done
['written again']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "medsec.on_commit"


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    for _transaction, action in session.info.pop(_KEY, []):
        action()


def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    """Forget the actions of the transaction rolled back, a savepoint's included (and
    those of savepoints released into it)."""
    pending = session.info.get(_KEY, [])
    session.info[_KEY] = [(t, a) for t, a in pending if not _within(t, previous)]


def on_commit(session: Session, action: Callable[[], Any]) -> None:
    """Run ``action`` after the session's transaction commits (in order, once); forget it
    when the transaction — or the savepoint it was given in — rolls back. An exception of
    ``action`` propagates from ``commit()``, after the commit: actions handle their own
    failures."""
    session.connection()  # the transaction exists, so that its rollback is seen
    if not event.contains(session, "after_commit", _committed):
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_soft_rollback", _rolled_back)
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_KEY, []).append((transaction, action))
