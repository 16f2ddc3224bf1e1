"""STCF, TXCF, TXIG: personal data at rest and in transit, from ``data.storage`` and flows."""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import CABLE, authenticated
from medsec.mds2.rules.registry import (
    Context,
    Derived,
    RuleBook,
    na,
    no,
    see_note,
    stated,
    yes,
)
from medsec.profiles.psp import DEVICE, EncryptionKind, Flow

book = RuleBook()

#: IANA service names of the healthcare protocols TXCF-5 names (DICOM, HL7, IEEE 11073).
HEALTH_PROTOCOLS = frozenset({"dicom", "dicom-tls", "dicom-iscl", "hl7", "hl7-mllp", "fhir"})


def _no_personal(ctx: Context) -> Derived | None:
    if ctx.choice("MPII-1") is Choice.NO:
        return na(*ctx.cite("MPII-1"), note="The device handles no personal data.")
    return None


# --------------------------------------------------------------------------- STCF (at rest)


@book.rule("STCF-1")
def encrypts_at_rest(ctx: Context) -> Derived | None:
    storage = ctx.profile.data.storage
    encrypted = [
        f"data.storage[{i}].encrypted_at_rest" for i, s in enumerate(storage) if s.encrypted_at_rest
    ]
    if encrypted:
        return yes(*encrypted)
    if storage:
        return no("data.storage", note="No listed storage is encrypted at rest.")
    return None


@book.rule("STCF-1.1", "STCF-1.2")
def all_personal_encrypted(ctx: Context) -> Derived | None:
    """STCF concerns personal data (its section text): are all stored personal data encrypted?

    ``encrypted_at_rest`` states how the product is delivered, so it also answers STCF-1.2
    (encryption configured by default).
    """
    if (skip := ctx.na_because("STCF-1")) is not None:
        return skip
    stored = ctx.facts.personal_storage
    if not stored:
        return _no_personal(ctx)
    plain = [s for s in stored if not s.item.encrypted_at_rest]
    sources = [f"{s.path}.encrypted_at_rest" for s in stored]
    if plain:
        names = ", ".join(f"{s.item.category} ({s.item.location})" for s in plain)
        return no(*sources, note=f"Not encrypted at rest: {names}.")
    described = "; ".join(f"{s.item.category}: {s.item.method or 'encrypted'}" for s in stored)
    return yes(*sources, note=f"Personal data at rest: {described}.")


@book.rule("STCF-1.3")
def encryption_instructions(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("STCF-1") or _no_personal(ctx)) is not None:
        return skip
    found = ctx.profile.data.encryption_at_rest
    if found is None or not found.instructions:
        return None
    return yes("data.encryption_at_rest.instructions", note=found.instructions)


@book.rule("STCF-2")
def keys_changeable(ctx: Context) -> Derived | None:
    found = ctx.profile.data.encryption_at_rest
    if (skip := _no_personal(ctx)) is not None or found is None:
        return skip
    return stated(found.keys_changeable, "data.encryption_at_rest.keys_changeable")


# --------------------------------------------------------------------------- TXCF (in transit)


@book.rule("TXCF-1")
def cable_only(ctx: Context) -> Derived | None:
    flows = ctx.facts.personal_flows
    if not flows:
        return _no_personal(ctx)
    kinds = [ctx.facts.flow_interface(f.item) for f in flows]
    if any(k is None for k in kinds):
        return None
    sources = [f"{f.path}.service" for f in flows]
    only_cable = all(k is not None and k.kind in CABLE for k in kinds)
    if only_cable:
        return yes(*sources, note="Personal data travel only over USB or serial cables.")
    return no(*sources, note="Personal data travel over a network interface.")


@book.rule("TXCF-2")
def encrypted_in_transit(ctx: Context) -> Derived | None:
    flows = ctx.facts.personal_flows
    if not flows:
        return _no_personal(ctx)
    kinds = [(f, ctx.facts.flow_encryption(f.item)) for f in flows]
    sources = [f"{f.path}.encryption" for f in flows]
    plain = [f.item.id for f, k in kinds if k is EncryptionKind.NONE]
    if plain:
        return no(*sources, note=f"Personal data sent unencrypted in flows {', '.join(plain)}.")
    if any(k is None for _, k in kinds):
        return None
    used = sorted({str(k) for _, k in kinds})
    return yes(*sources, note=f"Every personal-data flow is encrypted ({', '.join(used)}).")


