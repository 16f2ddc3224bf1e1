"""ALOF, AUTH, PAUT, SAHD-5: sessions, authorization and person authentication, from ``users``.

Who has an account (PAUT-1, PAUT-4, default accounts) is in :mod:`medsec.mds2.rules.accounts`.
"""

from __future__ import annotations

from medsec.mds2.rules.facts import authenticated, mentions, path, written
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, no, stated, yes

book = RuleBook()

#: Central account protocols that give single sign-on.
SSO = frozenset({"oidc", "saml", "kerberos"})


# --------------------------------------------------------------------------- ALOF


@book.rule("ALOF-1")
def auto_logoff(ctx: Context) -> Derived | None:
    sessions = ctx.profile.users.sessions
    if sessions is None:
        return None
    minutes = sessions.idle_timeout_minutes
    if sessions.auto_logoff or minutes is not None:
        after = f" after {minutes} minutes of inactivity" if minutes is not None else ""
        sources = [
            f"users.sessions.{f}"
            for f in ("auto_logoff", "idle_timeout_minutes")
            if written(sessions, f)
        ]
        return yes(*sources, note=f"Automatic logoff{after}.")
    if written(sessions, "auto_logoff"):
        return no("users.sessions.auto_logoff")
    return None


@book.rule("ALOF-2")
def logoff_configurable(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("ALOF-1")) is not None:
        return skip
    sessions = ctx.profile.users.sessions
    if sessions is None:
        return None
    return stated(sessions.timeout_configurable, "users.sessions.timeout_configurable")


# --------------------------------------------------------------------------- AUTH


@book.rule("AUTH-1")
def login_required(ctx: Context) -> Derived | None:
    users = ctx.profile.users
    if not users.roles:
        return None
    evidence = [
        f"users.{f}" for f in ("password_policy", "mfa", "administration") if getattr(users, f)
    ]
    if not evidence:
        return None
    note = "Users log in to a role."
    if users.sessions and users.sessions.emergency_access:
        note += f" Without login: {users.sessions.emergency_access}"
    return yes("users.roles", *evidence, note=note)


@book.rule("AUTH-1.1", "PAUT-2")
def federated(ctx: Context) -> Derived | None:
    administration = ctx.profile.users.administration
    if administration is None:
        return None
    if administration.central:
        return yes(
            "users.administration.central",
            note=f"Central accounts: {', '.join(administration.central)}.",
        )
    return no("users.administration.central", note="Local accounts only.")


@book.rule("AUTH-1.2")
def group_policies(ctx: Context) -> Derived | None:
    administration = ctx.profile.users.administration
    if administration is None:
        return None
    if administration.group_policy is not None:
        return either(administration.group_policy, "users.administration.group_policy")
    if "active-directory" in administration.central:
        return None
    return no("users.administration.central", note="No Active Directory integration.")


@book.rule("AUTH-1.3")
def special_groups(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("AUTH-1.1")) is not None:
        return skip
    administration = ctx.profile.users.administration
    if administration is None or not written(administration, "required_groups"):
        return None
    groups = administration.required_groups
    return either(
        bool(groups),
        "users.administration.required_groups",
        note="; ".join(groups) if groups else "No special groups or policies are needed.",
    )


@book.rule("AUTH-2", "SAHD-5.1")
def roles(ctx: Context) -> Derived | None:
    roles = ctx.profile.users.roles
    if not roles:
        return None
    names = ", ".join(r.name for r in roles)
    return either(len(roles) > 1, "users.roles", note=f"Roles: {names}.")


@book.rule("AUTH-3")
def owner_administrator(ctx: Context) -> Derived | None:
    return stated(ctx.profile.users.owner_administrator, "users.owner_administrator")


@book.rule("AUTH-4")
def inbound_authenticated(ctx: Context) -> Derived | None:
    """Requests reach the device on its inbound services: do all of them authenticate?"""
    inbound = [s for s in ctx.facts.services if s.item.listening]
    if not inbound:
        return None
    verdicts = [(s, authenticated(s.item.authentication)) for s in inbound]
    sources = [f"{s.path}.authentication" for s in inbound]
    if any(v is False for _, v in verdicts):
        open_ = ", ".join(s.item.id for s, v in verdicts if v is False)
        return no(*sources, note=f"Inbound services without authentication: {open_}.")
    if all(v for _, v in verdicts):
        how = "; ".join(f"{s.item.id}: {s.item.authentication}" for s in inbound)
        return yes(*sources, note=how)
    return None


