"""MPII, DIDT, DTBK, IGAU, EMRG: personal data on the device, from ``data`` and ``users``.

Personal data are the data categories of kind ``phi`` or ``pii``.
"""

from __future__ import annotations

from medsec.mds2.answers import Choice
from medsec.mds2.rules.facts import CABLE, WIRELESS, At, Facts, mentions
from medsec.mds2.rules.registry import Context, Derived, RuleBook, na, no, yes
from medsec.profiles.psp import DEVICE, Flow, InterfaceKind

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


@book.rule("MPII-2.3", "MPII-2.4", "DTBK-1", "STCF-3")
def not_stored(ctx: Context) -> Derived | None:
    """Questions about persistent personal-data storage: No when there is none."""
    if ctx.choice("MPII-2.2") is Choice.NO:
        return no(*ctx.cite("MPII-2.2"), note="The device stores no personal data persistently.")
    return ctx.na_because("MPII-2")


@book.rule("MPII-2.5", "MPII-2.8", "MPII-2.9", "IGAU-1", "IGAU-2")
def storage_details(ctx: Context) -> Derived | None:
    if ctx.choice("MPII-2.2") is Choice.NO:
        return na(*ctx.cite("MPII-2.2"), note="The device stores no personal data persistently.")
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


@book.rule("MPII-3.1", "MPII-3.2", "MPII-3.8", "MPII-3.9", "MPII-3.10", "DIDT-1", "DIDT-1.1")
def without_personal_data(ctx: Context) -> Derived | None:
    """Not stated in a profile, but not applicable to a device without personal data."""
    if ctx.choice("MPII-1") is Choice.NO:
        return na(*ctx.cite("MPII-1"), note="The device handles no personal data.")
    return None


@book.rule("EMRG-1")
def emergency(ctx: Context) -> Derived | None:
    sessions = ctx.profile.users.sessions
    if sessions and sessions.emergency_access:
        return yes("users.sessions.emergency_access", note=sessions.emergency_access)
    return None
