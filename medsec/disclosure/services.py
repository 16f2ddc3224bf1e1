"""Coordinated vulnerability disclosure, manufacturer side: intake, triage, messages.

Two kinds of caller:

- a **reporter**, without an account: submits a report to an organization's program
  (by its slug) and gets a tracking token — 256 random bits, shown once, stored only as
  its SHA-256 — with which they read the case's status and exchange messages;
- the organization's **team** (permission ``disclosure:triage``, manufacturer
  organizations only): lists and reads cases decrypted, moves them through the states of
  :mod:`medsec.disclosure.states`, sets the embargo date and the case flags, answers the
  reporter and links advisories. Another organization's case does not exist for it.

Audit events name the case and what changed (state, flags, counts), never what the
reporter wrote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts import ratelimit
from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Permission
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.disclosure.encryption import ReportSealer
from medsec.disclosure.intake import (
    AttachmentIn,
    InvalidSubmission,
    check_attachments,
    check_message,
    check_reporter_key,
    check_text,
)
from medsec.disclosure.models import AdvisoryLink, Attachment, DisclosureCase, Message, Program
from medsec.disclosure.states import TRANSITIONS, Flag, State
from medsec.errors import Conflict, Error, NotFound, PermissionDenied
from medsec.products.models import Product, ProfileVersion

TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_TRACKING_ID = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$")
RATE_WINDOW = dt.timedelta(hours=1)
#: Path segments of the disclosure URLs themselves.
RESERVED_SLUGS = frozenset({"track", "cases", "report", "reports"})
REPORTER = Context(actor="reporter")


class IllegalTransition(Conflict):
    kind = "illegal-transition"
    title = "The case cannot move to that state"


# --------------------------------------------------------------------------- programs


def save_program(
    session: Session,
    organization_id: int,
    slug: str,
    context: Context,
    *,
    acknowledge_days: int = 5,
    accepting: bool = True,
) -> Program:
    """Open (or change) an organization's intake at ``/disclosure/<slug>``."""
    if not _SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise Error(
            f"{slug!r} is not a valid program slug",
            hint="2–63 characters: lower-case letters, digits and '-', starting with a letter "
            "or digit",
        )
    if not 1 <= acknowledge_days <= 90:
        raise Error(f"acknowledge_days {acknowledge_days} is not between 1 and 90")
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(f"no organization {organization_id}")
    if not OrganizationKind(organization.kind).is_manufacturer:
        raise PermissionDenied("only manufacturer organizations receive vulnerability reports")
    taken = session.execute(select(Program).where(Program.slug == slug)).scalar_one_or_none()
    if taken is not None and taken.organization_id != organization_id:
        raise Conflict(f"the slug {slug!r} belongs to another organization")
    program = session.execute(
        select(Program).where(Program.organization_id == organization_id)
    ).scalar_one_or_none() or Program(organization_id=organization_id)
    program.slug = slug
    program.acknowledge_days = acknowledge_days
    program.accepting = accepting
    session.add(program)
    session.flush()
    record(
        session,
        Tag.DISCLOSURE_PROGRAM_SAVED,
        context,
        organization_id=organization_id,
        target=f"disclosure-program:{program.id}",
        details={"slug": slug, "acknowledge_days": acknowledge_days, "accepting": accepting},
    )
    return program


def program_by_slug(session: Session, slug: str) -> Program:
    program = session.execute(select(Program).where(Program.slug == slug)).scalar_one_or_none()
    if program is None or not program.accepting:
        raise NotFound(f"no disclosure program {slug!r} on this instance")
    return program


@dataclass(frozen=True)
class ProgramEntry:
    slug: str
    organization: str
    acknowledge_days: int
    products: list[tuple[int, str]]


def program_entry(session: Session, program: Program) -> ProgramEntry:
    organization = session.get(Organization, program.organization_id)
    products = session.execute(
        select(Product.id, Product.name)
        .where(Product.organization_id == program.organization_id)
        .order_by(Product.name)
    ).all()
    return ProgramEntry(
        program.slug,
        organization.name if organization else "",
        program.acknowledge_days,
        [(pid, name) for pid, name in products],
    )


