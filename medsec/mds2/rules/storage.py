"""MPII-2.3–2.9, STCF-3/4, IGAU, DTBK: how personal data are kept and backed up.

From ``data.storage`` (each store's ``deletion``, ``database``, ``external``,
``separate_from_system``, ``long_term``, ``integrity_checked``, ``redundant``),
``hardening.physical``, ``users.reset``, ``users.configuration_backup`` and
``recovery.data_backup``.

A question about the stored personal data is answered only when every store of personal
data states the fact: one unstated store leaves the question for manual entry. When the
device stores no personal data at all (MPII-2.2 is No), the questions are No or N/A.
"""

from __future__ import annotations

from collections.abc import Callable

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import At
from medsec.mds2.rules.registry import (
    Context,
    Derived,
    Fact,
    RuleBook,
    all_of,
    any_of,
    na,
    no,
    stated,
    yes,
)
from medsec.profiles.psp import Deletion, Storage

book = RuleBook()


def _nothing_stored(ctx: Context, answer: Callable[..., Derived]) -> Derived | None:
    """``answer`` (No or N/A) when nothing personal is stored; N/A when MPII-2 is No."""
    if ctx.choice("MPII-2.2") is Choice.NO:
        note = "The device stores no personal data persistently."
        return answer(*ctx.cite("MPII-2.2"), note=note)
    return ctx.na_because("MPII-2")


def _label(store: At[Storage]) -> str:
    return f"{store.item.category} in {store.item.location}"


def _facts(ctx: Context, field: str, value: Callable[[Storage], bool | None]) -> list[Fact]:
    """One fact per store of personal data, citing ``data.storage[i].<field>``."""
    return [(f"{s.path}.{field}", value(s.item), _label(s)) for s in ctx.facts.personal_storage]


def _deleted(how: Deletion) -> Callable[[Storage], bool | None]:
    return lambda s: None if s.deletion is None else s.deletion is how


# --------------------------------------------------------------------------- MPII


@book.rule("MPII-2.3")
def kept_until_erased(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, no)) is not None:
        return skip
    facts = _facts(ctx, "deletion", _deleted(Deletion.UNTIL_ERASED))
    return any_of(facts, what="Kept until explicitly erased")


@book.rule("MPII-2.4")
def in_database(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, no)) is not None:
        return skip
    return any_of(_facts(ctx, "database", lambda s: s.database), what="Kept in a database")


@book.rule("MPII-2.5")
def deleted_after_archiving(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, na)) is not None:
        return skip
    facts = _facts(ctx, "deletion", _deleted(Deletion.AFTER_ARCHIVING))
    return any_of(facts, what="Deleted automatically once a long-term archive holds them")


@book.rule("MPII-2.8")
def removable_storage(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, na)) is not None:
        return skip
    physical = ctx.profile.hardening.physical
    if physical is None:
        return None
    return stated(
        physical.storage_removable_by_service, "hardening.physical.storage_removable_by_service"
    )


@book.rule("MPII-2.9")
def separate_location(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, na)) is not None:
        return skip
    facts = _facts(ctx, "separate_from_system", lambda s: s.separate_from_system)
    return any_of(facts, what="Kept apart from the operating system")


# --------------------------------------------------------------------------- STCF


def _databases(ctx: Context, external: bool) -> list[Fact]:
    """Whether each personal-data store is a database on the device (``external`` False)
    or outside it; a store that is not a database is neither, and cites ``database``."""
    facts: list[Fact] = []
    for store in ctx.facts.personal_storage:
        found = store.item
        if not found.database:
            facts.append((f"{store.path}.database", found.database, _label(store)))
            continue
        verdict = None if found.external is None else found.external is external
        facts.append((f"{store.path}.external", verdict, _label(store)))
    return facts


@book.rule("STCF-3")
def database_on_device(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, no)) is not None:
        return skip
    return any_of(_databases(ctx, external=False), what="In a database on the device")


@book.rule("STCF-4")
def database_outside(ctx: Context) -> Derived | None:
    if ctx.choice("MPII-1") is Choice.NO:
        return na(*ctx.cite("MPII-1"), note="The device handles no personal data.")
    if ctx.choice("MPII-2.2") is Choice.NO:
        return no(*ctx.cite("MPII-2.2"), note="The device stores no personal data.")
    return any_of(_databases(ctx, external=True), what="In a database outside the device")


# --------------------------------------------------------------------------- DTBK


@book.rule("DTBK-1")
def long_term_storage(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, no)) is not None:
        return skip
    return any_of(_facts(ctx, "long_term", lambda s: s.long_term), what="Long-term primary store")


@book.rule("DTBK-2")
def factory_reset(ctx: Context) -> Derived | None:
    reset = ctx.profile.users.reset
    return yes("users.reset.procedure", note=reset.procedure) if reset else None


@book.rule("DTBK-3")
def backup_to_media(ctx: Context) -> Derived | None:
    backup = ctx.profile.recovery.data_backup
    if backup is None:
        return None
    return stated(
        backup.to_removable_media,
        "recovery.data_backup.to_removable_media",
        note=backup.description,
    )


@book.rule("DTBK-4")
def backup_to_remote(ctx: Context) -> Derived | None:
    backup = ctx.profile.recovery.data_backup
    if backup is None:
        return None
    return stated(
        backup.to_remote_storage, "recovery.data_backup.to_remote_storage", note=backup.description
    )


@book.rule("DTBK-5")
def configuration_backup(ctx: Context) -> Derived | None:
    backup = ctx.profile.users.configuration_backup
    if backup is None:
        return None
    if not backup.supported:
        return no("users.configuration_backup.supported", note="No configuration backup.")
    said = backup.procedure or "Configuration backup is supported."
    return Derived(
        ("users.configuration_backup.supported",),
        choice=Choice.SEE_NOTE,
        note=f"{said} Patch and software restoration are not described in the profile.",
    )


@book.rule("DTBK-6")
def backup_checked(ctx: Context) -> Derived | None:
    backup = ctx.profile.recovery.data_backup
    if backup is None:
        return None
    return stated(backup.integrity_checked, "recovery.data_backup.integrity_checked")


# --------------------------------------------------------------------------- IGAU


@book.rule("IGAU-1")
def integrity_checked(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, na)) is not None:
        return skip
    facts = _facts(ctx, "integrity_checked", lambda s: s.integrity_checked)
    return all_of(facts, what="Stored records checked for changes")


@book.rule("IGAU-2")
def redundant(ctx: Context) -> Derived | None:
    if (skip := _nothing_stored(ctx, na)) is not None:
        return skip
    facts = _facts(ctx, "redundant", lambda s: s.redundant)
    return all_of(facts, what="Protected against the failure of a disk or medium")
