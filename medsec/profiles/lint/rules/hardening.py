"""Principle 5 — hardening: secure by default, and measures the hospital can weigh.

Each hardening measure is a trade-off the hospital makes with clinical operation in
mind, so the manufacturer states what it costs (functional impact), what not applying
it risks, and whether it can be undone — and ships the device secure by default.
"""

from __future__ import annotations

from collections.abc import Iterator

from medsec.profiles.lint.findings import Severity
from medsec.profiles.lint.registry import Issue, LintContext, rule

P5 = "White paper principle 5 (hardening)"


def _has_measures(ctx: LintContext) -> bool:
    return bool(ctx.profile.hardening.measures)


@rule(
    "PSP-HARD-001",
    Severity.WARNING,
    "A secure-by-default statement is given",
    f"{P5}: the hospital should receive the device in its hardened state and needs to "
    "know what that state is.",
)
def secure_by_default(ctx: LintContext) -> Iterator[Issue]:
    if not (ctx.profile.hardening.secure_by_default or "").strip():
        yield Issue(
            ("hardening", "secure_by_default"),
            "hardening.secure_by_default is missing: describe the state the device ships in",
        )


@rule(
    "PSP-HARD-002",
    Severity.WARNING,
    "Every hardening measure states its functional impact and its risk if not applied",
    f"{P5}: hardening is a decision between function and risk; without both sides the "
    "hospital cannot make it.",
    applies=_has_measures,
)
def measure_tradeoff(ctx: LintContext) -> Iterator[Issue]:
    for index, measure in enumerate(ctx.profile.hardening.measures):
        path = ("hardening", "measures", index)
        if not (measure.functional_impact or "").strip():
            yield Issue(
                (*path, "functional_impact"),
                f"hardening measure '{measure.id}' does not state its functional impact",
            )
        if not (measure.risk_if_not_applied or "").strip():
            yield Issue(
                (*path, "risk_if_not_applied"),
                f"hardening measure '{measure.id}' does not state the risk of not applying it",
            )


@rule(
    "PSP-HARD-003",
    Severity.WARNING,
    "Hardening measures are listed",
    f"{P5}: the manufacturer knows which settings reduce the attack surface without "
    "harming clinical use; the hospital should not have to discover them.",
)
def measures_listed(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.hardening.measures:
        yield Issue(
            ("hardening", "measures"),
            "hardening.measures is empty: list the measures the hospital can apply",
        )


@rule(
    "PSP-HARD-004",
    Severity.INFO,
    "Every hardening measure states reversibility and safety implications",
    f"{P5}: whether a measure can be undone and whether it touches patient safety "
    "decides who may approve it.",
    applies=_has_measures,
)
def measure_consequences(ctx: LintContext) -> Iterator[Issue]:
    for index, measure in enumerate(ctx.profile.hardening.measures):
        path = ("hardening", "measures", index)
        if measure.reversible is None:
            yield Issue(
                (*path, "reversible"),
                f"hardening measure '{measure.id}' does not state whether it is reversible",
            )
        if not (measure.safety_implications or "").strip():
            yield Issue(
                (*path, "safety_implications"),
                f"hardening measure '{measure.id}' does not state its safety implications",
            )


@rule(
    "PSP-HARD-005",
    Severity.WARNING,
    "Validated endpoint protection comes with its configuration",
    f"{P5}: anti-malware validated by the manufacturer is only safe with the settings "
    "that were validated (exclusions, scan schedule).",
    applies=lambda ctx: any(p.validated for p in ctx.profile.hardening.endpoint_protection),
)
def endpoint_protection_configuration(ctx: LintContext) -> Iterator[Issue]:
    for index, product in enumerate(ctx.profile.hardening.endpoint_protection):
        if product.validated and not (product.configuration or "").strip():
            yield Issue(
                ("hardening", "endpoint_protection", index, "configuration"),
                f"validated endpoint protection '{product.product}' gives no configuration",
            )


@rule(
    "PSP-HARD-006",
    Severity.WARNING,
    "Optional services are disabled by default",
    f"{P5}: secure by default means a service the device does not need for its core "
    "function is off until the hospital turns it on.",
    applies=lambda ctx: any(not s.required for s in ctx.profile.network.services),
)
def optional_services_off(ctx: LintContext) -> Iterator[Issue]:
    for index, svc in enumerate(ctx.profile.network.services):
        if not svc.required and svc.enabled_by_default:
            yield Issue(
                ("network", "services", index, "enabled_by_default"),
                f"optional service '{svc.id}' (required: false) is enabled by default",
            )