def list_programs(session: Session) -> list[ProgramEntry]:
    programs = session.execute(
        select(Program).where(Program.accepting.is_(True)).order_by(Program.slug)
    ).scalars()
    return [program_entry(session, p) for p in programs]


# --------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class Submission:
    title: str
    description: str
    affected: str = ""
    impact: str = ""
    reproduction: str = ""
    contact: str = ""
    reporter_key: str = ""
    product_id: int | None = None
    attachments: tuple[AttachmentIn, ...] = ()


@dataclass(frozen=True)
class Receipt:
    case_id: int
    #: The reporter's tracking token; shown once, never stored.
    token: str
    acknowledge_by: dt.datetime


def rate_key(secret: bytes, ip: str | None) -> str:
    """The rate-limit key of a reporter's address: keyed, so the table names no IP."""
    digest = hmac.new(secret, f"disclosure:{ip or '-'}".encode(), hashlib.sha256).hexdigest()
    return f"disclosure:{digest[:32]}"


def acknowledge_days_for(session: Session, product: Product | None) -> int | None:
    """``recovery.cvd.acknowledge_within_days`` of the product's latest published profile
    version (else latest draft); None when it names none."""
    if product is None:
        return None
    from medsec.products.services import profile_of

    versions = session.execute(
        select(ProfileVersion).where(ProfileVersion.product_id == product.id)
    ).scalars()
    ordered = sorted(versions, key=lambda v: (v.status == "published", v.id))
    if not ordered:
        return None
    cvd = profile_of(ordered[-1]).recovery.cvd
    return cvd.acknowledge_within_days if cvd is not None else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def submit(
    session: Session,
    sealer: ReportSealer,
    slug: str,
    submission: Submission,
    *,
    limit_key: str,
    limit: int,
) -> Receipt:
    """Store a report sealed; count it against ``limit_key`` (even when refused)."""
    program = program_by_slug(session, slug)
    ratelimit.hit(session, limit_key, limit=limit, window=RATE_WINDOW)
    report = {name: check_text(name, getattr(submission, name)) for name in _REPORT_FIELDS}
    contact = check_text("contact", submission.contact)
    key = check_reporter_key(submission.reporter_key)
    attachments = check_attachments(list(submission.attachments))
    product = None
    if submission.product_id is not None:
        product = session.get(Product, submission.product_id)
        if product is None or product.organization_id != program.organization_id:
            raise InvalidSubmission(
                f"{program.slug} has no product {submission.product_id}", field="product_id"
            )
    now = utcnow()
    days = acknowledge_days_for(session, product) or program.acknowledge_days
    token = secrets.token_urlsafe(TOKEN_BYTES)
    case = DisclosureCase(
        organization_id=program.organization_id,
        product_id=product.id if product else None,
        token_hash=_hash(token),
        state=State.RECEIVED.value,
        sealed_report=sealer.seal_text(json.dumps(report)),
        sealed_contact=sealer.seal_text(contact) if contact else None,
        sealed_reporter_key=sealer.seal_text(key.armored) if key else None,
        flags=[Flag.VENDOR_AWARE.value],
        received_at=now,
        acknowledge_by=now + dt.timedelta(days=days),
        updated_at=now,
    )
    session.add(case)
    session.flush()
    for a in attachments:
        session.add(
            Attachment(
                case_id=case.id,
                sealed_filename=sealer.seal_text(a.filename),
                media_type=a.media_type,
                size=len(a.content),
                sealed_content=sealer.seal(a.content),
            )
        )
    record(
        session,
        Tag.DISCLOSURE_REPORT_RECEIVED,
        REPORTER,
        organization_id=program.organization_id,
        target=f"disclosure-case:{case.id}",
        details={
            "product_id": case.product_id,
            "attachments": len(attachments),
            "anonymous": not contact,
            "reporter_key": key is not None,
            "acknowledge_by": case.acknowledge_by.isoformat(),
        },
    )
    session.flush()
    return Receipt(case.id, token, case.acknowledge_by)


_REPORT_FIELDS = ("title", "description", "affected", "impact", "reproduction")


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class MessageView:
    author: str
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    media_type: str
    size: int


