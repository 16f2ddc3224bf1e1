"""SAHD, SGUD: system and application hardening and security guidance.

From ``hardening`` (standards, boot protection, allow-listing, measures…),
``product.secure_development``, ``network.services``, ``updates`` and ``users.reset``.
Malware protection is in :mod:`medsec.mds2.rules.malware`, physical security in
:mod:`medsec.mds2.rules.physical`, accounts in :mod:`medsec.mds2.rules.accounts`.
"""

from __future__ import annotations

from medsec.mds2.rules.facts import At, mentions, path, written
from medsec.mds2.rules.registry import Context, Derived, RuleBook, either, no, stated, yes
from medsec.profiles.psp import Service, Wipeable

book = RuleBook()

#: IANA names of file-sharing services (SAHD-7's "shared resources").
FILE_SHARING = frozenset(
    {
        "microsoft-ds",
        "netbios-ssn",
        "smb",
        "cifs",
        "nfs",
        "ftp",
        "ftps",
        "tftp",
        "afpovertcp",
        "webdav",
    }
)
#: Words in an update description that say packages are signed and checked.
SIGNED = r"sign(?:ed|ature)|code.?sign"


# --------------------------------------------------------------------------- SAHD


def _update_texts(ctx: Context) -> list[tuple[str, str | None]]:
    updates = ctx.profile.updates
    texts: list[tuple[str, str | None]] = [
        ("network.offline_updates", ctx.profile.network.offline_updates),
        ("updates.procedure", updates.procedure),
    ]
    texts += [
        (path("updates", "channels", i, "description"), c.description)
        for i, c in enumerate(updates.channels)
    ]
    return texts


@book.rule("SAHD-1")
def standards(ctx: Context) -> Derived | None:
    hardening = ctx.profile.hardening
    if not written(hardening, "standards"):
        return None
    found = hardening.standards
    note = f"Hardened to {'; '.join(found)}." if found else "No hardening standard is named."
    return either(bool(found), "hardening.standards", note=note)


@book.rule("SAHD-2")
def certifications(ctx: Context) -> Derived | None:
    development = ctx.profile.product.secure_development
    if development is None or not written(development, "certifications"):
        return None
    found = development.certifications
    return either(
        bool(found),
        "product.secure_development.certifications",
        note="; ".join(found) if found else "No cybersecurity certification.",
    )


@book.rule("SAHD-3", "SAHD-3.2")
def signed_updates(ctx: Context) -> Derived | None:
    found = [(where, said) for where, said in _update_texts(ctx) if mentions(SIGNED, said)]
    if not found:
        return None
    return yes(*(w for w, _ in found), note=" ".join(s for _, s in found if s))


@book.rule("SAHD-3.1")
def authorized_software(ctx: Context) -> Derived | None:
    """Yes when secure boot or enforced allow-listing lets only authorized software run."""
    hardening = ctx.profile.hardening
    if hardening.boot and hardening.boot.secure_boot:
        return yes("hardening.boot.secure_boot", note="The device boots only signed software.")
    if hardening.allow_listing and hardening.allow_listing.enforced:
        return yes("hardening.allow_listing.enforced", note=hardening.allow_listing.mechanism)
    return None


@book.rule("SAHD-4")
def owner_integrity_check(ctx: Context) -> Derived | None:
    found = ctx.profile.hardening.owner_integrity_check
    return yes("hardening.owner_integrity_check", note=found) if found else None


def _unneeded(services: list[At[Service]]) -> list[At[Service]]:
    return [s for s in services if not s.item.required and s.item.enabled_by_default]


@book.rule("SAHD-7")
def file_shares(ctx: Context) -> Derived | None:
    if not ctx.facts.services_listed:
        return None
    shares = [s for s in ctx.facts.services if s.item.name.lower() in FILE_SHARING]
    open_ = _unneeded(shares)
    if open_:
        names = ", ".join(s.item.id for s in open_)
        return no(
            *(f"{s.path}.enabled_by_default" for s in open_),
            note=f"Enabled though optional: {names}.",
        )
    if shares:
        return yes(
            *(f"{s.path}.required" for s in shares),
            note="File sharing is required for intended use.",
        )
    return yes("network.services", note="No file-sharing service is listed.")


