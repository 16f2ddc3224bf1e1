"""Queue notifications for the members of an organization who hold a permission; deliver
them (the worker); list one's own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.models import User
from medsec.accounts.roles import ROLE_PERMISSIONS, Permission, Role
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.notifications.models import Notification


def recipients(session: Session, organization_id: int, permission: Permission) -> list[User]:
    """Active (not disabled, not deleted) users of the organization whose role holds it."""
    roles = [r.value for r in Role if permission in ROLE_PERMISSIONS[r]]
    return list(
        session.execute(
            select(User)
            .where(
                User.organization_id == organization_id,
                User.role.in_(roles),
                User.disabled_at.is_(None),
                User.deleted_at.is_(None),
            )
            .order_by(User.id)
        ).scalars()
    )


def notify_users(
    session: Session, users: Sequence[User], topic: str, target: str, subject: str,
    body: str | None = None,
) -> list[Notification]:  # fmt: skip
    rows = [
        Notification(
            organization_id=user.organization_id,
            user_id=user.id,
            topic=topic,
            target=target,
            subject=subject[:300],
            body=body,
        )
        for user in users
    ]
    session.add_all(rows)
    session.flush()
    return rows


def notify(
    session: Session, organization_id: int, permission: Permission, topic: str, target: str,
    subject: str, body: str | None = None, *, skip_user: int | None = None,
) -> list[Notification]:  # fmt: skip
    """One pending notification per recipient (the author of the change excepted)."""
    users = [u for u in recipients(session, organization_id, permission) if u.id != skip_user]
    return notify_users(session, users, topic, target, subject, body)


def deliver_pending(session: Session, *, limit: int = 500) -> list[Notification]:
    """Mark pending notifications delivered, each with an audit event (the worker's job)."""
    rows = list(
        session.execute(
            select(Notification)
            .where(Notification.delivered_at.is_(None))
            .order_by(Notification.id)
            .limit(limit)
        ).scalars()
    )
    context = Context(actor="worker", ip="local")
    for row in rows:
        row.delivered_at = utcnow()
        record(
            session,
            Tag.NOTIFICATION_DELIVERED,
            context,
            target=row.target,
            organization_id=row.organization_id,
            details={"topic": row.topic, "user_id": row.user_id, "channel": "in-app"},
        )
    session.flush()
    return rows


def mine(session: Session, actor: Actor, *, limit: int = 100) -> Sequence[Notification]:
    """The actor's delivered notifications, newest first."""
    return (
        session.execute(
            select(Notification)
            .where(Notification.user_id == actor.user_id, Notification.delivered_at.is_not(None))
            .order_by(Notification.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
