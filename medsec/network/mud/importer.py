"""MUD file → draft profile (network section) for a person to complete.

Reads RFC 8520 files (``ietf-access-control-list:acls`` with ``acl``/``aces``/``ace``)
and the pre-RFC drafts' shape (``ietf-access-control-list:access-lists`` or
``access-lists``, with ``acl-name``, ``access-list-entries``, ``rule-name`` and
``permit``/``deny`` actions). Each ACE is read into an :class:`~medsec.network.mud.aces.Ace`;
the ACEs become services (one per direction, protocol and port) with the MUD peers as
endpoints. A draft exported again gives the same ACEs; what a profile cannot say (port
ranges without a default, foreign controller URIs, address networks) is kept as close as
possible and listed in :attr:`Draft.notes`.

>>> draft = import_mud_text('{"ietf-mud:mud": {"mud-url": "https://x.example/m",'
...     ' "systeminfo": "Thing"}, "ietf-access-control-list:acls": {"acl": []}}', "m.json")
>>> draft.profile.product.name
'Thing'
"""

from __future__ import annotations

import io
import re
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML

from medsec.errors import DocumentError, Error, Problem
from medsec.network.mud.aces import (
    IETF_CONTROLLERS,
    MEDSEC_CONTROLLER,
    PROTOCOL_NAMES,
    Ace,
    PeerKind,
    Policy,
)
from medsec.profiles.loader import PathKey, SourceMap, parse_document
from medsec.profiles.psp import ProductSecurityProfile

#: A MUD file is a few KB; refuse very large ones before parsing.
MAX_MUD_BYTES = 4 * 1024 * 1024

_MUD_PEERS: tuple[PeerKind, ...] = (
    "controller",
    "my-controller",
    "local-networks",
    "same-manufacturer",
    "manufacturer",
    "model",
)


