"""RMOT: remote service, from ``network.remote_access`` and ``updates.channels``.

Each remote-access method says what it is for (``purposes``), whether the device shows an
active session (``session_indicator``) and whether personal data can be seen in it
(``patient_data_visible``). A question about sessions is answered only when every method
states the fact.
"""

from __future__ import annotations

from medsec.mds2.rules.facts import path
from medsec.mds2.rules.registry import (
    Context,
    Derived,
    Fact,
    RuleBook,
    all_of,
    any_of,
    either,
    no,
    yes,
)
from medsec.profiles.psp import RemoteAccessMethod, RemotePurpose

book = RuleBook()


def _methods(ctx: Context) -> list[tuple[str, RemoteAccessMethod]]:
    remote = ctx.profile.network.remote_access
    methods = remote.methods if remote else []
    return [(path("network", "remote_access", "methods", i), m) for i, m in enumerate(methods)]


@book.rule("RMOT-1")
def remote_service(ctx: Context) -> Derived | None:
    remote = ctx.profile.network.remote_access
    if remote is None:
        return None
    if remote.methods:
        described = "; ".join(m.description for m in remote.methods)
        return yes("network.remote_access.methods", note=described)
    if remote.none:
        return no("network.remote_access.none", note=remote.statement)
    return None


@book.rule("RMOT-1.1")
def customer_initiated(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("RMOT-1")) is not None:
        return skip
    methods = _methods(ctx)
    if not methods:
        return None
    by_customer = [m for _, m in methods if m.initiated_by == "customer"]
    return either(bool(by_customer), *(f"{where}.initiated_by" for where, _ in methods))


@book.rule("RMOT-1.2")
def session_indicator(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("RMOT-1")) is not None:
        return skip
    facts: list[Fact] = [
        (f"{where}.session_indicator", m.session_indicator, m.id) for where, m in _methods(ctx)
    ]
    return all_of(facts, what="The device shows the session")


@book.rule("RMOT-1.3")
def patient_data(ctx: Context) -> Derived | None:
    if (skip := ctx.na_because("RMOT-1")) is not None:
        return skip
    facts: list[Fact] = [
        (f"{where}.patient_data_visible", m.patient_data_visible, m.id)
        for where, m in _methods(ctx)
    ]
    return any_of(facts, what="Personal data can be seen in the session")


@book.rule("RMOT-2")
def predictive_maintenance(ctx: Context) -> Derived | None:
    remote = ctx.profile.network.remote_access
    if remote and remote.none and not remote.methods:
        return no("network.remote_access.none", note="The device has no remote access.")
    facts: list[Fact] = [
        (
            f"{where}.purposes",
            (RemotePurpose.PREDICTIVE_MAINTENANCE in m.purposes) if m.purposes else None,
            m.id,
        )
        for where, m in _methods(ctx)
    ]
    return any_of(facts, what="Used for predictive maintenance")


@book.rule("RMOT-3")
def other_remote(ctx: Context) -> Derived | None:
    channels = ctx.profile.updates.channels
    remote = [(i, c) for i, c in enumerate(channels) if c.kind in ("online", "central-server")]
    if remote:
        described = "; ".join(c.description or c.kind for _, c in remote)
        return yes(
            *(path("updates", "channels", i, "kind") for i, _ in remote),
            note=f"Software updates over the network: {described}",
        )
    return None