@book.rule("SAHD-8", "SAHD-9")
def unneeded_services(ctx: Context) -> Derived | None:
    if not ctx.facts.services_listed:
        return None
    open_ = _unneeded(ctx.facts.services)
    extras = [
        (i, f)
        for i, f in enumerate(ctx.profile.data.extra_network_functions)
        if f.enabled_by_default
    ]
    if open_ or extras:
        names = ", ".join([s.item.id for s in open_] + [f.id for _, f in extras])
        sources = [f"{s.path}.enabled_by_default" for s in open_] + [
            path("data", "extra_network_functions", i, "enabled_by_default") for i, _ in extras
        ]
        return no(*sources, note=f"Optional but enabled by default: {names}.")
    optional = [s for s in ctx.facts.services if not s.item.required]
    sources = [f"{s.path}.enabled_by_default" for s in optional] or ["network.services"]
    return yes(*sources, note="Every optional service is disabled by default.")


@book.rule("SAHD-10")
def unneeded_software(ctx: Context) -> Derived | None:
    removed = ctx.profile.hardening.unneeded_software_removed
    return stated(removed, "hardening.unneeded_software_removed")


def _boot(ctx: Context, field: str) -> Derived | None:
    boot = ctx.profile.hardening.boot
    return stated(getattr(boot, field), f"hardening.boot.{field}") if boot else None


@book.rule("SAHD-11")
def removable_boot(ctx: Context) -> Derived | None:
    return _boot(ctx, "blocks_removable_media_boot")


@book.rule("SAHD-13")
def scanning_guidance(ctx: Context) -> Derived | None:
    found = ctx.profile.hardening.scanning_guidance
    return yes("hardening.scanning_guidance", note=found) if found else None


@book.rule("SAHD-14")
def further_hardening(ctx: Context) -> Derived | None:
    extra = [
        (i, m) for i, m in enumerate(ctx.profile.hardening.measures) if not m.applied_by_default
    ]
    if not extra:
        return None
    return yes(
        *(path("hardening", "measures", i, "applied_by_default") for i, _ in extra),
        note="; ".join(m.title for _, m in extra),
    )


@book.rule("SAHD-14.1")
def hardening_instructions(ctx: Context) -> Derived | None:
    measures = ctx.profile.hardening.measures
    if not measures:
        return None
    return yes("hardening.measures", note=f"{len(measures)} hardening measures with their impact.")


@book.rule("SAHD-15")
def bootloader(ctx: Context) -> Derived | None:
    return _boot(ctx, "protects_bootloader")


# --------------------------------------------------------------------------- SGUD


@book.rule("SGUD-1")
def security_documentation(ctx: Context) -> Derived | None:
    hardening, network = ctx.profile.hardening, ctx.profile.network
    evidence = [
        where
        for where, present in (
            ("hardening.secure_by_default", hardening.secure_by_default),
            ("hardening.measures", hardening.measures),
            ("network.deployment", network.deployment),
        )
        if present
    ]
    if not evidence:
        return None
    return yes(*evidence, note="Covered by the customer security guide derived from the profile.")


@book.rule("SGUD-2")
def permanent_deletion(ctx: Context) -> Derived | None:
    reset = ctx.profile.users.reset
    if reset is None or Wipeable.PHI not in reset.wipes:
        return None
    wiped = ", ".join(str(w) for w in reset.wipes)
    return yes("users.reset.wipes", note=f"{reset.procedure} Wipes: {wiped}.")


@book.rule("SGUD-4")
def compensating_documentation(ctx: Context) -> Derived | None:
    sources = [
        f"{s.path}.compensating_controls"
        for s in ctx.facts.services
        if s.item.compensating_controls
    ]
    sources += [
        path("hardening", "measures", i, "risk_if_not_applied")
        for i, m in enumerate(ctx.profile.hardening.measures)
        if m.risk_if_not_applied
    ]
    if not sources:
        return None
    return yes(*sources, note="Compensating controls and the risk of each omitted measure.")
