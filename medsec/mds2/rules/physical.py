"""PLOK, TXIG-2, SAHD-12: physical security, from ``hardening.physical``.

Software as a medical device has no hardware of its own, so PLOK-1 is Yes for it and the
other PLOK questions are N/A (PLOK-1 itself is answered with DOC-11 from ``product.samd``).
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.registry import Context, Derived, RuleBook, stated
from medsec.profiles.psp import PhysicalSecurity

book = RuleBook()


def _physical(ctx: Context, field: str) -> Derived | None:
    """Yes or No from ``hardening.physical.<field>``."""
    found: PhysicalSecurity | None = ctx.profile.hardening.physical
    if found is None:
        return None
    return stated(getattr(found, field), f"hardening.physical.{field}")


@book.rule("PLOK-2")
def needs_tools(ctx: Context) -> Derived | None:
    return ctx.na_because("PLOK-1", when=Choice.YES) or _physical(ctx, "tools_required")


@book.rule("PLOK-3")
def keyed_lock(ctx: Context) -> Derived | None:
    return ctx.na_because("PLOK-1", when=Choice.YES) or _physical(ctx, "keyed_lock")


@book.rule("PLOK-4")
def media_lock(ctx: Context) -> Derived | None:
    return ctx.na_because("PLOK-1", when=Choice.YES) or _physical(ctx, "removable_media_lock")


@book.rule("TXIG-2")
def external_cables(ctx: Context) -> Derived | None:
    return _physical(ctx, "external_cables")


@book.rule("SAHD-12")
def tool_free_installation(ctx: Context) -> Derived | None:
    return _physical(ctx, "tool_free_installation")
