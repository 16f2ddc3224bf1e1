"""Principle 4 — user management: roles, MFA, passwords, reset, backup, returned devices.

The hospital administers the device's users as it administers everyone else's: it
needs the roles, how accounts are managed (locally or centrally), the password and MFA
rules, that no default password survives commissioning, and what a reset, a backup
and a return for repair do to keys and personal data.
"""

from __future__ import annotations

from collections.abc import Iterator

from medsec.profiles.lint.findings import Severity
from medsec.profiles.lint.registry import Issue, LintContext, rule
from medsec.profiles.psp import Wipeable

P4 = "White paper principle 4 (user management)"

#: What a reset must remove so that a reset device carries no trust into its next life.
RESET_MUST_WIPE = (Wipeable.KEYS, Wipeable.CERTIFICATES, Wipeable.NETWORK_ADDRESSES)

#: NIST SP 800-63B-4 §3.1.1.2: passwords SHALL be at least 8 characters, and at least 15
#: when the password alone authenticates (no second factor).
NIST_MIN_LENGTH = 8
NIST_SINGLE_FACTOR_MIN_LENGTH = 15


def _has_local_accounts(ctx: LintContext) -> bool:
    administration = ctx.profile.users.administration
    return administration is None or administration.local_accounts


def _has_policy(ctx: LintContext) -> bool:
    return ctx.profile.users.password_policy is not None


@rule(
    "PSP-USR-001",
    Severity.ERROR,
    "A default password must be changed before operational use",
    f"{P4}: default passwords are published in manuals and breach lists; a device "
    "that runs clinically with one is open to anyone on the network.",
    applies=lambda ctx: ctx.profile.users.default_password is not None,
)
def default_password_enforced(ctx: LintContext) -> Iterator[Issue]:
    dp = ctx.profile.users.default_password
    if dp is not None and dp.exists and not dp.change_enforced:
        yield Issue(
            ("users", "default_password", "change_enforced"),
            "a default password exists but its change is not enforced: the device must refuse "
            "operational use until it is changed (change_enforced: true)",
        )


@rule(
    "PSP-USR-002",
    Severity.WARNING,
    "Whether a default password exists is stated",
    f"{P4}: the hospital must know whether commissioning includes replacing a default "
    "credential; silence leaves it guessing.",
)
def default_password_stated(ctx: LintContext) -> Iterator[Issue]:
    if ctx.profile.users.default_password is None:
        yield Issue(
            ("users", "default_password"),
            "users.default_password is not stated: say whether a default password exists "
            "and whether its change is enforced",
        )


@rule(
    "PSP-USR-003",
    Severity.ERROR,
    "A password policy is stated for local accounts",
    f"{P4}: the hospital aligns device accounts with its own password rules and must "
    "know what the device enforces.",
    applies=_has_local_accounts,
)
def password_policy_stated(ctx: LintContext) -> Iterator[Issue]:
    if ctx.profile.users.password_policy is None:
        yield Issue(
            ("users", "password_policy"),
            "users.password_policy is missing: state at least min_length "
            "(or set administration.local_accounts: false if accounts are only central)",
        )


@rule(
    "PSP-USR-004",
    Severity.WARNING,
    "Passwords are at least 8 characters",
    f"{P4}: NIST SP 800-63B-4 §3.1.1.2 sets 8 characters as the absolute minimum; "
    "shorter passwords fall to online guessing.",
    applies=_has_policy,
)
def password_min_length(ctx: LintContext) -> Iterator[Issue]:
    policy = ctx.profile.users.password_policy
    if policy is not None and policy.min_length < NIST_MIN_LENGTH:
        yield Issue(
            ("users", "password_policy", "min_length"),
            f"min_length {policy.min_length} is below {NIST_MIN_LENGTH} (NIST SP 800-63B-4)",
        )


@rule(
    "PSP-USR-005",
    Severity.INFO,
    "The password policy follows NIST SP 800-63B-4",
    f"{P4}: current guidance (NIST SP 800-63B-4 §3.1.1.2) is a blocklist of common "
    "passwords, no forced periodic change, and 15 characters when there is no second "
    "factor.",
    applies=_has_policy,
)
def password_nist(ctx: LintContext) -> Iterator[Issue]:
    policy = ctx.profile.users.password_policy
    if policy is None:
        return
    base = ("users", "password_policy")
    if not policy.blocklist:
        yield Issue(
            (*base, "blocklist"),
            "passwords are not checked against a blocklist of common or breached passwords",
        )
    if policy.max_age_days is not None:
        yield Issue(
            (*base, "max_age_days"),
            f"passwords expire after {policy.max_age_days} days; NIST advises changing them "
            "only on evidence of compromise",
        )
    mfa = ctx.profile.users.mfa
    single_factor = mfa is None or not mfa.supported
    if single_factor and NIST_MIN_LENGTH <= policy.min_length < NIST_SINGLE_FACTOR_MIN_LENGTH:
        yield Issue(
            (*base, "min_length"),
            f"min_length {policy.min_length} without MFA; NIST asks for "
            f"{NIST_SINGLE_FACTOR_MIN_LENGTH} when the password is the only factor",
        )


