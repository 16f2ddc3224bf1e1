"""Incident cases in the service.

Who sees what (enforced here, whatever the caller — route, CLI or worker):

- a case exists for exactly two organizations: the hospital that opened it and the
  manufacturer of its product; for every other organization it does not exist (404);
- a hospital opens cases only about products it holds (an asset linked to a published
  version of one, or a published version directly);
- the manufacturer's queue is every case about its products, across all its customers;
- every change is an audit event ``escalation:case:…`` and queues notifications for the
  other side (new case, new message, state change), delivered by the worker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization
from medsec.accounts.roles import Permission
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Conflict, Error, NotFound, PermissionDenied
from medsec.escalation.kinds import ACTIVE, Severity, Side, State, allowed
from medsec.escalation.models import Case, CaseAttachment, CaseMessage
from medsec.escalation.schemas import CaseIn, TransitionIn
from medsec.escalation.sla import SlaTerms, Timer, add_time, parse_sla
from medsec.inventory.models import Asset
from medsec.notifications import services as notifications
from medsec.products import services as products
from medsec.products.models import Holding, ProfileVersion

#: Attachments: at most this many bytes each, of these media types.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = frozenset(
    {
        "text/plain",
        "text/csv",
        "application/json",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/vnd.tcpdump.pcap",
        "application/octet-stream",
        "image/png",
        "image/jpeg",
    }
)


class InvalidAttachment(Error):
    kind = "invalid-attachment"
    status = 422
    title = "The attachment is not accepted"


class InvalidTransition(Error):
    kind = "invalid-case-transition"
    status = 409
    title = "The case cannot change to that state"


def side_of(case: Case, actor: Actor) -> Side:
    """The actor's side of the case; NotFound for any third organization."""
    if actor.organization_id == case.hospital_id:
        return Side.HOSPITAL
    if actor.organization_id == case.manufacturer_id:
        return Side.MANUFACTURER
    raise NotFound(f"no case {case.id}")


def get_case(session: Session, actor: Actor, case_id: int) -> Case:
    actor.require(Permission.CASES_READ)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    side_of(case, actor)
    return case


def terms_of(version: ProfileVersion) -> SlaTerms:
    return parse_sla(products.profile_of(version).recovery.sla)


def what_to_send(case: Case) -> list[str]:
    """The profile's list of what to send the manufacturer during an incident."""
    profile = products.profile_of(case.profile_version)
    return [str(item) for item in profile.recovery.incident_information]


def _version_for(
    session: Session, actor: Actor, data: CaseIn
) -> tuple[ProfileVersion, Asset | None]:
    asset: Asset | None = None
    version_id = data.profile_version_id
    if data.asset_id is not None:
        asset = session.get(Asset, data.asset_id)
        if asset is None or asset.organization_id != actor.organization_id:
            raise NotFound(f"no asset {data.asset_id}")
        if asset.profile_version_id is None:
            raise Conflict(
                f"asset {asset.serial} is not linked to a product version",
                hint="link the asset to its product version in the inventory, or give "
                "profile_version_id",
            )
        version_id = version_id or asset.profile_version_id
        if version_id != asset.profile_version_id:
            raise Conflict("the asset is linked to another product version than the one given")
    if version_id is None:
        raise Conflict("a case needs an asset or a product version", hint="give asset_id")
    version = session.get(ProfileVersion, version_id)
    held = (
        version is not None
        and session.execute(
            select(Holding.id).where(
                Holding.organization_id == actor.organization_id,
                Holding.product_id == version.product_id,
            )
        ).first()
    )
    if version is None or not held or version.status != "published":
        raise NotFound(f"no profile version {version_id}")
    return version, asset