@book.rule("TXCF-2.1")
def configurable_encryption(ctx: Context) -> Derived | None:
    """Whether unencrypted personal-data flows have an encrypted twin the customer can use
    instead: a flow with the same ends that carries the same categories (DICOM TLS beside
    DICOM). Yes when every one has; See note when only some have, naming both."""
    if (skip := ctx.na_because("TXCF-2", when=Choice.YES) or _no_personal(ctx)) is not None:
        return skip
    flows = ctx.facts.personal_flows
    kinds = [(f, ctx.facts.flow_encryption(f.item)) for f in flows]
    encrypted = [f for f, k in kinds if k not in (None, EncryptionKind.NONE)]
    plain = [f for f, k in kinds if k is EncryptionKind.NONE]
    twins = {
        p.item.id: next((e for e in encrypted if _same_route(e.item, p.item)), None) for p in plain
    }
    found = [(name, t) for name, t in twins.items() if t is not None]
    if not found:
        return None
    sources = [f"{t.path}.encryption" for _, t in found]
    said = "; ".join(f"{name} can be replaced by {t.item.id}" for name, t in found)
    missing = [name for name, t in twins.items() if t is None]
    if not missing:
        return yes(*sources, note=f"{said}.")
    return see_note(
        *sources, note=f"{said}. No encrypted alternative is listed for {', '.join(missing)}."
    )


def _same_route(a: Flow, b: Flow) -> bool:
    return (a.source, a.destination) == (b.source, b.destination) and set(b.categories) <= set(
        a.categories
    )


@book.rule("TXCF-3")
def fixed_destinations(ctx: Context) -> Derived | None:
    flows = [f for f in ctx.facts.personal_flows if f.item.source == DEVICE]
    if not flows:
        return _no_personal(ctx)
    peers = sorted({ctx.profile.endpoint_name(f.item.destination) for f in flows})
    return yes(
        *(f"{f.path}.destination" for f in flows),
        note=f"The device sends personal data only to: {', '.join(peers)}.",
    )


@book.rule("TXCF-4")
def authenticated_peers(ctx: Context) -> Derived | None:
    flows = ctx.facts.personal_flows
    if not flows:
        return _no_personal(ctx)
    services = [(f, ctx.facts.flow_service(f.item)) for f in flows]
    if any(s is None for _, s in services):
        return None
    verdicts = [(f, s, authenticated(s.authentication)) for f, s in services if s]
    sources = [f"{ctx.facts.service_path(s.id)}.authentication" for _, s, _ in verdicts]
    if any(v is False for _, _, v in verdicts):
        open_ = sorted({s.id for _, s, v in verdicts if v is False})
        return no(*sources, note=f"Services without authentication: {', '.join(open_)}.")
    if all(v for _, _, v in verdicts):
        how = "; ".join(sorted({f"{s.id}: {s.authentication}" for _, s, _ in verdicts}))
        return yes(*sources, note=how)
    return None


@book.rule("TXCF-5")
def health_protocols(ctx: Context) -> Derived | None:
    for flow in ctx.facts.personal_flows:
        service = ctx.facts.flow_service(flow.item)
        if service and service.name.lower() in HEALTH_PROTOCOLS:
            if ctx.facts.flow_encryption(flow.item) not in (None, EncryptionKind.NONE):
                return yes(
                    f"{flow.path}.service", note=f"{service.name} over {service.encryption}."
                )
    return _no_personal(ctx)


# --------------------------------------------------------------------------- TXIG


@book.rule("TXIG-1")
def integrity(ctx: Context) -> Derived | None:
    protected = [f for f in ctx.facts.device_flows if f.item.integrity]
    if not protected:
        return None
    how = "; ".join(f"{f.item.id}: {f.item.integrity}" for f in protected)
    return yes(*(f"{f.path}.integrity" for f in protected), note=how)
