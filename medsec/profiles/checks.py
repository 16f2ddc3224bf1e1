"""Cross-checks a profile must pass beyond its types.

These are facts that make a profile wrong, not merely incomplete (incompleteness is
:mod:`medsec.profiles.lint`'s job): dangling references, duplicate ids, impossible
ports, an event id that cannot be an RFC 5424 MSGID, dates in the wrong order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from medsec.errors import Problem
from medsec.profiles.psp import DEVICE, Direction, ProductSecurityProfile

if TYPE_CHECKING:
    from medsec.profiles.loader import PathKey, SourceMap

#: RFC 5424 §6: MSGID = NILVALUE / 1*32PRINTUSASCII (%d33-126).
MSGID = re.compile(r"^[\x21-\x7e]{1,32}$")


def _duplicates(
    ids: Iterable[str], base: PathKey, what: str, source: SourceMap
) -> Iterator[Problem]:
    listed = list(ids)
    counts = Counter(listed)
    seen: set[str] = set()
    for index, value in enumerate(listed):
        if counts[value] > 1 and value in seen:
            first = listed.index(value)
            yield source.problem(
                (*base, index, "id"),
                f"duplicate {what} id '{value}' (first used at {format_index(base, first)})",
            )
        seen.add(value)


def format_index(base: PathKey, index: int) -> str:
    from medsec.profiles.loader import format_path

    return format_path((*base, index))


def _port(value: int | None, path: PathKey, source: SourceMap) -> Iterator[Problem]:
    if value is not None and not 1 <= value <= 65535:
        yield source.problem(path, f"{value} is not a port (1–65535)")


def cross_check(profile: ProductSecurityProfile, source: SourceMap) -> Iterator[Problem]:
    """Every cross-reference and consistency problem of ``profile``."""
    net, data, mon = profile.network, profile.data, profile.monitoring
    interfaces = {i.id for i in net.interfaces}
    endpoints = {e.id for e in net.endpoints} | {DEVICE}
    services = {s.id for s in net.services}
    categories = {c.id for c in data.categories}
    roles = {r.id for r in profile.users.roles}

    yield from _duplicates(
        (i.id for i in net.interfaces), ("network", "interfaces"), "interface", source
    )
    yield from _duplicates(
        (e.id for e in net.endpoints), ("network", "endpoints"), "endpoint", source
    )
    yield from _duplicates((s.id for s in net.services), ("network", "services"), "service", source)
    yield from _duplicates(
        (c.id for c in data.categories), ("data", "categories"), "data category", source
    )
    yield from _duplicates((f.id for f in data.flows), ("data", "flows"), "flow", source)
    yield from _duplicates((e.id for e in mon.events), ("monitoring", "events"), "event", source)
    yield from _duplicates((r.id for r in profile.users.roles), ("users", "roles"), "role", source)
    yield from _duplicates(
        (m.id for m in profile.hardening.measures),
        ("hardening", "measures"),
        "hardening measure",
        source,
    )

    if net.remote_access is not None:
        yield from _duplicates(
            (m.id for m in net.remote_access.methods),
            ("network", "remote_access", "methods"),
            "remote access method",
            source,
        )
    yield from _duplicates(
        (x.id for x in data.extra_network_functions),
        ("data", "extra_network_functions"),
        "extra network function",
        source,
    )

    for index, endpoint in enumerate(net.endpoints):
        if endpoint.id == DEVICE:
            yield source.problem(
                ("network", "endpoints", index, "id"),
                "'device' is reserved for the device itself; give this endpoint another id",
            )

    claimed: dict[tuple[str, str, int], int] = {}
    for index, svc in enumerate(net.services):
        path: PathKey = ("network", "services", index)
        if svc.interface not in interfaces:
            yield source.problem(
                (*path, "interface"),
                f"unknown interface '{svc.interface}'" + _known(interfaces, "network.interfaces"),
            )
        if svc.protocol.has_ports and svc.default_port is None:
            yield source.problem(
                (*path, "default_port"),
                f"a {svc.protocol.value.upper()} service needs default_port",
            )
        if not svc.protocol.has_ports and svc.default_port is not None:
            yield source.problem(
                (*path, "default_port"), f"{svc.protocol.value} has no ports; remove default_port"
            )
        if not svc.protocol.has_ports and svc.configurable_range is not None:
            yield source.problem(
                (*path, "configurable_range"),
                f"{svc.protocol.value} has no ports; remove configurable_range",
            )
        yield from _port(svc.default_port, (*path, "default_port"), source)
        if svc.configurable_range is not None:
            rng = svc.configurable_range
            yield from _port(rng.min, (*path, "configurable_range", "min"), source)
            yield from _port(rng.max, (*path, "configurable_range", "max"), source)
            if rng.min > rng.max:
                yield source.problem(
                    (*path, "configurable_range"), f"min {rng.min} is greater than max {rng.max}"
                )
            elif svc.default_port is not None and svc.default_port not in rng:
                yield source.problem(
                    (*path, "default_port"),
                    f"default port {svc.default_port} is outside its configurable range {rng}",
                )
        if svc.default_port is not None and svc.listening:
            key = (svc.interface, svc.protocol.value, svc.default_port)
            if key in claimed:
                other = net.services[claimed[key]].id
                yield source.problem(
                    (*path, "default_port"),
                    f"{svc.protocol.value}/{svc.default_port} on interface '{svc.interface}' "
                    f"is already claimed by service '{other}'",
                )
            else:
                claimed[key] = index
        for j, client in enumerate(svc.expected_client):
            if client not in endpoints:
                yield source.problem(
                    (*path, "expected_client", j),
                    f"unknown endpoint '{client}'" + _known(endpoints, "network.endpoints"),
                )
        for j, server in enumerate(svc.server):
            if server not in endpoints:
                yield source.problem(
                    (*path, "server", j),
                    f"unknown endpoint '{server}'" + _known(endpoints, "network.endpoints"),
                )
        if svc.direction is Direction.INBOUND and svc.server:
            yield source.problem(
                (*path, "server"), "an inbound service has expected_client, not server"
            )

    if net.remote_access is not None:
        ra = net.remote_access
        if ra.none and ra.methods:
            yield source.problem(
                ("network", "remote_access", "none"),
                "none: true contradicts the listed methods; remove one of them",
            )
        for index, method in enumerate(ra.methods):
            if method.service is not None and method.service not in services:
                yield source.problem(
                    ("network", "remote_access", "methods", index, "service"),
                    f"unknown service '{method.service}'" + _known(services, "network.services"),
                )

    for index, flow in enumerate(data.flows):
        path = ("data", "flows", index)
        for side in ("source", "destination"):
            value = getattr(flow, side)
            if value not in endpoints:
                yield source.problem(
                    (*path, side),
                    f"unknown endpoint '{value}'" + _known(endpoints, "network.endpoints"),
                )
        if flow.source == flow.destination:
            yield source.problem((*path, "destination"), "a flow needs two different endpoints")
        if DEVICE not in (flow.source, flow.destination):
            yield source.problem(
                (*path, "source"), "a flow must start or end at 'device' (the profiled product)"
            )
        for j, category in enumerate(flow.categories):
            if category not in categories:
                yield source.problem(
                    (*path, "categories", j),
                    f"unknown data category '{category}'" + _known(categories, "data.categories"),
                )
        if flow.service is not None and flow.service not in services:
            yield source.problem(
                (*path, "service"),
                f"unknown service '{flow.service}'" + _known(services, "network.services"),
            )
    for index, stored in enumerate(data.storage):
        if stored.category not in categories:
            yield source.problem(
                ("data", "storage", index, "category"),
                f"unknown data category '{stored.category}'"
                + _known(categories, "data.categories"),
            )
    for index, extra in enumerate(data.extra_network_functions):
        if extra.service is not None and extra.service not in services:
            yield source.problem(
                ("data", "extra_network_functions", index, "service"),
                f"unknown service '{extra.service}'" + _known(services, "network.services"),
            )

    for index, transport in enumerate(mon.log_transport):
        if transport.service is not None and transport.service not in services:
            yield source.problem(
                ("monitoring", "log_transport", index, "service"),
                f"unknown service '{transport.service}'" + _known(services, "network.services"),
            )
    for index, event in enumerate(mon.events):
        path = ("monitoring", "events", index)
        if not MSGID.match(event.id):
            yield source.problem(
                (*path, "id"),
                f"'{event.id}' cannot be an RFC 5424 MSGID (1–32 printable ASCII, no spaces)",
            )
        if event.id == "-":
            yield source.problem((*path, "id"), "'-' is the RFC 5424 NILVALUE, not an event id")
        if not 0 <= event.severity <= 7:
            yield source.problem(
                (*path, "severity"),
                f"{event.severity} is not an RFC 5424 severity (0 emergency … 7 debug)",
            )
        if event.match is not None and event.match.regex is not None:
            try:
                re.compile(event.match.regex)
            except re.error as e:
                yield source.problem((*path, "match", "regex"), f"not a valid regex: {e}")

    users = profile.users
    if users.mfa is not None:
        for index, role in enumerate(users.mfa.required_for):
            if role not in roles:
                yield source.problem(
                    ("users", "mfa", "required_for", index),
                    f"unknown role '{role}'" + _known(roles, "users.roles"),
                )
    if users.password_policy is not None and users.password_policy.min_length < 1:
        yield source.problem(
            ("users", "password_policy", "min_length"), "min_length must be at least 1"
        )
    if users.sessions is not None and users.sessions.idle_timeout_minutes is not None:
        if users.sessions.idle_timeout_minutes < 1:
            yield source.problem(
                ("users", "sessions", "idle_timeout_minutes"), "the idle timeout must be ≥ 1 minute"
            )
    if users.default_password is not None:
        dp = users.default_password
        if not dp.exists and dp.change_enforced:
            yield source.problem(
                ("users", "default_password", "change_enforced"),
                "change_enforced is meaningless when exists is false",
            )

    yield from _lifecycle(profile, source)

    for question in profile.mds2:
        if not re.match(r"^[A-Z]{3,4}-\d+(\.\d+)*$", question):
            yield source.problem(
                ("mds2", question),
                f"'{question}' is not an MDS2 question id (like AUTH-1 or MPII-2.3)",
            )


def _lifecycle(profile: ProductSecurityProfile, source: SourceMap) -> Iterator[Problem]:
    lc = profile.updates.lifecycle
    release = profile.product.release_date
    if lc is None:
        return
    base: PathKey = ("updates", "lifecycle")
    if release is not None:
        for name in ("end_of_sale", "end_of_support", "end_of_security_updates"):
            value = getattr(lc, name)
            if value is not None and value < release:
                yield source.problem(
                    (*base, name),
                    f"{name.replace('_', ' ')} {value} is before the release date {release}",
                )
    if lc.end_of_sale and lc.end_of_support and lc.end_of_support < lc.end_of_sale:
        yield source.problem(
            (*base, "end_of_support"),
            f"end of support {lc.end_of_support} is before end of sale {lc.end_of_sale}",
        )
    if (
        lc.end_of_security_updates
        and lc.end_of_support
        and lc.end_of_security_updates > lc.end_of_support
    ):
        yield source.problem(
            (*base, "end_of_security_updates"),
            f"security updates ({lc.end_of_security_updates}) cannot outlast support "
            f"({lc.end_of_support})",
        )


def _known(ids: set[str], where: str) -> str:
    if not ids or ids == {DEVICE}:
        return f"; none are defined in {where}"
    shown = sorted(ids)[:8]
    return f"; known: {', '.join(shown)}{' …' if len(ids) > 8 else ''}"
