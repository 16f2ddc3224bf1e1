"""MLDP, PLOK, SAHD, SGUD, DTBK: malware protection, hardening, guidance, backup and reset.

From ``hardening``, ``network.services``, ``updates``, ``users.reset`` and
``users.configuration_backup``.
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import At, mentions, path
from medsec.mds2.rules.registry import Context, Derived, RuleBook, no, yes
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


# --------------------------------------------------------------------------- MLDP


@book.rule("MLDP-1")
def hosts_software(ctx: Context) -> Derived | None:
    validated = [p for p in ctx.profile.hardening.endpoint_protection if p.validated]
    if not validated:
        return None
    return yes(
        "hardening.endpoint_protection",
        note="The device runs validated third-party endpoint protection software.",
    )


@book.rule("MLDP-2")
def supports_anti_malware(ctx: Context) -> Derived | None:
    hardening = ctx.profile.hardening
    validated = [p for p in hardening.endpoint_protection if p.validated]
    if validated:
        names = ", ".join(p.product for p in validated)
        return yes("hardening.endpoint_protection", note=f"Validated: {names}.")
    if "endpoint_protection" in hardening.model_fields_set:
        return no(
            "hardening.endpoint_protection", note="No endpoint protection product is validated."
        )
    return None


@book.rule("MLDP-2.1", "MLDP-2.4", "MLDP-2.5", "MLDP-2.6", "MLDP-2.7", "MLDP-2.8")
def anti_malware_details(ctx: Context) -> Derived | None:
    return ctx.na_because("MLDP-2")


@book.rule("MLDP-2.2", "MLDP-2.3")
def anti_malware_option(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("MLDP-2")) is not None:
        return skip
    documented = [
        p for p in ctx.profile.hardening.endpoint_protection if p.validated and p.configuration
    ]
    if not documented:
        return None
    how = "; ".join(f"{p.product}: {p.configuration}" for p in documented)
    return yes("hardening.endpoint_protection", note=how)


@book.rule("MLDP-3")
def compensating_controls(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("MLDP-2", when=Choice.YES)) is not None:
        return skip
    if ctx.choice("MLDP-2") is not Choice.NO:
        return None
    measures = ctx.profile.hardening.measures
    if not measures:
        return None
    titles = "; ".join(m.title for m in measures)
    return yes("hardening.measures", note=f"Hardening measures: {titles}.")


# --------------------------------------------------------------------------- PLOK


@book.rule("PLOK-2", "PLOK-3", "PLOK-4")
def locks(ctx: Context) -> Derived | None:
    return ctx.na_because("PLOK-1", when=Choice.YES)


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


@book.rule("SAHD-3", "SAHD-3.2")
def signed_updates(ctx: Context) -> Derived | None:
    found = [(where, said) for where, said in _update_texts(ctx) if mentions(SIGNED, said)]
    if not found:
        return None
    return yes(*(w for w, _ in found), note=" ".join(s for _, s in found if s))


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


# --------------------------------------------------------------------------- DTBK


@book.rule("DTBK-2")
def factory_reset(ctx: Context) -> Derived | None:
    reset = ctx.profile.users.reset
    return yes("users.reset.procedure", note=reset.procedure) if reset else None


@book.rule("DTBK-5")
def configuration_backup(ctx: Context) -> Derived | None:
    backup = ctx.profile.users.configuration_backup
    if backup is None:
        return None
    if not backup.supported:
        return no("users.configuration_backup.supported", note="No configuration backup.")
    said = backup.procedure or "Configuration backup is supported."
    return Derived(
        ("users.configuration_backup.supported",),
        choice=Choice.SEE_NOTE,
        note=f"{said} Patch and software restoration are not described in the profile.",
    )
