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
from medsec.errors import Conflict, NotFound
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


def deliver_pending(
    session: Session, *, email: bool = False, limit: int = 500
) -> list[Notification]:
    """Mark pending notifications delivered, each with an audit event (the worker's job);
    with ``email`` (the instance has an SMTP server), also queue each for e-mail whose
    recipient opted in and has an address (:mod:`medsec.notifications.mail` sends them)."""
    rows = list(
        session.execute(
            select(Notification)
            .where(Notification.delivered_at.is_(None))
            .order_by(Notification.id)
            .limit(limit)
        ).scalars()
    )
    context = Context(actor="worker", ip="local")
    users = {u.id: u for u in _users(session, {r.user_id for r in rows})} if email else {}
    for row in rows:
        row.delivered_at = utcnow()
        user = users.get(row.user_id)
        if user is not None and user.notify_by_email and user.email and user.active:
            row.email_status, row.email_to = "pending", user.email
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


def _users(session: Session, ids: set[int]) -> Sequence[User]:
    if not ids:
        return []
    return session.execute(select(User).where(User.id.in_(ids))).scalars().all()


def settings_of(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id)
    if user is None:  # pragma: no cover - an actor is a user
        raise NotFound("no such user")
    return user


def set_email(session: Session, actor: Actor, on: bool) -> User:
    """Turn the actor's e-mail notifications on or off (audited when it changes)."""
    user = settings_of(session, actor)
    if on and not user.email:
        raise Conflict(
            "your account has no e-mail address",
            hint="ask an administrator to record one, then turn e-mail notifications on",
        )
    if user.notify_by_email != on:
        user.notify_by_email = on
        record(session, Tag.NOTIFICATION_SETTINGS_CHANGED, actor.context,
               target=f"user:{user.id}", details={"email": on})  # fmt: skip
        session.flush()
    return user


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
