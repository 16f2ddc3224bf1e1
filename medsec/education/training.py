"""Training objectives, attestations and who is due — per organization.

Every organization starts with the four objectives of the seed (:data:`SEED`), created on
first use and editable (title, description, renewal interval, active). An attestation is
valid for the objective's ``renew_days`` from its completion date; a user is **due** when
the latest attestation expires within :data:`REMIND_DAYS`, **overdue** when it expired or
there is none. The worker reminds due and overdue users once per attestation (or once,
for a user who never attested) through a notification.

>>> status_of(dt.date(2026, 1, 1), dt.date(2026, 12, 1))
'overdue'
>>> status_of(dt.date(2026, 12, 20), dt.date(2026, 12, 1))
'due'
>>> status_of(None, dt.date(2026, 12, 1))
'overdue'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.models import User
from medsec.accounts.roles import Permission
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.education.models import Attestation, TrainingObjective, TrainingReminder
from medsec.education.schemas import AttestationIn, ObjectiveIn, StatusRow
from medsec.errors import Conflict, NotFound
from medsec.notifications import services as notifications

REMIND_DAYS = 30

SEED: tuple[tuple[str, str, str], ...] = (
    (
        "recognise-and-report",
        "Recognise and report suspected incidents",
        "Staff recognise signs of a cybersecurity incident on a medical device (odd "
        "behaviour, alarms, messages) and know whom to tell and how.",
    ),
    (
        "sensitive-information",
        "Handle sensitive information",
        "Patient data, credentials and device configurations are shared only with those "
        "who need them, through approved channels.",
    ),
    (
        "meeting-agendas",
        "Keep cybersecurity on meeting agendas",
        "Device cybersecurity is a standing item of clinical engineering, IT and risk meetings.",
    ),
    (
        "train-all-year",
        "Train throughout the year",
        "Short, repeated training through the year rather than one annual session.",
    ),
)


def status_of(expires_on: dt.date | None, today: dt.date) -> str:
    if expires_on is None or expires_on < today:
        return "overdue"
    if expires_on <= today + dt.timedelta(days=REMIND_DAYS):
        return "due"
    return "current"


def _may_see(actor: Actor) -> None:
    """Objectives and attestations: for those who attest or who read the report."""
    if not actor.can(Permission.TRAINING_READ):
        actor.require(Permission.TRAINING_ATTEST)


def ensure_seeded(session: Session, organization_id: int) -> None:
    """Create the four seed objectives for an organization that has none yet."""
    count = session.execute(
        select(func.count())
        .select_from(TrainingObjective)
        .where(TrainingObjective.organization_id == organization_id)
    ).scalar_one()
    if count:
        return
    for position, (key, title, description) in enumerate(SEED):
        session.add(
            TrainingObjective(
                organization_id=organization_id,
                key=key,
                title=title,
                description=description,
                position=position,
                updated_by="seed",
            )
        )
    session.flush()


def objectives(session: Session, actor: Actor) -> Sequence[TrainingObjective]:
    _may_see(actor)
    ensure_seeded(session, actor.organization_id)
    return (
        session.execute(
            select(TrainingObjective)
            .where(TrainingObjective.organization_id == actor.organization_id)
            .order_by(TrainingObjective.position, TrainingObjective.id)
        )
        .scalars()
        .all()
    )


def _objective(session: Session, actor: Actor, objective_id: int) -> TrainingObjective:
    found = session.get(TrainingObjective, objective_id)
    if found is None or found.organization_id != actor.organization_id:
        raise NotFound(f"no training objective {objective_id}")
    return found


def save_objective(
    session: Session, actor: Actor, data: ObjectiveIn, objective_id: int | None = None
) -> TrainingObjective:
    """Add an objective, or change one (by id)."""
    actor.require(Permission.TRAINING_MANAGE)
    ensure_seeded(session, actor.organization_id)
    if objective_id is None:
        clash = session.execute(
            select(TrainingObjective).where(
                TrainingObjective.organization_id == actor.organization_id,
                TrainingObjective.key == data.key,
            )
        ).first()
        if clash:
            raise Conflict(f"an objective with key {data.key} exists", hint="change it by id")
        last = session.execute(
            select(func.max(TrainingObjective.position)).where(
                TrainingObjective.organization_id == actor.organization_id
            )
        ).scalar_one()
        found = TrainingObjective(organization_id=actor.organization_id, position=(last or 0) + 1)
    else:
        found = _objective(session, actor, objective_id)
        if found.key != data.key:
            raise Conflict("an objective's key does not change", hint=f"keep key {found.key}")
    found.key, found.title, found.description = data.key, data.title, data.description
    found.renew_days, found.active = data.renew_days, data.active
    found.updated_by, found.updated_at = actor.username, utcnow()
    session.add(found)
    session.flush()
    record(
        session, Tag.TRAINING_OBJECTIVE_SAVED, actor.context,
        target=f"training-objective:{found.id}",
        details={"key": found.key, "renew_days": found.renew_days, "active": found.active},
    )  # fmt: skip
    return found


def attest(session: Session, actor: Actor, data: AttestationIn) -> Attestation:
    """Record a completed training (one's own; another user's with training:manage)."""
    actor.require(Permission.TRAINING_ATTEST)
    user_id = data.user_id or actor.user_id
    if user_id != actor.user_id:
        actor.require(Permission.TRAINING_MANAGE)
        user = session.get(User, user_id)
        if user is None or user.organization_id != actor.organization_id or user.deleted_at:
            raise NotFound(f"no user {user_id}")
    ensure_seeded(session, actor.organization_id)
    objective = _objective(session, actor, data.objective_id)
    today = utcnow().date()
    if data.completed_on > today:
        raise Conflict("completed_on is in the future", hint=f"give a date up to {today}")
    found = Attestation(
        organization_id=actor.organization_id, user_id=user_id, objective_id=objective.id,
        completed_on=data.completed_on,
        expires_on=data.completed_on + dt.timedelta(days=objective.renew_days),
        note=data.note, recorded_by=actor.username,
    )  # fmt: skip
    session.add(found)
    session.flush()
    record(
        session, Tag.TRAINING_ATTESTED, actor.context, target=f"user:{user_id}",
        details={
            "objective": objective.key, "completed_on": data.completed_on.isoformat(),
            "expires_on": found.expires_on.isoformat(),
        },
    )  # fmt: skip
    return found


def attestations(session: Session, actor: Actor, user_id: int | None = None) -> list[Attestation]:
    """A user's attestations, newest first (one's own; others' with training:read)."""
    _may_see(actor)
    wanted = user_id or actor.user_id
    if wanted != actor.user_id:
        actor.require(Permission.TRAINING_READ)
    return list(
        session.execute(
            select(Attestation)
            .where(
                Attestation.organization_id == actor.organization_id,
                Attestation.user_id == wanted,
            )
            .order_by(Attestation.completed_on.desc(), Attestation.id.desc())
        ).scalars()
    )