@dataclass(frozen=True)
class CaseSummary:
    id: int
    title: str
    state: State
    product_id: int | None
    product: str | None
    received_at: dt.datetime
    acknowledge_by: dt.datetime
    acknowledged_at: dt.datetime | None
    overdue: bool
    embargo_until: dt.date | None
    flags: list[Flag]
    advisories: list[str]


@dataclass(frozen=True)
class CaseDetail:
    summary: CaseSummary
    description: str
    affected: str
    impact: str
    reproduction: str
    contact: str | None
    reporter_key: str | None
    reporter_key_fingerprint: str | None
    messages: list[MessageView]
    attachments: list[AttachmentView]
    next_states: list[State]


def is_overdue(case: DisclosureCase, now: dt.datetime) -> bool:
    """Not acknowledged (no state change, no answer) by its acknowledgement deadline."""
    return case.acknowledged_at is None and now > case.acknowledge_by


def _report(sealer: ReportSealer, case: DisclosureCase) -> dict[str, str]:
    value = json.loads(sealer.open_text(case.sealed_report))
    return {name: str(value.get(name, "")) for name in _REPORT_FIELDS}


def _summary(
    session: Session, sealer: ReportSealer, case: DisclosureCase, now: dt.datetime
) -> CaseSummary:
    product = session.get(Product, case.product_id) if case.product_id else None
    return CaseSummary(
        id=case.id,
        title=_report(sealer, case)["title"],
        state=State(case.state),
        product_id=case.product_id,
        product=product.name if product else None,
        received_at=case.received_at,
        acknowledge_by=case.acknowledge_by,
        acknowledged_at=case.acknowledged_at,
        overdue=is_overdue(case, now),
        embargo_until=case.embargo_until,
        flags=[Flag(f) for f in case.flags if f in {x.value for x in Flag}],
        advisories=[link.tracking_id for link in case.advisories],
    )


def _messages(sealer: ReportSealer, case: DisclosureCase) -> list[MessageView]:
    return [
        MessageView(m.author, sealer.open_text(m.sealed_body), m.created_at) for m in case.messages
    ]


def _team(actor: Actor) -> None:
    actor.require(Permission.DISCLOSURE_TRIAGE)
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied("only manufacturer organizations receive vulnerability reports")


def _case(session: Session, actor: Actor, case_id: int) -> DisclosureCase:
    _team(actor)
    case = session.get(DisclosureCase, case_id)
    if case is None or case.organization_id != actor.organization_id:
        raise NotFound(f"no disclosure case {case_id}")
    return case


def list_cases(
    session: Session, sealer: ReportSealer, actor: Actor, *, overdue_only: bool = False
) -> list[CaseSummary]:
    """The organization's cases, overdue first, then newest first."""
    _team(actor)
    now = utcnow()
    cases: Sequence[DisclosureCase] = (
        session.execute(
            select(DisclosureCase)
            .where(DisclosureCase.organization_id == actor.organization_id)
            .order_by(DisclosureCase.id.desc())
        )
        .scalars()
        .all()
    )
    summaries = [_summary(session, sealer, c, now) for c in cases]
    if overdue_only:
        summaries = [s for s in summaries if s.overdue]
    return sorted(summaries, key=lambda s: not s.overdue)


def case_summary(session: Session, sealer: ReportSealer, actor: Actor, case_id: int) -> CaseSummary:
    """The case's list entry (after a change; not audited as a read of the report)."""
    case = _case(session, actor, case_id)
    session.refresh(case)
    return _summary(session, sealer, case, utcnow())