@rule(
    "PSP-USR-006",
    Severity.WARNING,
    "The reset wipes keys, certificates and network addresses, is logged and stays safe",
    f"{P4}: a reset is how a device leaves one owner or recovers from compromise; it must "
    "remove credentials and addresses, leave a trace, and never endanger a patient.",
)
def reset_procedure(ctx: LintContext) -> Iterator[Issue]:
    reset = ctx.profile.users.reset
    if reset is None:
        yield Issue(
            ("users", "reset"),
            "users.reset is missing: describe the reset, what it wipes, that it is logged "
            "and how the device stays safe",
        )
        return
    missing = [w.value for w in RESET_MUST_WIPE if w not in reset.wipes]
    if missing:
        yield Issue(("users", "reset", "wipes"), f"the reset does not wipe {', '.join(missing)}")
    if not reset.logged:
        yield Issue(("users", "reset", "logged"), "the reset is not logged (logged: true)")
    if not (reset.safe_operation or "").strip():
        yield Issue(
            ("users", "reset", "safe_operation"),
            "the reset does not say how the device stays safe during and after it",
        )


@rule(
    "PSP-USR-007",
    Severity.WARNING,
    "Configuration backup and restore is described",
    f"{P4}: after a reset, repair or replacement the hospital restores accounts and "
    "settings; it needs to know whether and how.",
)
def configuration_backup(ctx: LintContext) -> Iterator[Issue]:
    backup = ctx.profile.users.configuration_backup
    if backup is None:
        yield Issue(
            ("users", "configuration_backup"),
            "users.configuration_backup is missing: say whether configuration can be "
            "backed up and restored, and how",
        )
    elif backup.supported and not (backup.procedure or "").strip():
        yield Issue(
            ("users", "configuration_backup", "procedure"),
            "configuration backup is supported but no procedure is given",
        )


@rule(
    "PSP-USR-008",
    Severity.WARNING,
    "Returned-device privacy is described",
    f"{P4}: a device sent back for repair or at end of lease may hold PHI and "
    "credentials; the hospital must know how to clear it and what the manufacturer does.",
)
def returned_device_privacy(ctx: LintContext) -> Iterator[Issue]:
    if not (ctx.profile.users.returned_device_privacy or "").strip():
        yield Issue(
            ("users", "returned_device_privacy"),
            "users.returned_device_privacy is missing: say how personal data and credentials "
            "are removed before a device is returned",
        )


@rule(
    "PSP-USR-009",
    Severity.WARNING,
    "Multi-factor authentication support is stated",
    f"{P4}: hospitals require MFA for privileged and remote access; they must know "
    "whether the device supports it and for which roles.",
)
def mfa_stated(ctx: LintContext) -> Iterator[Issue]:
    if ctx.profile.users.mfa is None:
        yield Issue(
            ("users", "mfa"),
            "users.mfa is missing: state whether MFA is supported, its methods and the roles "
            "that require it",
        )


@rule(
    "PSP-USR-010",
    Severity.WARNING,
    "User roles are defined",
    f"{P4}: least privilege starts with knowing the device's roles and what each may do.",
)
def roles_defined(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.users.roles:
        yield Issue(("users", "roles"), "users.roles is empty: list the roles and their privileges")


@rule(
    "PSP-USR-011",
    Severity.INFO,
    "Account administration (local or central) is stated",
    f"{P4}: a hospital prefers to manage device accounts in its directory (LDAP, AD, "
    "RADIUS); it needs to know whether the device can use one.",
)
def administration_stated(ctx: LintContext) -> Iterator[Issue]:
    if ctx.profile.users.administration is None:
        yield Issue(
            ("users", "administration"),
            "users.administration is missing: say whether accounts are local, central "
            "(LDAP, AD, RADIUS, …) or both",
        )


@rule(
    "PSP-USR-012",
    Severity.WARNING,
    "Audit capabilities are stated",
    f"{P4}: accountability means knowing who did what on the device; the hospital must "
    "know which actions are recorded and how to export them.",
)
def audit_stated(ctx: LintContext) -> Iterator[Issue]:
    if ctx.profile.users.audit is None:
        yield Issue(
            ("users", "audit"),
            "users.audit is missing: list what user actions are recorded and how to export them",
        )
