"""CSUP: cybersecurity product upgrades, from ``updates``, ``product.platform`` and ``hardening``.

CSUP asks, for each kind of software the device contains (operating system, drivers and
firmware, anti-malware, other COTS, other software), how its patches are installed.
Whether a kind is present comes from ``product.platform`` (an operating system, lists of
firmware, COTS and other software; a list written empty says "none") and, for
anti-malware, from ``hardening.endpoint_protection[].preinstalled``. The profile describes
how the product's updates are installed, which answers x.1–x.4 for the kinds that are
installed with the product's updates (OS, firmware, COTS, other software) once the kind is
known to be present; anti-malware has its own update path and stays manual.
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
    either,
    no,
    stated,
    yes,
)
from medsec.profiles.psp import OwnerInstalledSoftware

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


@book.rule("CSUP-2")
def operating_system(ctx: Context) -> Derived | None:
    """Yes when the product brings an operating system; No for bare-metal firmware. An
    operating system the customer provides (SaMD) is not the device's: left open."""
    if (skip := _section_na(ctx)) is not None:
        return skip
    platform = ctx.profile.product.platform
    if platform is None:
        return None
    found = platform.operating_system
    if found is not None and found.provided_by != "customer":
        version = f" {found.version}" if found.version else ""
        return yes("product.platform.operating_system.name", note=f"{found.name}{version}.")
    if platform.bare_metal:
        return no("product.platform.bare_metal", note="Firmware without an operating system.")
    return None


def _components(ctx: Context, field: str, what: str) -> Derived | None:
    """Yes when ``product.platform.<field>`` lists components; No when written empty."""
    platform = ctx.profile.product.platform
    if platform is None or not written(platform, field):
        return None
    found = getattr(platform, field)
    if not found:
        return no(f"product.platform.{field}", note=f"The device contains no {what}.")
    names = "; ".join(
        " ".join(p for p in (c.name, c.version, f"({c.supplier})" if c.supplier else None) if p)
        for c in found
    )
    return yes(f"product.platform.{field}", note=f"{names}.")


@book.rule("CSUP-3")
def firmware(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    if (listed := _components(ctx, "firmware", "drivers or firmware")) is not None:
        return listed
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
    products = hardening.endpoint_protection
    # A listed product may be one the customer installs, so only one marked preinstalled
    # says the device contains it; a list written empty says "none".
    if not products and written(hardening, "endpoint_protection"):
        return no("hardening.endpoint_protection", note="No endpoint protection product is listed.")
    facts: list[Fact] = [
        (path("hardening", "endpoint_protection", i, "preinstalled"), p.preinstalled, p.product)
        for i, p in enumerate(products)
    ]
    return any_of(facts, what="Installed when delivered")


@book.rule("CSUP-5")
def cots(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    return _components(ctx, "cots", "off-the-shelf components besides the operating system")


@book.rule("CSUP-6")
def other_software(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    return _components(ctx, "other_software", "other software components")


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


@book.rule("CSUP-8")
def automatic(ctx: Context) -> Derived | None:
    return _section_na(ctx) or stated(ctx.profile.updates.automatic, "updates.automatic")


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
    if validated:
        names = ", ".join(f"{p.product} {p.version or ''}".strip() for p in validated)
        return yes("hardening.endpoint_protection", note=f"Validated: {names}.")
    allowed = ctx.profile.updates.owner_installed_software
    if allowed is OwnerInstalledSoftware.APPROVED_LIST:
        return yes("updates.owner_installed_software")
    if allowed is OwnerInstalledSoftware.NOT_ALLOWED:
        return no(
            "updates.owner_installed_software", note="No third-party software may be installed."
        )
    return None


@book.rule("CSUP-10")
def owner_installs_software(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    allowed = ctx.profile.updates.owner_installed_software
    if allowed is None:
        return None
    return either(
        allowed is not OwnerInstalledSoftware.NOT_ALLOWED,
        "updates.owner_installed_software",
        note=f"Third-party software the customer may install: {allowed}.",
    )


@book.rule("CSUP-10.1")
def unapproved_software_blocked(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    found = ctx.profile.hardening.allow_listing
    if found is None or not found.enforced:
        return None
    return yes("hardening.allow_listing.enforced", note=found.mechanism)


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


@book.rule("CSUP-11.2")
def review_cycle(ctx: Context) -> Derived | None:
    if (skip := _section_na(ctx)) is not None:
        return skip
    found = ctx.profile.updates.review_cycle
    return yes("updates.review_cycle", note=found) if found else None