@dataclass
class _Reader:
    source: SourceMap
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, path: PathKey, message: str) -> None:
        self.problems.append(self.source.problem(path, message))

    def mapping(self, value: Any, path: PathKey, what: str) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        if value is not None:
            self.fail(path, f"{what} must be an object (found {type(value).__name__})")
        return {}

    def items(self, value: Any, path: PathKey, what: str) -> list[Any]:
        if isinstance(value, list):
            return value
        if value is not None:
            self.fail(path, f"{what} must be a list (found {type(value).__name__})")
        return []

    def port(self, value: Any, path: PathKey) -> tuple[int, int] | None:
        match = self.mapping(value, path, "a port match")
        if not match:
            return None
        if "lower-port" in match or "upper-port" in match:
            low, high = match.get("lower-port"), match.get("upper-port")
            if not (isinstance(low, int) and isinstance(high, int)) or not (
                _is_port(low) and _is_port(high) and low <= high
            ):
                self.fail(path, f"lower-port/upper-port must be ports 0–65535 in order ({match})")
                return None
            return (low, high)
        operator = match.get("operator", "eq")
        port = match.get("port")
        if not isinstance(port, int) or not _is_port(port):
            self.fail((*path, "port"), f"{port!r} is not a port (0–65535)")
            return None
        if operator == "eq":
            return (port, port)
        if operator in ("lte", "gte"):
            self.notes.append(f"{_pointer(path)}: operator {operator} read as a range")
            return (0, port) if operator == "lte" else (port, 65535)
        self.fail((*path, "operator"), f"operator {operator!r} is not supported (eq, lte, gte)")
        return None

    def ace(self, raw: Any, path: PathKey, policy: Policy, family: str) -> Ace | None:
        entry = self.mapping(raw, path, "an ACE")
        matches = self.mapping(entry.get("matches", {}), (*path, "matches"), "matches")
        l3: dict[str, Any] = {}
        for key in ("ipv4", "ipv6", "l3"):
            if key in matches:
                l3 = self.mapping(matches[key], (*path, "matches", key), key)
                if key != "l3":
                    family = key
        # Pre-RFC drafts put the fields straight into matches.
        flat = {k: v for k, v in matches.items() if k not in ("ipv4", "ipv6", "tcp", "udp")}
        fields = {**flat, **l3}
        protocol = fields.get("protocol")
        if protocol is not None and not (
            isinstance(protocol, int) and not isinstance(protocol, bool) and 0 <= protocol <= 255
        ):
            self.fail((*path, "matches", "protocol"), f"{protocol!r} is not a protocol number")
            return None
        l4: dict[str, Any] = {}
        l4_path: PathKey = (*path, "matches")
        for key, number in (("tcp", 6), ("udp", 17)):
            if key in matches:
                l4 = self.mapping(matches[key], (*path, "matches", key), key)
                l4_path = (*path, "matches", key)
                protocol = number if protocol is None else protocol
        l4_fields = {**flat, **l4}
        ports: list[tuple[int, int] | None] = []
        for side in ("source", "destination"):
            key = next(
                (k for k in (f"{side}-port", f"{side}-port-range") if l4_fields.get(k)),
                f"{side}-port",
            )
            ports.append(self.port(l4_fields.get(key), (*l4_path, key)))
        src, dst = ports
        initiated = l4_fields.get("ietf-mud:direction-initiated")
        if initiated not in (None, "from-device", "to-device"):
            self.fail((*path, "matches"), f"direction-initiated {initiated!r} is not valid")
            return None
        peer = self.peer(matches, fields, path, policy)
        if peer is None:
            return None
        action = self.action(entry.get("actions"), (*path, "actions"))
        if action is None:
            return None
        return Ace(policy, family, protocol, src, dst, initiated, peer[0], peer[1], action)  # type: ignore[arg-type]

    def peer(
        self, matches: dict[str, Any], fields: dict[str, Any], path: PathKey, policy: Policy
    ) -> tuple[PeerKind, str] | None:
        mud = self.mapping(matches.get("ietf-mud:mud", {}), (*path, "matches", "ietf-mud:mud"), "")
        for kind in _MUD_PEERS:
            if kind in mud:
                value = mud[kind]
                if kind in ("controller", "manufacturer", "model"):
                    if not isinstance(value, str) or not value:
                        self.fail((*path, "matches", "ietf-mud:mud", kind), "expected a string")
                        return None
                    return (kind, value)
                return (kind, "")
        for key in ("ietf-acldns:dst-dnsname", "ietf-acldns:src-dnsname"):
            if key in fields:
                value = fields[key]
                if not isinstance(value, str) or not value:
                    self.fail((*path, "matches", key), "expected a DNS name")
                    return None
                return ("dnsname", value.lower().rstrip("."))
        for key in (
            "destination-ipv4-network",
            "source-ipv4-network",
            "destination-ipv6-network",
            "source-ipv6-network",
        ):
            if key in fields:
                return ("network", str(fields[key]))
        return ("any", "")

    def action(self, raw: Any, path: PathKey) -> str | None:
        actions = self.mapping(raw, path, "actions")
        forwarding = actions.get("forwarding")
        if forwarding is None:
            for old, new in (("permit", "accept"), ("deny", "drop")):
                if old in actions:
                    forwarding = new
        if isinstance(forwarding, str):
            forwarding = forwarding.split(":")[-1]  # "ietf-access-control-list:accept"
        if forwarding not in ("accept", "drop", "reject"):
            self.fail(path, f"forwarding {forwarding!r} is not accept, drop or reject")
            return None
        return str(forwarding)


def _is_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535


def _pointer(path: PathKey) -> str:
    return "/" + "/".join(str(p) for p in path)


def _policy_names(reader: _Reader, mud: dict[str, Any]) -> dict[str, Policy]:
    names: dict[str, Policy] = {}
    for key, policy in (("from-device-policy", "from-device"), ("to-device-policy", "to-device")):
        container = reader.mapping(mud.get(key), ("ietf-mud:mud", key), key)
        lists = container.get("access-lists") or container.get("acl-list") or {}
        entries = reader.mapping(lists, ("ietf-mud:mud", key, "access-lists"), "access-lists")
        for index, item in enumerate(
            reader.items(entries.get("access-list"), ("ietf-mud:mud", key), "access-list")
        ):
            ref = reader.mapping(item, ("ietf-mud:mud", key, index), "an access-list")
            name = ref.get("name") or ref.get("acl-name")
            if isinstance(name, str):
                names[name] = policy  # type: ignore[assignment]
    return names


