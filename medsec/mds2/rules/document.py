"""DOC: the document's header fields, CVD, ISAO and SaMD, from ``product`` and ``recovery``."""

from __future__ import annotations

from medsec.mds2.rules.facts import written
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, no, text, yes

book = RuleBook()


@book.rule("DOC-1")
def manufacturer(ctx: Context) -> Derived | None:
    return text(ctx.profile.product.manufacturer.name, "product.manufacturer.name")


@book.rule("DOC-2")
def description(ctx: Context) -> Derived | None:
    found = ctx.profile.product.description
    return text(found, "product.description") if found else None


@book.rule("DOC-3")
def model(ctx: Context) -> Derived | None:
    product = ctx.profile.product
    if product.models:
        value = f"{', '.join(product.models)} (version {product.version})"
        return text(value, "product.models", "product.version")
    return text(f"{product.name} {product.version}", "product.name", "product.version")


@book.rule("DOC-4")
def document_id(ctx: Context) -> Derived | None:
    product = ctx.profile.product
    return text(
        f"MDS2 {product.name} {product.version}",
        "product.name",
        "product.version",
        note="Names the product version this MDS2 describes; set mds2.DOC-4 for your own number.",
    )


@book.rule("DOC-5")
def contact(ctx: Context) -> Derived | None:
    contacts = ctx.profile.recovery.support_contacts
    if not contacts:
        return None
    lines = []
    for c in contacts:
        parts = [c.name, c.email, c.phone, c.url]
        lines.append(", ".join(p for p in parts if p))
    return text("; ".join(lines), "recovery.support_contacts")


@book.rule("DOC-6")
def intended_use(ctx: Context) -> Derived | None:
    found = ctx.profile.product.intended_network_use
    return text(found, "product.intended_network_use") if found else None


@book.rule("DOC-8")
def disclosure(ctx: Context) -> Derived | None:
    cvd = ctx.profile.recovery.cvd
    if cvd is None:
        return None
    parts = [f"Report to {', '.join(cvd.contacts)}"]
    if cvd.policy:
        parts.append(f"policy: {cvd.policy}")
    return yes("recovery.cvd.contacts", note="; ".join(parts) + ".")


@book.rule("DOC-9")
def isao(ctx: Context) -> Derived | None:
    recovery = ctx.profile.recovery
    if recovery.isac:
        return yes("recovery.isac", note=f"Member of {', '.join(recovery.isac)}.")
    if written(recovery, "isac"):
        return no("recovery.isac")
    return None


@book.rule("DOC-10")
def diagram(ctx: Context) -> Derived | None:
    """medsec's customer security guide draws the profile's flows (medsec.documents.diagram)."""
    if not ctx.profile.data.flows:
        return None
    return yes(
        "data.flows",
        note="The customer security guide derived from this profile has a data-flow diagram.",
    )


@book.rule("DOC-11", "PLOK-1")
def samd(ctx: Context) -> Derived | None:
    return either(ctx.profile.product.samd, "product.samd")


def _samd_os(ctx: Context, provider: str) -> Derived | None:
    """DOC-11.1/11.2: whether the operating system comes with the SaMD or from the owner."""
    if (skip := ctx.na_because("DOC-11")) is not None:
        return skip
    platform = ctx.profile.product.platform
    found = platform.operating_system if platform else None
    if found is None or found.provided_by is None:
        return None
    return either(
        found.provided_by == provider,
        "product.platform.operating_system.provided_by",
        note=f"{found.name}, provided by the {found.provided_by}.",
    )


@book.rule("DOC-11.1")
def samd_contains_os(ctx: Context) -> Derived | None:
    return _samd_os(ctx, "manufacturer")


@book.rule("DOC-11.2")
def samd_relies_on_owner_os(ctx: Context) -> Derived | None:
    return _samd_os(ctx, "customer")


def _hosted(ctx: Context, host: str) -> Derived | None:
    if (skip := ctx.na_because("DOC-11")) is not None:
        return skip
    hosts = ctx.profile.product.hosted_by
    if not hosts:
        return None
    return either(host in hosts, "product.hosted_by", note=f"Hosted by: {', '.join(hosts)}.")


@book.rule("DOC-11.3")
def samd_hosted_by_manufacturer(ctx: Context) -> Derived | None:
    return _hosted(ctx, "manufacturer")


@book.rule("DOC-11.4")
def samd_hosted_by_customer(ctx: Context) -> Derived | None:
    return _hosted(ctx, "customer")
