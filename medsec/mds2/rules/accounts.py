"""PAUT-1/4/5/13, SGUD-3/3.1, SAHD-6/6.1: the accounts on the device, from ``users``.

``users.default_accounts`` lists the accounts that exist at delivery; a list the author
writes is complete, and an empty one says there are none. ``users.unique_accounts`` says
whether every user must log in with an individual account; it answers both PAUT-1
("support and enforce unique IDs") and PAUT-1.1 ("enforce authentication of unique IDs").
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import path, written
from medsec.mds2.rules.registry import (
    Context,
    Derived,
    Fact,
    RuleBook,
    any_of,
    every,
    stated,
    yes,
)

book = RuleBook()


def _facts(ctx: Context, field: str, value: object = True) -> list[Fact]:
    """One fact per default account: is ``users.default_accounts[i].<field>`` ``value``?"""
    facts: list[Fact] = []
    for i, account in enumerate(ctx.profile.users.default_accounts):
        found = getattr(account, field)
        verdict = None if found is None else found == value
        facts.append((path("users", "default_accounts", i, field), verdict, account.name))
    return facts


def _listed(ctx: Context) -> Derived | None:
    users = ctx.profile.users
    if not written(users, "default_accounts"):
        return None
    names = ", ".join(a.name for a in users.default_accounts)
    note = f"Default accounts: {names}." if names else "The device has no default accounts."
    return yes("users.default_accounts", note=note)


@book.rule("PAUT-1", "PAUT-1.1")
def unique_accounts(ctx: Context) -> Derived | None:
    return stated(ctx.profile.users.unique_accounts, "users.unique_accounts")


@book.rule("PAUT-4")
def default_accounts_listed(ctx: Context) -> Derived | None:
    return _listed(ctx)


@book.rule("PAUT-5")
def passwords_changeable(ctx: Context) -> Derived | None:
    return every(_facts(ctx, "password_changeable"), what="Password can be changed")


@book.rule("PAUT-13")
def group_accounts(ctx: Context) -> Derived | None:
    return stated(ctx.profile.users.group_accounts, "users.group_accounts")


@book.rule("SGUD-3")
def accounts_documented(ctx: Context) -> Derived | None:
    return _listed(ctx)


@book.rule("SGUD-3.1")
def customer_controls_passwords(ctx: Context) -> Derived | None:
    return every(_facts(ctx, "managed_by", "customer"), what="Managed by the customer")


def _yes_only(found: Derived | None) -> Derived | None:
    return found if found and found.choice is Choice.YES else None


@book.rule("SAHD-6")
def disabled_at_delivery(ctx: Context) -> Derived | None:
    """Yes when a default account is delivered disabled; never No, since an enabled
    account may still be restricted."""
    return _yes_only(any_of(_facts(ctx, "enabled_at_delivery", False), what="Disabled at delivery"))


@book.rule("SAHD-6.1")
def configurable_accounts(ctx: Context) -> Derived | None:
    """Yes when the customer manages a default account; never No, since the customer may
    manage other accounts (its directory's, say)."""
    return _yes_only(any_of(_facts(ctx, "managed_by", "customer"), what="Managed by the customer"))
