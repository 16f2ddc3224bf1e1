"""AUDT: audit controls, from ``users.audit``, the event catalog and ``monitoring.log_transport``.

Which events are recorded (AUDT-2.x) is read first from ``users.audit.recorded_events``, a
closed list of event kinds: a kind in the list is Yes, and since a list the author writes
is complete, a kind missing from it is No. Otherwise the audit capabilities and the event
catalog are read, which are free text: a question is answered Yes only when a listed
capability or event description names the event (the note quotes it), and is never
answered No from text — an unmentioned event stays for manual entry.
"""

from __future__ import annotations

import re

from medsec.mds2.rules.facts import mentions, path
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, no, stated, yes
from medsec.profiles.psp import AuditedEvent, AuditRecordField

book = RuleBook()

#: Audit-record attributes that are personal data besides the user id (AUDT-1.2).
PERSONAL_FIELDS = frozenset({AuditRecordField.USER_NAME, AuditRecordField.PATIENT_ID})

#: AUDT-2.x: words that name each kind of audited event, and words that rule a text out
#: (a "login failed" event is no evidence that successful logins are recorded).
LOGIN = r"\blog ?(?:in|on|out|off)s?\b|sign.?in|authenticat"
EVENT_WORDS: dict[str, tuple[str, str | None]] = {
    "AUDT-2.1": (
        LOGIN,
        r"(?:log ?in|authenticat)\w* fail|fail\w* (?:log ?in|authenticat)|\bfailed\b",
    ),
    "AUDT-2.2": (
        r"(?:log ?(?:in|on)|authenticat|sign.?in).*fail|fail.*(?:log ?(?:in|on)|authenticat)",
        None,
    ),
    "AUDT-2.3": (r"privilege|\broles?\b|permission", None),
    "AUDT-2.4": (
        r"user accounts?|\baccounts? (?:creat|chang|delet|modif)|users? (?:creat|add|delet|remov)",
        None,
    ),
    "AUDT-2.5": (
        r"display|view(?:ing)? of|print|presentation|access to (?:patient|phi|pii|record)",
        None,
    ),
    "AUDT-2.6": (r"(?:patient|clinical|health) data|records? (?:creat|chang|modif|delet)", None),
    "AUDT-2.7": (r"\busb\b|removable|media", None),
    "AUDT-2.8": (r"transmi|receiv|network (?:connection|traffic)", None),
    "AUDT-2.8.1": (r"remote (?:service|session|support)|service (?:session|visit|access)", None),
    "AUDT-2.8.2": (r"\bapi\b", None),
    "AUDT-2.9": (r"emergency|break.?glass", None),
    "AUDT-2.10": (r"update|upgrade|firmware|install|reset", None),
}


def _mentioning(ctx: Context, include: str, exclude: str | None) -> list[tuple[str, str]]:
    """(path, text) of each audit capability or catalog event whose text names an event."""
    texts: list[tuple[str, str, str]] = []  # (path, text to match, text to quote)
    audit = ctx.profile.users.audit
    if audit:
        for i, capability in enumerate(audit.capabilities):
            texts.append((path("users", "audit", "capabilities", i), capability, capability))
    for i, event in enumerate(ctx.profile.monitoring.events):
        where = path("monitoring", "events", i, "description")
        texts.append((where, event.description, f"event {event.id}: {event.description}"))
    return [
        (where, quoted)
        for where, said, quoted in texts
        if re.search(include, said, re.IGNORECASE)
        and not (exclude and re.search(exclude, said, re.IGNORECASE))
    ]


@book.rule("AUDT-1", "AUDT-2")
def audit_log(ctx: Context) -> Derived | None:
    audit = ctx.profile.users.audit
    if audit is None:
        return None
    return yes("users.audit.capabilities", note=f"Recorded: {'; '.join(audit.capabilities)}.")


