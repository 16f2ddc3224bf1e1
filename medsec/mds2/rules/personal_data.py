"""MPII, DIDT, EMRG: personal data on the device, from ``data`` and ``users``.

Personal data are the data categories of kind ``phi`` or ``pii``. How they are stored
(MPII-2.3–2.9) is in :mod:`medsec.mds2.rules.storage`.
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import CABLE, WIRELESS, At, Facts, mentions, path, written
from medsec.mds2.rules.registry import (
    Context,
    Derived,
    Fact,
    RuleBook,
    any_of,
    na,
    no,
    stated,
    yes,
)
from medsec.profiles.psp import DEVICE, Flow, InterfaceKind, PersonalDataChannelKind

book = RuleBook()

#: Storage locations that are not the device's own internal media.
NOT_INTERNAL = r"removable|usb|sd.?card|external|remote|cloud|server|network|share"


def _no_personal_data(ctx: Context) -> Derived | None:
    """No when the profile lists data categories and none of them is personal."""
    if ctx.facts.categories_listed and not ctx.facts.personal_categories:
        return no("data.categories", note="No data category of kind phi or pii.")
    return None


def _names(items: list[At[Flow]]) -> str:
    return ", ".join(f.item.id for f in items)


@book.rule("MPII-1")
def personal(ctx: Context) -> Derived | None:
    found = ctx.facts.personal_categories
    if found:
        names = "; ".join(c.item.name for c in found)
        return yes(*(c.path for c in found), note=f"Personal data: {names}.")
    return _no_personal_data(ctx)


@book.rule("MPII-2")
def maintains(ctx: Context) -> Derived | None:
    facts = ctx.facts
    held = [s.path for s in facts.personal_storage] + [f.path for f in facts.personal_flows]
    if held:
        return yes(*held, note="The device stores, receives or sends personal data.")
    return _no_personal_data(ctx)


@book.rule("MPII-2.1")
def in_memory(ctx: Context) -> Derived | None:
    flows = ctx.facts.personal_flows
    if flows:
        return yes(
            *(f.path for f in flows),
            note=f"Personal data pass through the device in flows {_names(flows)}.",
        )
    return ctx.na_because("MPII-2")


@book.rule("MPII-2.2")
def persistent(ctx: Context) -> Derived | None:
    facts = ctx.facts
    stored = facts.personal_storage
    if stored:
        if any(mentions(NOT_INTERNAL, s.item.location) for s in stored):
            return None  # stored, but perhaps not on internal media: the author must say
        where = "; ".join(f"{s.item.category}: {s.item.location}" for s in stored)
        return yes(*(s.path for s in stored), note=f"Stored in {where}.")
    if facts.storage_listed:
        return no("data.storage", note="No personal data category is listed in data.storage.")
    return ctx.na_because("MPII-2")


@book.rule("MPII-2.6", "MPII-3")
def exchanges(ctx: Context) -> Derived | None:
    flows = ctx.facts.personal_flows
    if flows:
        return yes(*(f.path for f in flows), note=f"Personal-data flows: {_names(flows)}.")
    if ctx.facts.flows_listed:
        return no("data.flows", note="No listed flow of the device carries personal data.")
    return _no_personal_data(ctx)


@book.rule("MPII-2.7")
def survives_power_off(ctx: Context) -> Derived | None:
    stored = ctx.facts.personal_storage
    if stored:
        return yes(*(s.path for s in stored), note="Personal data are stored at rest.")
    if ctx.choice("MPII-2.2") is Choice.NO:
        return no(*ctx.cite("MPII-2.2"))
    return ctx.na_because("MPII-2")


def _over(ctx: Context, kinds: frozenset[InterfaceKind], what: str) -> Derived | None:
    """Whether personal data travel over interfaces of ``kinds``.

    Yes when a personal-data flow uses such an interface; No when every personal-data
    flow names a service whose interface is of another kind; otherwise unknown.
    """
    if ctx.choice("MPII-3") is Choice.NO:
        return na(*ctx.cite("MPII-3"), note="Not applicable: MPII-3 is No.")
    flows = ctx.facts.personal_flows
    if not flows:
        return None
    used: list[str] = []
    for flow in flows:
        interface = ctx.facts.flow_interface(flow.item)
        if interface is None:
            return None
        if interface.kind in kinds:
            used.append(f"{flow.path}.service")
    if used:
        return yes(*used, note=f"Personal data are sent or received over {what}.")
    sources = [f"{f.path}.service" for f in flows]
    return no(*sources, note=f"No personal-data flow uses {what}.")


@book.rule("MPII-3.3")
def removable_media(ctx: Context) -> Derived | None:
    return _over(ctx, frozenset({InterfaceKind.USB}), "a USB interface")


@book.rule("MPII-3.4")
def cable(ctx: Context) -> Derived | None:
    return _over(ctx, CABLE, "a USB or serial cable")


@book.rule("MPII-3.5")
def wired(ctx: Context) -> Derived | None:
    return _over(ctx, frozenset({InterfaceKind.ETHERNET}), "a wired network")


@book.rule("MPII-3.6")
def wireless(ctx: Context) -> Derived | None:
    return _over(ctx, WIRELESS, "a wireless interface")


@book.rule("MPII-3.7")
def external_network(ctx: Context) -> Derived | None:
    if ctx.choice("MPII-3") is Choice.NO:
        return na(*ctx.cite("MPII-3"), note="Not applicable: MPII-3 is No.")
    flows = ctx.facts.personal_flows
    if not flows:
        return None
    verdicts = [(f, _external(ctx.facts, f.item)) for f in flows]
    if any(v is True for _, v in verdicts):
        out = [f"{f.path}.{_end(f.item)}" for f, v in verdicts if v]
        return yes(*out, note="Personal data go to endpoints outside the customer's network.")
    if all(v is False for _, v in verdicts):
        peers = sorted({ctx.profile.endpoint_name(ctx.facts.peer(f.item)) for f in flows})
        return no(
            *(f"{f.path}.{_end(f.item)}" for f in flows),
            note=f"Personal data go only to {', '.join(peers)} in the customer's network.",
        )
    return None


def _end(flow: Flow) -> str:
    return "destination" if flow.source == DEVICE else "source"


def _external(facts: Facts, flow: Flow) -> bool | None:
    return facts.external(facts.peer(flow))


def _without_personal_data(ctx: Context) -> Derived | None:
    if ctx.choice("MPII-1") is Choice.NO:
        return na(*ctx.cite("MPII-1"), note="The device handles no personal data.")
    return None


@book.rule("MPII-3.1")
def displays(ctx: Context) -> Derived | None:
    found = ctx.profile.data.displays_personal_data
    return _without_personal_data(ctx) or stated(found, "data.displays_personal_data")


@book.rule("MPII-3.2")
def prints(ctx: Context) -> Derived | None:
    found = ctx.profile.data.prints_personal_data
    return _without_personal_data(ctx) or stated(found, "data.prints_personal_data")


def _channels(ctx: Context, scanning: bool) -> Derived | None:
    """Yes when a listed other channel is (or, for ``scanning`` False, is not) document
    scanning; No when the list is written and has none."""
    if (skip := _without_personal_data(ctx)) is not None:
        return skip
    data = ctx.profile.data
    if not written(data, "other_personal_data_channels"):
        return None
    found = [
        (i, c)
        for i, c in enumerate(data.other_personal_data_channels)
        if (c.kind is PersonalDataChannelKind.DOCUMENT_SCANNING) is scanning
    ]
    if found:
        return yes(
            *(path("data", "other_personal_data_channels", i, "kind") for i, _ in found),
            note="; ".join(c.description for _, c in found),
        )
    what = "document scanning" if scanning else "other channel"
    return no("data.other_personal_data_channels", note=f"No {what} is listed.")


@book.rule("MPII-3.8")
def document_scanning(ctx: Context) -> Derived | None:
    return _channels(ctx, scanning=True)


@book.rule("MPII-3.9")
def proprietary(ctx: Context) -> Derived | None:
    if ctx.choice("MPII-3") is Choice.NO:
        return na(*ctx.cite("MPII-3"), note="Not applicable: MPII-3 is No.")
    services = [ctx.facts.flow_service(f.item) for f in ctx.facts.personal_flows]
    if not services or any(s is None for s in services):
        return None
    unique = {s.id: s for s in services if s is not None}  # one fact per service, in order
    facts: list[Fact] = [
        (f"{ctx.facts.service_path(i)}.proprietary", s.proprietary, i) for i, s in unique.items()
    ]
    return any_of(facts, what="Services carrying personal data over a proprietary protocol")


@book.rule("MPII-3.10")
def other_mechanisms(ctx: Context) -> Derived | None:
    return _channels(ctx, scanning=False)


@book.rule("DIDT-1")
def de_identification(ctx: Context) -> Derived | None:
    found = ctx.profile.data.de_identification
    if (skip := _without_personal_data(ctx)) is not None or found is None:
        return skip
    return stated(found.supported, "data.de_identification.supported", note=found.description)


@book.rule("DIDT-1.1")
def dicom_de_identification(ctx: Context) -> Derived | None:
    found = ctx.profile.data.de_identification
    if (skip := _without_personal_data(ctx) or ctx.na_because("DIDT-1")) is not None:
        return skip
    if found is None:
        return None
    return stated(found.dicom_ps3_15, "data.de_identification.dicom_ps3_15")


@book.rule("EMRG-1")
def emergency(ctx: Context) -> Derived | None:
    sessions = ctx.profile.users.sessions
    if sessions and sessions.emergency_access:
        return yes("users.sessions.emergency_access", note=sessions.emergency_access)
    return None
