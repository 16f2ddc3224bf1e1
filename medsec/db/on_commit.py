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


def _committed(session: Session) -> None:
    for action in session.info.pop(_KEY, []):
        action()


def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the transaction, not a savepoint within it
        session.info.pop(_KEY, None)


def on_commit(session: Session, action: Callable[[], Any]) -> None:
    """Run ``action`` after the session's current transaction commits (in order, once);
    forget it when the transaction rolls back. An exception of ``action`` propagates
    from ``commit()``, after the commit: actions handle their own failures."""
    if not event.contains(session, "after_commit", _committed):
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_soft_rollback", _rolled_back)
    session.info.setdefault(_KEY, []).append(action)