def _rows(session: Session, organization_id: int, today: dt.date) -> list[StatusRow]:
    ensure_seeded(session, organization_id)
    users = session.execute(
        select(User)
        .where(
            User.organization_id == organization_id,
            User.disabled_at.is_(None),
            User.deleted_at.is_(None),
        )
        .order_by(User.username)
    ).scalars()
    goals = session.execute(
        select(TrainingObjective)
        .where(TrainingObjective.organization_id == organization_id, TrainingObjective.active)
        .order_by(TrainingObjective.position, TrainingObjective.id)
    ).scalars()
    latest: dict[tuple[int, int], Attestation] = {}
    for row in session.execute(
        select(Attestation)
        .where(Attestation.organization_id == organization_id)
        .order_by(Attestation.expires_on, Attestation.id)
    ).scalars():
        latest[row.user_id, row.objective_id] = row
    goal_list = list(goals)
    rows = []
    for user in users:
        for goal in goal_list:
            found = latest.get((user.id, goal.id))
            expires = found.expires_on if found else None
            rows.append(
                StatusRow(
                    user_id=user.id,
                    username=user.username,
                    objective_key=goal.key,
                    objective=goal.title,
                    status=status_of(expires, today),
                    completed_on=found.completed_on if found else None,
                    expires_on=expires,
                )
            )
    return rows


def report(
    session: Session, actor: Actor, today: dt.date | None = None, *, only_due: bool = False
) -> list[StatusRow]:
    """Every active user × active objective with its status (``only_due``: not current)."""
    actor.require(Permission.TRAINING_READ)
    rows = _rows(session, actor.organization_id, today or utcnow().date())
    return [r for r in rows if r.status != "current"] if only_due else rows


CSV_COLUMNS = ("username", "objective_key", "objective", "status", "completed_on", "expires_on")


def report_csv(session: Session, actor: Actor, today: dt.date | None = None) -> str:
    rows = report(session, actor, today)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = [getattr(row, c) for c in CSV_COLUMNS]
        writer.writerow([_cell("" if v is None else str(v)) for v in values])
    record(
        session, Tag.TRAINING_REPORT_EXPORTED, actor.context,
        target=f"organization:{actor.organization_id}", details={"rows": len(rows)},
    )  # fmt: skip
    return out.getvalue()


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def send_reminders(session: Session, today: dt.date) -> int:
    """Notify every due or overdue user once per attestation (or once if never attested);
    how many reminders were queued. The worker runs this daily."""
    context = Context(actor="worker", ip="local")
    org_ids = session.execute(select(TrainingObjective.organization_id).distinct()).scalars()
    sent = 0
    for org in list(org_ids):
        for row in _rows(session, org, today):
            if row.status == "current":
                continue
            goal = session.execute(
                select(TrainingObjective).where(
                    TrainingObjective.organization_id == org,
                    TrainingObjective.key == row.objective_key,
                )
            ).scalar_one()
            if not _mark_reminded(session, row, goal, today):
                continue
            user = session.get(User, row.user_id)
            assert user is not None  # noqa: S101 - the row was read from the users table
            notifications.notify_users(
                session, [user], "training-due", f"training-objective:{goal.id}",
                f"Training {row.status}: {goal.title}",
                f"Your attestation expires on {row.expires_on}." if row.expires_on
                else "You have no attestation for this training yet.",
            )  # fmt: skip
            record(
                session, Tag.TRAINING_REMINDED, context, target=f"user:{user.id}",
                organization_id=org, details={"objective": goal.key, "status": row.status},
            )  # fmt: skip
            sent += 1
    session.flush()
    return sent


def _mark_reminded(
    session: Session, row: StatusRow, goal: TrainingObjective, today: dt.date
) -> bool:
    """True (and remembered) when this user has not been reminded of this state yet."""
    del today
    if row.expires_on is None:
        seen = session.execute(
            select(TrainingReminder).where(
                TrainingReminder.user_id == row.user_id,
                TrainingReminder.objective_id == goal.id,
            )
        ).first()
        if seen:
            return False
        session.add(TrainingReminder(user_id=row.user_id, objective_id=goal.id))
        return True
    latest = session.execute(
        select(Attestation)
        .where(Attestation.user_id == row.user_id, Attestation.objective_id == goal.id)
        .order_by(Attestation.expires_on.desc(), Attestation.id.desc())
        .limit(1)
    ).scalar_one()
    if latest.reminded_at is not None:
        return False
    latest.reminded_at = utcnow()
    return True
