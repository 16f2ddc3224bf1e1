"""SBOM, RDMP: the software bill of materials and third-party components over the life cycle.

From ``monitoring.sbom`` (``component_fields`` is complete when written, so a field missing
from it answers No), ``product.secure_development`` and ``updates.lifecycle``.
"""

from __future__ import annotations

from medsec.mds2.rules.facts import written
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, yes
from medsec.profiles.psp import SbomField

book = RuleBook()

#: SBOM-2.4: component fields beyond name, supplier and version.
DESCRIPTIVE = frozenset(
    {SbomField.PURL, SbomField.CPE, SbomField.HASHES, SbomField.LICENSES, SbomField.DEPENDENCIES}
)


# --------------------------------------------------------------------------- RDMP


@book.rule("RDMP-1")
def secure_development(ctx: Context) -> Derived | None:
    development = ctx.profile.product.secure_development
    if development is None or not written(development, "standards"):
        return None
    found = development.standards
    note = f"Followed: {'; '.join(found)}." if found else "No secure development standard."
    return either(bool(found), "product.secure_development.standards", note=note)


@book.rule("RDMP-2")
def third_party_evaluation(ctx: Context) -> Derived | None:
    development = ctx.profile.product.secure_development
    found = development.third_party_evaluation if development else None
    return yes("product.secure_development.third_party_evaluation", note=found) if found else None


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


@book.rule("RDMP-4")
def component_end_of_life(ctx: Context) -> Derived | None:
    lifecycle = ctx.profile.updates.lifecycle
    found = lifecycle.third_party_end_of_life if lifecycle else None
    return yes("updates.lifecycle.third_party_end_of_life", note=found) if found else None


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


def _component_field(ctx: Context, wanted: frozenset[SbomField]) -> Derived | None:
    """Yes when every SBOM component carries one of ``wanted``; No when none is listed."""
    found = ctx.profile.monitoring.sbom
    if found is None:
        return ctx.na_because("SBOM-1")
    if not found.component_fields:
        return None
    carried = ", ".join(str(f) for f in found.component_fields)
    return either(
        bool(wanted & set(found.component_fields)),
        "monitoring.sbom.component_fields",
        note=f"Each component carries: {carried}.",
    )


@book.rule("SBOM-2.2")
def suppliers(ctx: Context) -> Derived | None:
    return _component_field(ctx, frozenset({SbomField.SUPPLIER}))


@book.rule("SBOM-2.3")
def versions(ctx: Context) -> Derived | None:
    return _component_field(ctx, frozenset({SbomField.VERSION}))


@book.rule("SBOM-2.4")
def descriptive(ctx: Context) -> Derived | None:
    return _component_field(ctx, DESCRIPTIVE)


@book.rule("SBOM-3")
def on_device(ctx: Context) -> Derived | None:
    found = ctx.profile.monitoring.sbom
    listing = found.on_device_listing if found else None
    return yes("monitoring.sbom.on_device_listing", note=listing) if listing else None


@book.rule("SBOM-4")
def update_process(ctx: Context) -> Derived | None:
    found = ctx.profile.monitoring.sbom
    process = found.update_process if found else None
    return yes("monitoring.sbom.update_process", note=process) if process else None
