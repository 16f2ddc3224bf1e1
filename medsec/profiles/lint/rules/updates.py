"""Principle 6 — updating: how updates arrive and are applied, priorities, end of support.

The hospital plans updates around clinical work; it needs the channels, how and by
whom updates are installed, what a priority means in days, how third-party components
are watched, and until when the product is supported.
"""

from __future__ import annotations

from collections.abc import Iterator

from medsec.profiles.lint.findings import Severity
from medsec.profiles.lint.registry import Issue, LintContext, rule

P6 = "White paper principle 6 (updating)"


@rule(
    "PSP-UPD-001",
    Severity.WARNING,
    "The update priority scale is explained",
    f'{P6}: "critical" means nothing until it says how soon to install; the hospital '
    "schedules downtime by the stated expectation.",
)
def priority_scale(ctx: LintContext) -> Iterator[Issue]:
    scale = ctx.profile.updates.priority_scale
    if not scale:
        yield Issue(
            ("updates", "priority_scale"),
            "updates.priority_scale is empty: list each priority level, its meaning and the "
            "expected action",
        )
    for index, level in enumerate(scale):
        if not (level.expected_action or "").strip():
            yield Issue(
                ("updates", "priority_scale", index, "expected_action"),
                f"priority '{level.level}' does not say what the customer is expected to do",
            )


@rule(
    "PSP-UPD-002",
    Severity.ERROR,
    "An end-of-support date or plan exists",
    f"{P6}: a device without security updates becomes a risk the hospital must replace "
    "or isolate; it needs the date, or at least the plan, years in advance.",
)
def end_of_support(ctx: LintContext) -> Iterator[Issue]:
    lifecycle = ctx.profile.updates.lifecycle
    if lifecycle is None or not (lifecycle.end_of_support or (lifecycle.plan or "").strip()):
        yield Issue(
            ("updates", "lifecycle", "end_of_support"),
            "no end-of-support date or plan: set updates.lifecycle.end_of_support or describe "
            "the plan",
        )


@rule(
    "PSP-UPD-003",
    Severity.WARNING,
    "Update channels are declared",
    f"{P6}: online, offline media or service visit — each needs different network "
    "paths and procedures at the hospital.",
)
def channels_declared(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.updates.channels:
        yield Issue(
            ("updates", "channels"), "updates.channels is empty: say how updates are delivered"
        )


@rule(
    "PSP-UPD-004",
    Severity.WARNING,
    "How and by whom updates are applied is described",
    f"{P6}: whether an update needs downtime or a shutdown, and whether the customer or "
    "only the manufacturer may install it, decides how fast the hospital can act.",
)
def application_described(ctx: LintContext) -> Iterator[Issue]:
    updates = ctx.profile.updates
    if not updates.apply_modes:
        yield Issue(
            ("updates", "apply_modes"),
            "updates.apply_modes is empty: during-operation, planned-downtime or shutdown?",
        )
    if not (updates.procedure or "").strip():
        yield Issue(("updates", "procedure"), "updates.procedure is missing")
    if not updates.installers:
        yield Issue(
            ("updates", "installers"),
            "updates.installers is empty: may the customer install updates, or only "
            "manufacturer service?",
        )


@rule(
    "PSP-UPD-005",
    Severity.WARNING,
    "Third-party component monitoring is described",
    f"{P6}: most vulnerabilities are in third-party components; the hospital relies on "
    "the manufacturer watching them and must know that it does.",
)
def third_party_monitoring(ctx: LintContext) -> Iterator[Issue]:
    if not (ctx.profile.updates.third_party_monitoring or "").strip():
        yield Issue(
            ("updates", "third_party_monitoring"),
            "updates.third_party_monitoring is missing: say how third-party components are "
            "watched for vulnerabilities",
        )


@rule(
    "PSP-UPD-006",
    Severity.WARNING,
    "The product is still within its support period",
    f"{P6}: after end of support no security updates come; the hospital must plan "
    "replacement or compensating controls.",
    applies=lambda ctx: bool(
        ctx.profile.updates.lifecycle and ctx.profile.updates.lifecycle.end_of_support
    ),
)
def support_not_ended(ctx: LintContext) -> Iterator[Issue]:
    lifecycle = ctx.profile.updates.lifecycle
    if lifecycle and lifecycle.end_of_support and lifecycle.end_of_support < ctx.today:
        yield Issue(
            ("updates", "lifecycle", "end_of_support"),
            f"support ended on {lifecycle.end_of_support.isoformat()}",
        )


@rule(
    "PSP-UPD-007",
    Severity.INFO,
    "The validated third-party patch list is published",
    f"{P6}: for operating-system and other third-party patches the hospital needs to "
    "know which ones the manufacturer has validated for the device.",
)
def validated_patches(ctx: LintContext) -> Iterator[Issue]:
    if not (ctx.profile.updates.validated_patches or "").strip():
        yield Issue(
            ("updates", "validated_patches"),
            "updates.validated_patches is missing: say where the validated patch list is",
        )


@rule(
    "PSP-UPD-008",
    Severity.INFO,
    "Update preparation is described",
    f"{P6}: compatibility checks and data archiving before an update prevent the update "
    "itself from disrupting care.",
)
def preparation(ctx: LintContext) -> Iterator[Issue]:
    if not (ctx.profile.updates.preparation or "").strip():
        yield Issue(
            ("updates", "preparation"),
            "updates.preparation is missing: compatibility checks, data to archive first",
        )