#: AUDT-2.x: the kinds of ``users.audit.recorded_events`` that answer each question.
EVENT_KINDS: dict[str, frozenset[AuditedEvent]] = {
    "AUDT-2.1": frozenset({AuditedEvent.LOGIN}),
    "AUDT-2.2": frozenset({AuditedEvent.LOGIN_FAILURE}),
    "AUDT-2.3": frozenset({AuditedEvent.PRIVILEGE_CHANGE}),
    "AUDT-2.4": frozenset({AuditedEvent.USER_MANAGEMENT}),
    "AUDT-2.5": frozenset({AuditedEvent.DATA_PRESENTATION}),
    "AUDT-2.6": frozenset({AuditedEvent.DATA_CHANGE}),
    "AUDT-2.7": frozenset({AuditedEvent.REMOVABLE_MEDIA}),
    "AUDT-2.8": frozenset({AuditedEvent.NETWORK_TRANSFER}),
    "AUDT-2.8.1": frozenset({AuditedEvent.SERVICE_SESSION}),
    "AUDT-2.8.2": frozenset({AuditedEvent.API_ACCESS}),
    "AUDT-2.9": frozenset({AuditedEvent.EMERGENCY_ACCESS}),
    "AUDT-2.10": frozenset({AuditedEvent.SOFTWARE_UPDATE, AuditedEvent.CONFIGURATION_CHANGE}),
}


def _recorded(ctx: Context, kinds: frozenset[AuditedEvent]) -> Derived | None:
    """Yes when ``users.audit.recorded_events`` has one of ``kinds``."""
    audit = ctx.profile.users.audit
    if audit is None or not audit.recorded_events:
        return None
    found = [(i, kind) for i, kind in enumerate(audit.recorded_events) if kind in kinds]
    if found:
        return yes(
            *(path("users", "audit", "recorded_events", i) for i, _ in found),
            note=f"Recorded: {', '.join(str(kind) for _, kind in found)}.",
        )
    return None


def _not_recorded(ctx: Context) -> Derived | None:
    """No when ``users.audit.recorded_events`` is written (it is complete)."""
    audit = ctx.profile.users.audit
    if audit is None or not audit.recorded_events:
        return None
    listed = ", ".join(str(k) for k in audit.recorded_events)
    return no("users.audit.recorded_events", note=f"Recorded event kinds: {listed}.")


def _event(question_id: str) -> None:
    include, exclude = EVENT_WORDS[question_id]
    kinds = EVENT_KINDS[question_id]

    def rule(ctx: Context) -> Derived | None:
        if (skip := ctx.na_because("AUDT-2")) is not None:
            return skip
        if (listed := _recorded(ctx, kinds)) is not None:
            return listed
        found = _mentioning(ctx, include, exclude)
        if not found:
            return _not_recorded(ctx)
        return yes(*(p for p, _ in found), note="; ".join(t for _, t in found))

    rule.__name__ = f"audited_{question_id}"
    book.add(question_id, rule)


for _question in EVENT_WORDS:
    _event(_question)


def _fields(ctx: Context) -> list[AuditRecordField] | None:
    audit = ctx.profile.users.audit
    return audit.record_fields if audit and audit.record_fields else None


@book.rule("AUDT-1.1")
def user_id(ctx: Context) -> Derived | None:
    fields = _fields(ctx)
    if fields is None:
        return None
    return either(AuditRecordField.USER_ID in fields, "users.audit.record_fields")


@book.rule("AUDT-1.2")
def other_personal_data(ctx: Context) -> Derived | None:
    fields = _fields(ctx)
    if fields is None:
        return None
    personal = [str(f) for f in fields if f in PERSONAL_FIELDS]
    note = f"Records carry {', '.join(personal)}." if personal else None
    return either(bool(personal), "users.audit.record_fields", note=note)


@book.rule("AUDT-2.11")
def documented(ctx: Context) -> Derived | None:
    events = ctx.profile.monitoring.events
    if not events:
        return None
    return yes(
        "monitoring.events",
        note=f"The event catalog describes {len(events)} events, their meaning and action.",
    )