def case_detail(session: Session, sealer: ReportSealer, actor: Actor, case_id: int) -> CaseDetail:
    """The case decrypted; the read is audited (who read which case, not what it says)."""
    case = _case(session, actor, case_id)
    report = _report(sealer, case)
    key = sealer.open_text(case.sealed_reporter_key) if case.sealed_reporter_key else None
    parsed = check_reporter_key(key) if key else None
    record(session, Tag.DISCLOSURE_REPORT_READ, actor.context, target=f"disclosure-case:{case.id}")
    return CaseDetail(
        summary=_summary(session, sealer, case, utcnow()),
        description=report["description"],
        affected=report["affected"],
        impact=report["impact"],
        reproduction=report["reproduction"],
        contact=sealer.open_text(case.sealed_contact) if case.sealed_contact else None,
        reporter_key=key,
        reporter_key_fingerprint=parsed.fingerprint if parsed else None,
        messages=_messages(sealer, case),
        attachments=[
            AttachmentView(a.id, sealer.open_text(a.sealed_filename), a.media_type, a.size)
            for a in case.attachments
        ],
        next_states=sorted(TRANSITIONS[State(case.state)]),
    )


@dataclass(frozen=True)
class AttachmentFile:
    filename: str
    media_type: str
    content: bytes


def attachment_file(
    session: Session, sealer: ReportSealer, actor: Actor, case_id: int, attachment_id: int
) -> AttachmentFile:
    case = _case(session, actor, case_id)
    found = next((a for a in case.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound(f"no attachment {attachment_id} in case {case_id}")
    record(
        session,
        Tag.DISCLOSURE_ATTACHMENT_READ,
        actor.context,
        target=f"disclosure-case:{case.id}",
        details={"attachment_id": found.id},
    )
    return AttachmentFile(
        sealer.open_text(found.sealed_filename), found.media_type, sealer.open(found.sealed_content)
    )


# --------------------------------------------------------------------------- triage


def _acknowledge(case: DisclosureCase, now: dt.datetime) -> None:
    if case.acknowledged_at is None:
        case.acknowledged_at = now
    case.updated_at = now


def transition(session: Session, actor: Actor, case_id: int, target: str) -> DisclosureCase:
    case = _case(session, actor, case_id)
    try:
        wanted = State(target)
    except ValueError as e:
        raise Error(
            f"{target!r} is not a case state", hint=f"one of: {', '.join(s.value for s in State)}"
        ) from e
    current = State(case.state)
    if wanted not in TRANSITIONS[current]:
        options = ", ".join(sorted(TRANSITIONS[current])) or "none (the case is closed)"
        raise IllegalTransition(
            f"a case in state {current.value} cannot move to {wanted.value}",
            hint=f"from {current.value} it can move to: {options}",
        )
    case.state = wanted.value
    _acknowledge(case, utcnow())
    record(
        session,
        Tag.DISCLOSURE_STATE_CHANGED,
        actor.context,
        target=f"disclosure-case:{case.id}",
        details={"from": current.value, "to": wanted.value},
    )
    return case


def update_case(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    embargo_until: dt.date | None,
    flags: set[Flag],
) -> DisclosureCase:
    """Set the embargo date (None: no embargo) and the case flags."""
    case = _case(session, actor, case_id)
    if embargo_until is not None and embargo_until < case.received_at.date():
        raise Error(
            f"the embargo date {embargo_until} is before the report was received",
            hint="choose the planned public disclosure date",
        )
    before = set(case.flags)
    after = {f.value for f in flags}
    changes = {
        "flags_set": sorted(after - before),
        "flags_cleared": sorted(before - after),
        "embargo_until": embargo_until.isoformat() if embargo_until else None,
    }
    case.flags = [f.value for f in Flag if f.value in after]
    case.embargo_until = embargo_until
    case.updated_at = utcnow()
    record(
        session,
        Tag.DISCLOSURE_CASE_UPDATED,
        actor.context,
        target=f"disclosure-case:{case.id}",
        details=changes,
    )
    return case


def team_reply(
    session: Session, sealer: ReportSealer, actor: Actor, case_id: int, body: str
) -> Message:
    """A message to the reporter (shown on their tracking page); acknowledges the case."""
    case = _case(session, actor, case_id)
    text = check_message(body)
    message = Message(
        case_id=case.id,
        author="team",
        author_user_id=actor.user_id,
        sealed_body=sealer.seal_text(text),
    )
    session.add(message)
    _acknowledge(case, utcnow())
    session.flush()
    record(
        session,
        Tag.DISCLOSURE_MESSAGE_SENT,
        actor.context,
        target=f"disclosure-case:{case.id}",
        details={"message_id": message.id},
    )
    return message


def link_advisory(session: Session, actor: Actor, case_id: int, tracking_id: str) -> AdvisoryLink:
    case = _case(session, actor, case_id)
    tracking_id = tracking_id.strip()
    if not _TRACKING_ID.match(tracking_id):
        raise Error(
            f"{tracking_id[:40]!r} is not a CSAF tracking id",
            hint="printable ASCII, 1–200 characters, as in document.tracking.id "
            "(e.g. EXAMPLE-2026-001)",
        )
    if any(link.tracking_id == tracking_id for link in case.advisories):
        raise Conflict(f"the case already links {tracking_id}")
    link = AdvisoryLink(case_id=case.id, tracking_id=tracking_id)
    session.add(link)
    case.updated_at = utcnow()
    session.flush()
    session.refresh(case)
    record(
        session,
        Tag.DISCLOSURE_ADVISORY_LINKED,
        actor.context,
        target=f"disclosure-case:{case.id}",
        details={"tracking_id": tracking_id},
    )
    return link


# --------------------------------------------------------------------------- reporter


def case_for_token(session: Session, token: str) -> DisclosureCase:
    """The case a tracking token opens; NotFound for anything else, the same way whatever
    was wrong: the token is hashed first and looked up by its hash (an index on random
    digests teaches nothing about other tokens), and the found hash is compared in
    constant time."""
    digest = _hash(token)
    case = session.execute(
        select(DisclosureCase).where(DisclosureCase.token_hash == digest)
    ).scalar_one_or_none()
    well_formed = _TOKEN.match(token) is not None
    if case is None or not well_formed or not hmac.compare_digest(case.token_hash, digest):
        raise NotFound("no case at this tracking link", hint="check that you copied the whole link")
    return case


@dataclass(frozen=True)
class ReporterView:
    case_id: int
    title: str
    organization: str
    state: State
    received_at: dt.datetime
    acknowledged: bool
    embargo_until: dt.date | None
    advisories: list[str]
    messages: list[MessageView]


def reporter_view(session: Session, sealer: ReportSealer, token: str) -> ReporterView:
    case = case_for_token(session, token)
    organization = session.get(Organization, case.organization_id)
    return ReporterView(
        case_id=case.id,
        title=_report(sealer, case)["title"],
        organization=organization.name if organization else "",
        state=State(case.state),
        received_at=case.received_at,
        acknowledged=case.acknowledged_at is not None,
        embargo_until=case.embargo_until,
        advisories=[link.tracking_id for link in case.advisories],
        messages=_messages(sealer, case),
    )


def reporter_reply(
    session: Session,
    sealer: ReportSealer,
    token: str,
    body: str,
    *,
    limit_key: str,
    limit: int,
) -> Message:
    case = case_for_token(session, token)
    ratelimit.hit(session, limit_key, limit=limit, window=RATE_WINDOW)
    text = check_message(body)
    message = Message(case_id=case.id, author="reporter", sealed_body=sealer.seal_text(text))
    session.add(message)
    case.updated_at = utcnow()
    session.flush()
    record(
        session,
        Tag.DISCLOSURE_MESSAGE_RECEIVED,
        REPORTER,
        organization_id=case.organization_id,
        target=f"disclosure-case:{case.id}",
        details={"message_id": message.id},
    )
    return message


@dataclass(frozen=True)
class OverdueCase:
    """An overdue case without any of its content (for alerting from the CLI or cron)."""

    case_id: int
    organization: str
    received_at: dt.datetime
    acknowledge_by: dt.datetime


def overdue_cases(session: Session, now: dt.datetime) -> list[OverdueCase]:
    rows = session.execute(
        select(DisclosureCase, Organization.name)
        .join(Organization, Organization.id == DisclosureCase.organization_id)
        .where(DisclosureCase.acknowledged_at.is_(None), DisclosureCase.acknowledge_by < now)
        .order_by(DisclosureCase.acknowledge_by)
    ).all()
    return [OverdueCase(c.id, name, c.received_at, c.acknowledge_by) for c, name in rows]