def read_aces(data: Any, source: SourceMap) -> tuple[dict[str, Any], list[Ace], list[str]]:
    """The ``ietf-mud:mud`` container, every ACE and the notes, or raise DocumentError."""
    reader = _Reader(source)
    root = reader.mapping(data, (), "a MUD file")
    if not root and not reader.problems:
        reader.fail((), "a MUD file is a JSON object with ietf-mud:mud")
    mud = reader.mapping(root.get("ietf-mud:mud"), ("ietf-mud:mud",), "ietf-mud:mud")
    if "ietf-mud:mud" not in root and root:
        reader.fail((), "ietf-mud:mud is missing: this is not a MUD file")
    key = next(
        (
            k
            for k in (
                "ietf-access-control-list:acls",
                "ietf-access-control-list:access-lists",
                "access-lists",
            )
            if k in root
        ),
        None,
    )
    if key is None and root:
        reader.fail((), "no ACLs: expected ietf-access-control-list:acls (or access-lists)")
    container = reader.mapping(root.get(key) if key else None, (key or "",), key or "")
    policies = _policy_names(reader, mud)
    aces: list[Ace] = []
    for index, raw in enumerate(reader.items(container.get("acl"), (key or "", "acl"), "acl")):
        path: PathKey = (key or "", "acl", index)
        acl = reader.mapping(raw, path, "an ACL")
        name = acl.get("name") or acl.get("acl-name")
        policy = policies.get(name) if isinstance(name, str) else None
        if policy is None:
            reader.notes.append(f"ACL {name!r} is not referenced by a device policy; skipped")
            continue
        acl_type = str(acl.get("type") or acl.get("acl-type") or "ipv4-acl-type")
        family = "ipv6" if "ipv6" in acl_type else "ipv4"
        entries_key = "aces" if "aces" in acl else "access-list-entries"
        entries = reader.mapping(acl.get(entries_key), (*path, entries_key), entries_key)
        for i, raw_ace in enumerate(reader.items(entries.get("ace"), (*path, entries_key), "ace")):
            ace = reader.ace(raw_ace, (*path, entries_key, "ace", i), policy, family)
            if ace is not None and ace not in aces:
                aces.append(ace)
    if reader.problems:
        raise DocumentError(source.file, reader.problems)
    return mud, aces, reader.notes


# --------------------------------------------------------------------------- draft


@dataclass(frozen=True)
class Draft:
    """A draft profile from a MUD file: valid, but only its network section is filled."""

    profile: ProductSecurityProfile
    data: dict[str, Any]
    aces: int
    notes: tuple[str, ...]

    @property
    def services(self) -> list[Any]:
        return list(self.profile.network.services)

    def yaml(self) -> str:
        out = io.StringIO()
        out.write("# Draft profile imported from a MUD file by `medsec network mud import`.\n")
        out.write("# Complete it (descriptions, data flows, the other sections) before use.\n")
        for note in self.notes:
            out.write(f"# note: {note}\n")
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
        yaml.dump(self.data, out)
        return out.getvalue()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:56] or "peer"


def _service_name(protocol: int | None, port: tuple[int, int] | None) -> str:
    proto = PROTOCOL_NAMES.get(protocol or -1, "ip")
    if port is None:
        return proto
    if proto in ("tcp", "udp") and port[0] == port[1] and port[0] > 0:
        try:
            return socket.getservbyport(port[0], proto)
        except OSError:
            pass
    return f"{proto}-{port[0]}" if port[0] == port[1] else f"{proto}-{port[0]}-{port[1]}"


@dataclass
class _Endpoint:
    id: str
    kind: str
    name: str
    dns_names: list[str] = field(default_factory=list)
    description: str | None = None


def _endpoint(peer: PeerKind, value: str, notes: list[str]) -> _Endpoint:
    if peer == "dnsname":
        return _Endpoint(f"dns-{_slug(value)}", "other", value, [value])
    if peer == "controller":
        for endpoint_id, urn in IETF_CONTROLLERS.items():
            if value == urn:
                return _Endpoint(endpoint_id, "infrastructure", f"{endpoint_id.upper()} server")
        if value.startswith(MEDSEC_CONTROLLER):
            endpoint_id = value.removeprefix(MEDSEC_CONTROLLER)
            return _Endpoint(endpoint_id, "server", endpoint_id)
        notes.append(f"controller class {value} became endpoint 'ctl-{_slug(value)}'")
        return _Endpoint(
            f"ctl-{_slug(value)}", "server", value, description=f"MUD controller {value}"
        )
    if peer == "manufacturer":
        return _Endpoint(f"mfg-{_slug(value)}", "manufacturer", f"Devices of {value}")
    if peer == "model":
        notes.append(f"model {value} became a local-networks endpoint")
        return _Endpoint(f"model-{_slug(value)}", "device", value, description=f"MUD model {value}")
    if peer == "network":
        notes.append(f"address network {value} became endpoint 'net-{_slug(value)}'")
        return _Endpoint(f"net-{_slug(value)}", "other", value, description=f"network {value}")
    if peer == "any":
        return _Endpoint("any", "other", "Any address")
    names = {
        "my-controller": ("server", "This device's controller"),
        "local-networks": ("other", "Local networks"),
        "same-manufacturer": ("device", "Devices of the same manufacturer"),
    }
    kind, name = names[peer]
    return _Endpoint(peer, kind, name)