@book.rule("AUTH-5")
def kiosk_mode(ctx: Context) -> Derived | None:
    return stated(ctx.profile.users.kiosk_mode, "users.kiosk_mode")


@book.rule("SAHD-5")
def record_level_access(ctx: Context) -> Derived | None:
    return stated(ctx.profile.users.record_level_access, "users.record_level_access")


# --------------------------------------------------------------------------- PAUT


@book.rule("PAUT-3", "PAUT-10")
def lockout(ctx: Context) -> Derived | None:
    policy = ctx.profile.users.password_policy
    if policy is None or not policy.lockout:
        return None
    return yes("users.password_policy.lockout", note=policy.lockout)


@book.rule("PAUT-6")
def own_password_rules(ctx: Context) -> Derived | None:
    policy = ctx.profile.users.password_policy
    if policy is None:
        return None
    return stated(policy.configurable, "users.password_policy.configurable", note=policy.complexity)


@book.rule("PAUT-7")
def expiry(ctx: Context) -> Derived | None:
    policy = ctx.profile.users.password_policy
    if policy is None or policy.max_age_days is None:
        return None
    return yes(
        "users.password_policy.max_age_days",
        note=f"Passwords expire after {policy.max_age_days} days.",
    )


@book.rule("PAUT-8")
def mfa(ctx: Context) -> Derived | None:
    found = ctx.profile.users.mfa
    if found is None:
        return None
    note = f"Methods: {', '.join(found.methods)}." if found.methods else None
    return either(found.supported, "users.mfa.supported", note=note)


@book.rule("PAUT-9")
def sso(ctx: Context) -> Derived | None:
    administration = ctx.profile.users.administration
    if administration is None:
        return None
    used = SSO & set(administration.central)
    if used:
        return yes(
            "users.administration.central", note=f"Single sign-on by {', '.join(sorted(used))}."
        )
    return no("users.administration.central", note="No OIDC, SAML or Kerberos sign-on.")


@book.rule("PAUT-11")
def biometrics(ctx: Context) -> Derived | None:
    found = ctx.profile.users.mfa
    if found and found.supported and mentions(r"biometric|fingerprint|face|iris", *found.methods):
        return yes("users.mfa.methods", note=", ".join(found.methods))
    return None


@book.rule("PAUT-12")
def tokens(ctx: Context) -> Derived | None:
    found = ctx.profile.users.mfa
    pattern = r"badge|smart.?card|fido|webauthn|security key|rfid|nfc|\btoken\b"
    if found and found.supported and mentions(pattern, *found.methods):
        return yes("users.mfa.methods", note=", ".join(found.methods))
    return None


@book.rule("PAUT-14")
def stores_credentials(ctx: Context) -> Derived | None:
    for i, category in enumerate(ctx.profile.data.categories):
        if category.kind == "credentials":
            return yes(path("data", "categories", i, "kind"), note=category.name)
    if ctx.profile.users.password_policy:
        return yes("users.password_policy", note="The device checks user passwords.")
    return None


@book.rule("PAUT-14.1")
def credentials_secured(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("PAUT-14")) is not None:
        return skip
    credentials = {c.id for c in ctx.profile.data.categories if c.kind == "credentials"}
    stored = [(i, s) for i, s in enumerate(ctx.profile.data.storage) if s.category in credentials]
    if not stored:
        return None
    sources = [path("data", "storage", i, "encrypted_at_rest") for i, _ in stored]
    plain = [s.category for _, s in stored if not s.encrypted_at_rest]
    if plain:
        return no(*sources, note=f"Not encrypted at rest: {', '.join(plain)}.")
    how = "; ".join(f"{s.location}: {s.method or 'encrypted'}" for _, s in stored)
    return yes(*sources, note=how)
