"""CSUP, RDMP, SBOM: security updates, lifecycle and the SBOM, from ``updates`` and ``monitoring``.

CSUP asks, for each kind of software the device contains (operating system, drivers and
firmware, anti-malware, other COTS, other software), how its patches are installed. The
profile describes how the product's updates are installed, which answers x.1–x.4 for the
kinds that are installed with the product's updates (OS, firmware, COTS, other software)
once the kind is known to be present; anti-malware has its own update path and stays
manual. Whether the device has an operating system or COTS is not in PSP v1, so CSUP-2,
CSUP-5 and CSUP-6 are manual.
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import path, written
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, no, yes

book = RuleBook()

REMOTE_CHANNELS = ("online", "central-server")


def _section_na(ctx: Context) -> Derived | None:
    """CSUP-1: "If no, answer N/A to questions in this section"."""
    return ctx.na_because("CSUP-1")


@book.rule("CSUP-1")
def has_updates(ctx: Context) -> Derived | None:
    updates = ctx.profile.updates
    evidence = [
        f"updates.{f}"
        for f in ("channels", "priority_scale", "third_party_monitoring")
        if getattr(updates, f)
    ]
    if not evidence:
        return None
    return yes(*evidence, note="The manufacturer ships security updates for the product.")


@book.rule("CSUP-3")
def firmware(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    if ctx.profile.product.samd or ctx.choice("CSUP-1") is not Choice.YES:
        return None
    return yes(
        "product.samd",
        *ctx.cite("CSUP-1"),
        note="A hardware device whose software is updated carries firmware.",
    )


@book.rule("CSUP-4")
def anti_malware(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    hardening = ctx.profile.hardening
    # A listed product may be one the customer installs, so a list does not say the
    # device contains it; only a list written empty says "none".
    if not hardening.endpoint_protection and written(hardening, "endpoint_protection"):
        return no("hardening.endpoint_protection", note="No endpoint protection product is listed.")
    return None


def _installation(kind: str, sub: int) -> None:
    """Register CSUP-<kind>.<sub>: how software of that kind is patched."""
    question = f"CSUP-{kind}.{sub}"
    parent = f"CSUP-{kind}"

    def rule(ctx: Context) -> Derived | None:
        if (skip := _section_na(ctx) or ctx.na_because(parent)) is not None:
            return skip
        if ctx.choice(parent) is not Choice.YES or kind == "4":
            return None
        return _INSTALLATION[sub](ctx)

    rule.__name__ = f"installation_{kind}_{sub}"
    book.add(question, rule)


def _owner_installs(ctx: Context) -> Derived | None:
    updates = ctx.profile.updates
    if not updates.installers:
        return None
    customer = "customer" in updates.installers
    if customer and not updates.procedure:
        return None
    sources = ["updates.installers"] + (["updates.procedure"] if customer else [])
    return either(customer, *sources, note=updates.procedure if customer else None)


def _vendor_installs(ctx: Context) -> Derived | None:
    installers = ctx.profile.updates.installers
    if not installers:
        return None
    return either(
        "customer" not in installers,
        "updates.installers",
        note=f"Installed by: {', '.join(installers)}.",
    )


def _remote_install(ctx: Context) -> Derived | None:
    channels = ctx.profile.updates.channels
    if not channels:
        return None
    remote = [i for i, c in enumerate(channels) if c.kind in REMOTE_CHANNELS]
    if remote:
        return yes(*(path("updates", "channels", i, "kind") for i in remote))
    return no("updates.channels", note="Updates arrive only on media or by a service visit.")


def _third_party_unapproved(ctx: Context) -> Derived | None:
    validated = ctx.profile.updates.validated_patches
    if not validated:
        return None
    return no(
        "updates.validated_patches",
        note=f"Third-party patches are validated by the manufacturer first: {validated}",
    )


_INSTALLATION = {
    1: _owner_installs,
    2: _vendor_installs,
    3: _remote_install,
    4: _third_party_unapproved,
}

for _kind in ("2", "3", "4", "5", "6"):
    for _sub in _INSTALLATION:
        _installation(_kind, _sub)


@book.rule("CSUP-2", "CSUP-5", "CSUP-6", "CSUP-8", "CSUP-10", "CSUP-10.1", "CSUP-11.2")
def not_in_profile(ctx: Context) -> Derived | None:
    return _section_na(ctx)


@book.rule("CSUP-7")
def notifies(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    channels = ctx.profile.recovery.advisory_channels
    if not channels:
        return None
    return yes("recovery.advisory_channels", note="; ".join(channels))


@book.rule("CSUP-9")
def approved_software(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    validated = [p for p in ctx.profile.hardening.endpoint_protection if p.validated]
    if not validated:
        return None
    names = ", ".join(f"{p.product} {p.version or ''}".strip() for p in validated)
    return yes("hardening.endpoint_protection", note=f"Validated: {names}.")


@book.rule("CSUP-11")
def assesses(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    found = ctx.profile.updates.third_party_monitoring
    return yes("updates.third_party_monitoring", note=found) if found else None


@book.rule("CSUP-11.1")
def approval_status(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    found = ctx.profile.updates.validated_patches
    return yes("updates.validated_patches", note=f"Validated patches: {found}") if found else None


# --------------------------------------------------------------------------- RDMP


@book.rule("RDMP-3")
def support_dates(ctx: Context) -> Derived | None:
    lifecycle = ctx.profile.updates.lifecycle
    if lifecycle is None:
        return None
    dates = [
        (f, getattr(lifecycle, f))
        for f in ("end_of_sale", "end_of_support", "end_of_security_updates")
        if getattr(lifecycle, f)
    ]
    if not dates:
        return None
    said = ", ".join(f"{f.replace('_', ' ')}: {d}" for f, d in dates)
    return yes(
        *(f"updates.lifecycle.{f}" for f, _ in dates), note=f"Published in the profile: {said}."
    )


# --------------------------------------------------------------------------- SBOM


@book.rule("SBOM-1")
def sbom(ctx: Context) -> Derived | None:
    found = ctx.profile.monitoring.sbom
    if found is None:
        return None
    where = found.url or found.path or found.availability
    return yes("monitoring.sbom", note=where)


@book.rule("SBOM-2", "SBOM-2.1")
def sbom_standard(ctx: Context) -> Derived | None:
    found = ctx.profile.monitoring.sbom
    if found is None:
        return ctx.na_because("SBOM-1")
    name = {"cyclonedx": "CycloneDX", "spdx": "SPDX"}[found.format]
    version = f" {found.spec_version}" if found.spec_version else ""
    return yes("monitoring.sbom.format", note=f"{name}{version}, which lists each component.")


@book.rule("SBOM-2.2", "SBOM-2.3", "SBOM-2.4")
def sbom_details(ctx: Context) -> Derived | None:
    return ctx.na_because("SBOM-1")