def _service_key(ace: Ace) -> tuple[str, int | None, tuple[int, int] | None]:
    """(direction, protocol, port) of the service an ACE belongs to."""
    if ace.dst_ports is not None and (ace.src_ports is None or ace.initiated == ace.policy):
        direction = "outbound" if ace.policy == "from-device" else "inbound"
        return direction, ace.protocol, ace.dst_ports
    if ace.src_ports is not None:
        direction = "inbound" if ace.policy == "from-device" else "outbound"
        return direction, ace.protocol, ace.src_ports
    if ace.initiated is not None:
        return ("outbound" if ace.initiated == "from-device" else "inbound"), ace.protocol, None
    return "outbound", ace.protocol, None


def _contradicts(ace: Ace) -> bool:
    """A TCP ACE whose only port sits on the side that opens the connection."""
    if ace.initiated is None:
        return False
    sends = ace.policy == "from-device"
    peer_port = ace.dst_ports if sends else ace.src_ports
    device_port = ace.src_ports if sends else ace.dst_ports
    if ace.initiated == "from-device":
        return device_port is not None and peer_port is None
    return peer_port is not None and device_port is None


def _product(mud: dict[str, Any]) -> dict[str, Any]:
    url = mud.get("mud-url") if isinstance(mud.get("mud-url"), str) else None
    host = urlsplit(url).hostname if url else None
    text = {k: v for k, v in mud.items() if isinstance(v, str) and v.strip()}
    product: dict[str, Any] = {
        "manufacturer": {"name": text.get("mfg-name") or host or "Unknown manufacturer"},
        "name": text.get("model-name") or text.get("systeminfo") or host or "MUD device",
        "version": text.get("software-rev") or text.get("firmware-rev") or "unknown",
    }
    if "systeminfo" in text:
        product["description"] = text["systeminfo"]
    if "documentation" in text and text["documentation"].startswith(("http://", "https://")):
        product["manufacturer"]["url"] = text["documentation"]
    if "firmware-rev" in text:
        product["platform"] = {"firmware": [{"name": "firmware", "version": text["firmware-rev"]}]}
    return product