def open_case(session: Session, actor: Actor, data: CaseIn) -> Case:
    """A hospital opens a case about a product it holds; the SLA clocks start now."""
    actor.require(Permission.CASES_WRITE)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied("only healthcare-provider organizations open incident cases")
    version, asset = _version_for(session, actor, data)
    terms = terms_of(version)
    now = utcnow()
    response = terms.response_for(data.severity)
    resolution = terms.resolution_for(data.severity)
    case = Case(
        hospital_id=actor.organization_id,
        manufacturer_id=version.product.organization_id,
        product_id=version.product_id,
        profile_version_id=version.id,
        asset_id=asset.id if asset else None,
        title=data.title,
        symptoms=data.symptoms,
        severity=data.severity.value,
        patient_safety=data.patient_safety.value,
        patient_safety_detail=data.patient_safety_detail,
        state=State.OPEN.value,
        sla_text=terms.text,
        sla_calendar=terms.calendar,
        response_due_at=add_time(now, response, terms.hours) if response else None,
        resolution_due_at=add_time(now, resolution, terms.hours) if resolution else None,
        opened_by=actor.username,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    record(
        session, Tag.CASE_OPENED, actor.context, target=f"case:{case.id}",
        details={
            "product": version.product.name, "version": version.version,
            "severity": case.severity, "patient_safety": case.patient_safety,
            "manufacturer_id": case.manufacturer_id,
        },
    )  # fmt: skip
    notifications.notify(
        session, case.manufacturer_id, Permission.CASES_READ, "case-opened", f"case:{case.id}",
        f"New {case.severity} incident case #{case.id}: {case.title}",
    )  # fmt: skip
    return case


@dataclass(frozen=True)
class QueueFilter:
    overdue: bool | None = None
    severity: Severity | None = None
    product_id: int | None = None
    state: State | None = None
    #: Only the cases still running (not resolved or closed).
    active: bool = False


def cases(session: Session, actor: Actor, where: QueueFilter = QueueFilter()) -> list[Case]:
    """The actor's cases: a hospital's own, a manufacturer's queue across customers
    (an organization of kind ``both`` sees both), newest first."""
    actor.require(Permission.CASES_READ)
    stmt = select(Case).where(
        or_(
            Case.hospital_id == actor.organization_id, Case.manufacturer_id == actor.organization_id
        )
    )
    if where.severity is not None:
        stmt = stmt.where(Case.severity == where.severity.value)
    if where.product_id is not None:
        stmt = stmt.where(Case.product_id == where.product_id)
    if where.state is not None:
        stmt = stmt.where(Case.state == where.state.value)
    if where.active:
        stmt = stmt.where(Case.state.in_([s.value for s in ACTIVE]))
    found = list(session.execute(stmt.order_by(Case.id.desc())).scalars())
    if where.overdue is not None:
        now = utcnow()
        found = [c for c in found if is_overdue(c, now) == where.overdue]
    return found


def timers(case: Case) -> list[Timer]:
    def target(due: dt.datetime | None) -> dt.timedelta | None:
        return None if due is None else due - case.created_at

    return [
        Timer("response", target(case.response_due_at), case.response_due_at, case.responded_at),
        Timer(
            "resolution", target(case.resolution_due_at), case.resolution_due_at,
            case.resolved_at,
        ),
    ]  # fmt: skip


def is_overdue(case: Case, now: dt.datetime) -> bool:
    return any(t.overdue(now) for t in timers(case))


def _touch(case: Case, side: Side) -> None:
    now = utcnow()
    case.updated_at = now
    if side is Side.MANUFACTURER and case.responded_at is None:
        case.responded_at = now  # the manufacturer's first answer meets the response target


def _other_side(case: Case, side: Side) -> int:
    return case.manufacturer_id if side is Side.HOSPITAL else case.hospital_id


def post_message(session: Session, actor: Actor, case_id: int, body: str) -> CaseMessage:
    actor.require(Permission.CASES_WRITE)
    case = get_case(session, actor, case_id)
    side = side_of(case, actor)
    if case.state == State.CLOSED:
        raise Conflict(f"case {case.id} is closed", hint="reopen it first (the hospital can)")
    message = CaseMessage(
        case_id=case.id, organization_id=actor.organization_id, side=side.value,
        author=actor.username, body=body,
    )  # fmt: skip
    session.add(message)
    _touch(case, side)
    session.flush()
    record(
        session, Tag.CASE_MESSAGE_POSTED, actor.context, target=f"case:{case.id}",
        details={"message_id": message.id, "side": side.value},
    )  # fmt: skip
    notifications.notify(
        session, _other_side(case, side), Permission.CASES_READ, "case-message",
        f"case:{case.id}", f"New message on case #{case.id}: {case.title}", body[:500],
    )  # fmt: skip
    return message


def transition(session: Session, actor: Actor, case_id: int, data: TransitionIn) -> Case:
    actor.require(Permission.CASES_WRITE)
    case = get_case(session, actor, case_id)
    side = side_of(case, actor)
    current = State(case.state)
    if data.state not in allowed(current, side):
        permitted = ", ".join(allowed(current, side)) or "none"
        raise InvalidTransition(
            f"the {side.value} cannot move case {case.id} from {current} to {data.state}",
            hint=f"from {current} the {side.value} may move it to: {permitted}",
        )
    if data.after_action:
        case.after_action = data.after_action
    if data.state is State.CLOSED and not (case.after_action or "").strip():
        raise InvalidTransition(
            "closing a case needs after-action notes",
            hint="give after_action: what happened, what was done, what changes now",
        )
    now = utcnow()
    case.state = data.state.value
    if data.state is State.RESOLVED:
        case.resolved_at = now
    elif data.state is State.CLOSED:
        case.closed_at = now
        case.resolved_at = case.resolved_at or now
    elif data.state is State.OPEN:  # reopened: the resolution clock runs again
        case.resolved_at = case.closed_at = None
    body = f"{current} → {data.state}" + (f": {data.note}" if data.note else "")
    session.add(
        CaseMessage(
            case_id=case.id,
            organization_id=actor.organization_id,
            side=side.value,
            author=actor.username,
            body=body,
            kind="state",
        )
    )
    _touch(case, side)
    session.flush()
    record(
        session, Tag.CASE_STATE_CHANGED, actor.context, target=f"case:{case.id}",
        details={"from": current.value, "to": data.state.value, "side": side.value},
    )  # fmt: skip
    notifications.notify(
        session, _other_side(case, side), Permission.CASES_READ, "case-state",
        f"case:{case.id}", f"Case #{case.id} is now {data.state}: {case.title}", data.note,
    )  # fmt: skip
    return case


def save_after_action(session: Session, actor: Actor, case_id: int, text: str) -> Case:
    """After-action notes: what happened, what was done, lessons (either side, any time)."""
    actor.require(Permission.CASES_WRITE)
    case = get_case(session, actor, case_id)
    side = side_of(case, actor)
    case.after_action = text
    case.updated_at = utcnow()
    record(
        session, Tag.CASE_AFTER_ACTION_SAVED, actor.context, target=f"case:{case.id}",
        details={"side": side.value, "length": len(text)},
    )  # fmt: skip
    return case


def add_attachment(
    session: Session, actor: Actor, case_id: int, filename: str, media_type: str,
    content: bytes, item: int | None = None,
) -> CaseAttachment:  # fmt: skip
    """Store a file with the case; ``item`` names the "what to send" entry it answers."""
    actor.require(Permission.CASES_WRITE)
    case = get_case(session, actor, case_id)
    side = side_of(case, actor)
    media = media_type.split(";")[0].strip().lower() or "application/octet-stream"
    if media not in ATTACHMENT_TYPES:
        raise InvalidAttachment(
            f"{filename}: {media} files are not accepted",
            hint="send one of: " + ", ".join(sorted(ATTACHMENT_TYPES)),
        )
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise InvalidAttachment(
            f"{filename}: {len(content)} bytes, more than {MAX_ATTACHMENT_BYTES}",
            hint="compress it (zip, gzip) or split it",
        )
    if not content:
        raise InvalidAttachment(f"{filename}: the file is empty")
    items = what_to_send(case)
    if item is not None and not 0 <= item < len(items):
        raise InvalidAttachment(
            f"item {item} is not on the profile's what-to-send list (0–{len(items) - 1})"
            if items
            else f"item {item}: the profile has no what-to-send list",
            hint="leave item empty for another file",
        )
    attachment = CaseAttachment(
        case_id=case.id, side=side.value, filename=safe_filename(filename),
        media_type=media, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        content=content, item=item, uploaded_by=actor.username,
    )  # fmt: skip
    session.add(attachment)
    _touch(case, side)
    session.flush()
    record(
        session, Tag.CASE_ATTACHMENT_ADDED, actor.context, target=f"case:{case.id}",
        details={
            "attachment_id": attachment.id, "filename": attachment.filename,
            "sha256": attachment.sha256, "size": attachment.size, "item": item,
        },
    )  # fmt: skip
    notifications.notify(
        session, _other_side(case, side), Permission.CASES_READ, "case-attachment",
        f"case:{case.id}", f"New file on case #{case.id}: {attachment.filename}",
    )  # fmt: skip
    return attachment


def safe_filename(name: str) -> str:
    """The base name with only letters, digits, ``.``, ``-`` and ``_`` (safe in headers)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:200].lstrip(".") or "attachment"


def get_attachment(
    session: Session, actor: Actor, case_id: int, attachment_id: int
) -> CaseAttachment:
    case = get_case(session, actor, case_id)
    found = session.get(CaseAttachment, attachment_id)
    if found is None or found.case_id != case.id:
        raise NotFound(f"no attachment {attachment_id} on case {case_id}")
    return found


def organization_names(session: Session, found: Sequence[Case]) -> dict[int, str]:
    ids = {c.hospital_id for c in found} | {c.manufacturer_id for c in found}
    if not ids:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(ids))
    )
    return {int(i): str(n) for i, n in rows}


def report_overdue(session: Session, now: dt.datetime) -> list[tuple[Case, str]]:
    """Flag newly overdue timers of running cases, once each: an audit event and
    notifications for both sides (the worker runs this every five minutes)."""
    found: list[tuple[Case, str]] = []
    running = session.execute(
        select(Case).where(Case.state.in_([s.value for s in ACTIVE])).order_by(Case.id)
    ).scalars()
    context = Context(actor="worker", ip="local")
    for case in running:
        reported = set(filter(None, case.overdue_reported.split(",")))
        for timer in timers(case):
            if timer.name in reported or not timer.overdue(now):
                continue
            reported.add(timer.name)
            found.append((case, timer.name))
            due = timer.due_at.isoformat() if timer.due_at else ""
            record(
                session, Tag.CASE_OVERDUE, context, target=f"case:{case.id}",
                organization_id=case.manufacturer_id,
                details={"timer": timer.name, "due_at": due, "hospital_id": case.hospital_id},
            )  # fmt: skip
            for org in (case.manufacturer_id, case.hospital_id):
                notifications.notify(
                    session, org, Permission.CASES_READ, "case-overdue", f"case:{case.id}",
                    f"Case #{case.id} is past its {timer.name} target ({due}): {case.title}",
                )  # fmt: skip
        case.overdue_reported = ",".join(sorted(reported))
    session.flush()
    return found