def _flag(ctx: Context, field: str) -> Derived | None:
    """Yes or No from ``users.audit.<field>``."""
    audit = ctx.profile.users.audit
    return stated(getattr(audit, field), f"users.audit.{field}") if audit else None


@book.rule("AUDT-3")
def owner_selects_events(ctx: Context) -> Derived | None:
    return _flag(ctx, "owner_configurable")


@book.rule("AUDT-4")
def attributes_listed(ctx: Context) -> Derived | None:
    fields = _fields(ctx)
    if fields is None:
        return None
    return yes("users.audit.record_fields", note=f"Each record: {', '.join(map(str, fields))}.")


@book.rule("AUDT-4.1")
def timestamps(ctx: Context) -> Derived | None:
    fields = _fields(ctx)
    if fields is not None and AuditRecordField.TIMESTAMP in fields:
        return yes("users.audit.record_fields")
    transports = ctx.profile.monitoring.log_transport
    for i, t in enumerate(transports):
        if t.protocol.startswith("syslog") or t.protocol == "atna":
            return yes(
                path("monitoring", "log_transport", i, "protocol"),
                note=f"{t.protocol} messages carry a timestamp.",
            )
    return None


@book.rule("AUDT-4.1.1")
def ntp(ctx: Context) -> Derived | None:
    for s in ctx.facts.services:
        service = s.item
        if service.name.lower() in ("ntp", "sntp", "ptp") or (
            service.protocol == "udp" and service.default_port == 123
        ):
            return yes(s.path, note=f"{service.name}: {service.description}")
    return None


@book.rule("AUDT-5", "AUDT-6")
def export(ctx: Context) -> Derived | None:
    audit = ctx.profile.users.audit
    if audit and audit.export:
        return yes("users.audit.export", note=audit.export)
    if ctx.profile.monitoring.log_transport:
        return yes("monitoring.log_transport", note="Audit events are sent to a log collector.")
    return None


@book.rule("AUDT-5.1")
def physical_media(ctx: Context) -> Derived | None:
    audit = ctx.profile.users.audit
    if audit and mentions(r"\busb\b|removable|media|physical", audit.export):
        return yes("users.audit.export", note=audit.export)
    return None


@book.rule("AUDT-5.2")
def atna(ctx: Context) -> Derived | None:
    transports = ctx.profile.monitoring.log_transport
    if not transports:
        return None
    for i, t in enumerate(transports):
        if t.protocol == "atna":
            return yes(path("monitoring", "log_transport", i, "protocol"))
    used = ", ".join(t.protocol for t in transports)
    return no("monitoring.log_transport", note=f"Logs are sent by {used}, not ATNA.")


@book.rule("AUDT-5.3")
def other_channels(ctx: Context) -> Derived | None:
    for i, t in enumerate(ctx.profile.monitoring.log_transport):
        if t.protocol != "atna":
            return yes(path("monitoring", "log_transport", i, "protocol"), note=t.protocol)
    return None


@book.rule("AUDT-5.4")
def encrypted_logs(ctx: Context) -> Derived | None:
    for i, t in enumerate(ctx.profile.monitoring.log_transport):
        if t.protocol == "syslog-rfc5424-tls":
            return yes(
                path("monitoring", "log_transport", i, "protocol"),
                note="Syslog over TLS (RFC 5425).",
            )
    logs = {c.id for c in ctx.profile.data.categories if c.kind == "logs"}
    for i, s in enumerate(ctx.profile.data.storage):
        if s.category in logs and s.encrypted_at_rest:
            return yes(path("data", "storage", i, "encrypted_at_rest"))
    return None


@book.rule("AUDT-7")
def tamper_protected(ctx: Context) -> Derived | None:
    return _flag(ctx, "tamper_protected")


@book.rule("AUDT-7.1")
def read_restricted(ctx: Context) -> Derived | None:
    return _flag(ctx, "read_restricted")


@book.rule("AUDT-8")
def analysed(ctx: Context) -> Derived | None:
    return _flag(ctx, "analysed_on_device")