def draft_from_aces(mud: dict[str, Any], aces: list[Ace], notes: list[str]) -> Draft:
    endpoints: dict[str, _Endpoint] = {}
    by_peer: dict[tuple[str, str], str] = {}
    services: dict[tuple[str, int | None, tuple[int, int] | None], list[str]] = {}
    mfg_domains = sorted({a.peer_value for a in aces if a.peer == "manufacturer"})
    for ace in aces:
        if ace.action != "accept":
            notes.append(f"a {ace.action} ACE was left out (profiles list what is allowed)")
            continue
        if _contradicts(ace):
            notes.append(
                f"{ace.policy} {PROTOCOL_NAMES.get(ace.protocol or -1, 'ip')} ACE initiated "
                f"{ace.initiated} has its port on the opening side; read by its port alone"
            )
        endpoint_id = by_peer.get((ace.peer, ace.peer_value))
        if endpoint_id is None:
            endpoint = _endpoint(ace.peer, ace.peer_value, notes)
            while endpoint.id in endpoints:  # two values with the same slug
                endpoint.id = f"{endpoint.id[:56]}-{len(endpoints)}"
            endpoints[endpoint.id] = endpoint
            endpoint_id = by_peer[(ace.peer, ace.peer_value)] = endpoint.id
        peers = services.setdefault(_service_key(ace), [])
        if endpoint_id not in peers:
            peers.append(endpoint_id)
    product = _product(mud)
    if mfg_domains:
        product["manufacturer"]["url"] = f"https://{mfg_domains[0]}"
        if len(mfg_domains) > 1:
            notes.append(f"several manufacturer domains ({', '.join(mfg_domains)}); kept the first")
    service_items: list[dict[str, Any]] = []
    used: set[str] = set()
    listening: dict[tuple[int | None, int], dict[str, Any]] = {}
    for (direction, protocol, port), peers in services.items():
        proto = PROTOCOL_NAMES.get(protocol, "other") if protocol is not None else "ip"
        if proto == "other":
            notes.append(f"IP protocol {protocol} has no profile protocol; its ACEs are lost")
        name = _service_name(protocol, port)
        base = f"{'in' if direction == 'inbound' else 'out'}-{_slug(name)}"[:56]
        sid = base
        while sid in used:
            sid = f"{base}-{len(used)}"
        used.add(sid)
        item: dict[str, Any] = {
            "id": sid,
            "name": name,
            "description": f"From the MUD file: {direction} {name}",
            "protocol": proto,
            "interface": "net0",
            "direction": direction,
        }
        if port is not None and proto in ("tcp", "udp", "sctp"):
            default = port[0] if port[0] > 0 else port[1] if port[1] > 0 else 1
            claimed = listening.get((protocol, default))
            if direction == "inbound" and claimed is not None:
                notes.append(f"inbound {proto} {port} merged into {claimed['id']} (same port)")
                claimed["expected_client"].extend(
                    p for p in peers if p not in claimed["expected_client"]
                )
                continue
            item["default_port"] = default
            if port[0] != port[1]:
                item["configurable_range"] = {"min": max(port[0], 1), "max": port[1]}
                notes.append(f"{sid}: port range {port[0]}-{port[1]} kept as configurable_range")
        elif proto == "sctp":
            # RFC 8519 matches no SCTP ports, but a profile's SCTP service needs one.
            item["default_port"] = 1
            item["configurable_range"] = {"min": 1, "max": 65535}
            notes.append(f"{sid}: a MUD file gives no SCTP port; set default_port")
        elif port is not None:
            notes.append(f"{sid}: ports {port} dropped ({proto} has none in a profile)")
        item["server" if direction == "outbound" else "expected_client"] = list(peers)
        if direction == "inbound" and "default_port" in item:
            listening[(protocol, item["default_port"])] = item
        service_items.append(item)
    data = {
        "psp_version": 1,
        "product": product,
        "network": {
            "interfaces": [
                {"id": "net0", "kind": "other", "description": "Network interface (from MUD)"}
            ],
            "endpoints": [_endpoint_dict(e) for e in endpoints.values()],
            "services": service_items,
        },
    }
    return Draft(_validated(data), data, len(aces), tuple(dict.fromkeys(notes)))


def _endpoint_dict(e: _Endpoint) -> dict[str, Any]:
    out: dict[str, Any] = {"id": e.id, "name": e.name, "kind": e.kind}
    if e.description:
        out["description"] = e.description
    if e.dns_names:
        out["dns_names"] = e.dns_names
    return out


def _validated(data: dict[str, Any]) -> ProductSecurityProfile:
    from medsec.profiles.loader import build_profile, parse_document

    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    try:
        return build_profile(parse_document(out.getvalue(), "<mud draft>"))
    except DocumentError as e:
        raise Error(
            "the draft profile made from this MUD file is not valid:\n" + e.diagnostics(),
            hint="this is a bug in medsec's MUD import; please report it with the file",
        ) from e


def import_mud_text(text: str, file: str = "<mud>") -> Draft:
    """Read a MUD file into a draft profile; bad input raises :class:`DocumentError`."""
    if len(text) > MAX_MUD_BYTES:
        raise Error(f"{file}: larger than the {MAX_MUD_BYTES} bytes a MUD file may be")
    parsed = parse_document(text, file)
    mud, aces, notes = read_aces(parsed.data, parsed.source)
    return draft_from_aces(mud, aces, notes)


def import_mud_data(data: Any, file: str = "<mud>") -> Draft:
    """Like :func:`import_mud_text` for already parsed JSON (no line numbers)."""
    mud, aces, notes = read_aces(data, SourceMap(file))
    return draft_from_aces(mud, aces, notes)
