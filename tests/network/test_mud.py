"""MUD (RFC 8520): export from profiles, import into draft profiles, and the round trip."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.errors import DocumentError, Error
from medsec.network.mud.aces import IETF_CONTROLLERS, MEDSEC_CONTROLLER, Ace, PeerKind
from medsec.network.mud.export import export_mud, mud_document, profile_aces, service_aces
from medsec.network.mud.importer import import_mud_data, import_mud_text, read_aces
from medsec.profiles.loader import SourceMap, load_profile
from medsec.profiles.psp import Direction, ProductSecurityProfile

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
PUMP = REPO / "examples" / "infusion-pump.yaml"
CT = REPO / "examples" / "ct-scanner.yaml"
PACS = REPO / "examples" / "pacs-server.yaml"
MONITOR = Path(__file__).resolve().parent / "fixtures" / "monitor.yaml"


def mud_aces(document: dict[str, Any]) -> set[Ace]:
    _, aces, _ = read_aces(document, SourceMap("<test>"))
    return set(aces)


def all_aces(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        ace
        for acl in document["ietf-access-control-list:acls"]["acl"]
        for ace in acl["aces"]["ace"]
    ]


# --------------------------------------------------------------------------- export


def test_the_mud_container_has_the_rfc_8520_fields() -> None:
    document = export_mud(load_profile(PUMP), now=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    mud = document["ietf-mud:mud"]
    assert mud["mud-version"] == 1
    assert (
        mud["mud-url"] == "https://www.northwind-infusion.example/mud/northwind-lvp-3000/4-2-1.json"
    )
    assert mud["cache-validity"] == 48 and mud["is-supported"] is True
    assert mud["mfg-name"] == "Northwind Infusion Systems"
    assert mud["software-rev"] == "4.2.1"
    assert len(mud["systeminfo"]) <= 60
    dt.datetime.fromisoformat(mud["last-update"])
    names = {a["name"] for a in document["ietf-access-control-list:acls"]["acl"]}
    for key in ("from-device-policy", "to-device-policy"):
        listed = {x["name"] for x in mud[key]["access-lists"]["access-list"]}
        assert listed and listed <= names
    assert {a["type"] for a in document["ietf-access-control-list:acls"]["acl"]} == {
        "ipv4-acl-type",
        "ipv6-acl-type",
    }


def _find(document: dict[str, Any], **where: Any) -> list[dict[str, Any]]:
    out = []
    for ace in all_aces(document):
        text = json.dumps(ace["matches"], sort_keys=True)
        if all(json.dumps({k: v})[1:-1] in text for k, v in where.items()):
            out.append(ace)
    return out


@pytest.mark.parametrize(
    ("profile", "match"),
    [
        (PUMP, {"controller": MEDSEC_CONTROLLER + "pump-server"}),
        (PUMP, {"controller": IETF_CONTROLLERS["ntp"]}),
        (CT, {"ietf-acldns:dst-dnsname": "rsp.fabrikam-imaging.example"}),
        (CT, {"ietf-acldns:src-dnsname": "rsp-eu.fabrikam-imaging.example"}),
        (PACS, {"local-networks": [None]}),
        (PACS, {"ietf-mud:direction-initiated": "to-device"}),
    ],
    ids=["controller", "ietf-ntp", "dst-dnsname", "src-dnsname", "local-networks", "initiated"],
)
def test_peers_use_the_mud_abstractions(profile: Path, match: dict[str, Any]) -> None:
    assert _find(export_mud(load_profile(profile)), **match)


def test_an_outbound_tcp_service_is_an_ace_pair_in_each_family() -> None:
    document = export_mud(load_profile(PUMP))
    pump_link = {
        a
        for a in mud_aces(document)
        if a.peer_value == MEDSEC_CONTROLLER + "pump-server" and a.family == "ipv4"
    }
    assert pump_link == {
        Ace(
            "from-device",
            "ipv4",
            6,
            None,
            (8443, 8443),
            "from-device",
            "controller",
            MEDSEC_CONTROLLER + "pump-server",
        ),
        Ace(
            "to-device",
            "ipv4",
            6,
            (8443, 8443),
            None,
            "from-device",
            "controller",
            MEDSEC_CONTROLLER + "pump-server",
        ),
    }


def test_a_manufacturer_endpoint_without_names_is_the_manufacturer_domain() -> None:
    profile = load_profile(MONITOR)
    network = profile.network.model_copy(
        update={
            "endpoints": [
                e.model_copy(update={"dns_names": []}) if e.id == "cloud" else e
                for e in profile.network.endpoints
            ]
        }
    )
    document = export_mud(profile.model_copy(update={"network": network}))
    assert _find(document, manufacturer="www.tailspin.example")


def test_export_needs_an_https_mud_url() -> None:
    with pytest.raises(Error, match="not an https:// URL"):
        export_mud(load_profile(PUMP), mud_url="http://example.org/x.json")


# --------------------------------------------------------------------------- round trip


def round_trip(document: dict[str, Any]) -> set[Ace]:
    draft = import_mud_text(json.dumps(document), "exported.json")
    return set(profile_aces(draft.profile))


@pytest.mark.parametrize("path", [*EXAMPLES, MONITOR], ids=lambda p: p.name)
def test_profile_to_mud_to_draft_keeps_every_acl(path: Path) -> None:
    document = export_mud(load_profile(path))
    exported = mud_aces(document)
    assert exported, "the example declares services"
    assert round_trip(document) == exported


endpoint_ids = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
dns_names = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9]{0,8}){1,3}", fullmatch=True)


@st.composite
def peers(draw: st.DrawFn) -> tuple[PeerKind, str]:
    kind = draw(
        st.sampled_from(
            [
                "controller",
                "ietf",
                "my-controller",
                "local-networks",
                "same-manufacturer",
                "dnsname",
                "manufacturer",
            ]
        )
    )
    if kind == "controller":
        return "controller", MEDSEC_CONTROLLER + draw(endpoint_ids)
    if kind == "ietf":
        return "controller", draw(st.sampled_from(sorted(IETF_CONTROLLERS.values())))
    if kind == "dnsname":
        return "dnsname", draw(dns_names)
    if kind == "manufacturer":
        return "manufacturer", "devices.tailspin.example"
    return kind, ""  # type: ignore[return-value]


@st.composite
def ace_sets(draw: st.DrawFn) -> list[Ace]:
    """ACL sets of the shape a profile's services give: one ACE pair per service and peer."""
    aces: list[Ace] = []
    for _ in range(draw(st.integers(1, 8))):
        protocol = draw(st.sampled_from([6, 17, 1, 58, 132, None]))
        port = None
        if protocol in (6, 17):  # RFC 8519 has ports for TCP and UDP only
            number = draw(st.integers(1, 65535))
            port = (number, number)
        direction = draw(st.sampled_from([Direction.INBOUND, Direction.OUTBOUND]))
        peer, value = draw(peers())
        for ace in service_aces(protocol, port, direction, peer, value):
            if ace not in aces:
                aces.append(ace)
    return aces


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ace_sets())
def test_generated_acl_sets_survive_mud_to_draft_to_mud(aces: list[Ace]) -> None:
    meta = {"mud-version": 1, "mud-url": "https://gen.example/m.json", "systeminfo": "generated"}
    document = mud_document(aces, meta, "gen")
    assert mud_aces(document) == set(aces)
    assert round_trip(document) == set(aces)


# --------------------------------------------------------------------------- import


RFC = {
    "ietf-mud:mud": {
        "mud-version": 1,
        "mud-url": "https://lights.example.com/lightbulb2000",
        "last-update": "2018-03-02T11:20:51+01:00",
        "cache-validity": 48,
        "is-supported": True,
        "systeminfo": "The BMS Example Light Bulb",
        "from-device-policy": {"access-lists": {"access-list": [{"name": "mud-76100-v6fr"}]}},
        "to-device-policy": {"access-lists": {"access-list": [{"name": "mud-76100-v6to"}]}},
    },
    "ietf-access-control-list:acls": {
        "acl": [
            {
                "name": "mud-76100-v6to",
                "type": "ipv6-acl-type",
                "aces": {
                    "ace": [
                        {
                            "name": "cl0-todev",
                            "matches": {
                                "ipv6": {
                                    "ietf-acldns:src-dnsname": "test.example.com",
                                    "protocol": 6,
                                },
                                "tcp": {
                                    "ietf-mud:direction-initiated": "from-device",
                                    "source-port": {"operator": "eq", "port": 443},
                                },
                            },
                            "actions": {"forwarding": "accept"},
                        }
                    ]
                },
            },
            {
                "name": "mud-76100-v6fr",
                "type": "ipv6-acl-type",
                "aces": {
                    "ace": [
                        {
                            "name": "cl0-frdev",
                            "matches": {
                                "ipv6": {
                                    "ietf-acldns:dst-dnsname": "test.example.com",
                                    "protocol": 6,
                                },
                                "tcp": {
                                    "ietf-mud:direction-initiated": "from-device",
                                    "destination-port": {"operator": "eq", "port": 443},
                                },
                            },
                            "actions": {"forwarding": "accept"},
                        }
                    ]
                },
            },
        ]
    },
}


def pre_rfc(key: str) -> dict[str, Any]:
    """The RFC example in the drafts' shape (acl-name, access-list-entries, permit)."""
    acls = []
    for acl in RFC["ietf-access-control-list:acls"]["acl"]:  # type: ignore[index]
        entries = [
            {"rule-name": ace["name"], "matches": ace["matches"], "actions": {"permit": [None]}}
            for ace in acl["aces"]["ace"]
        ]
        acls.append(
            {
                "acl-name": acl["name"],
                "acl-type": acl["type"],
                "access-list-entries": {"ace": entries},
            }
        )
    return {"ietf-mud:mud": RFC["ietf-mud:mud"], key: {"acl": acls}}


@pytest.mark.parametrize(
    "document",
    [RFC, pre_rfc("ietf-access-control-list:access-lists"), pre_rfc("access-lists")],
    ids=["rfc-acls", "pre-rfc-access-lists", "bare-access-lists"],
)
def test_every_acl_shape_imports_to_the_same_service(document: dict[str, Any]) -> None:
    draft = import_mud_data(document)
    (service,) = draft.profile.network.services
    assert (service.direction, service.protocol.value, service.default_port) == (
        Direction.OUTBOUND,
        "tcp",
        443,
    )
    (endpoint,) = draft.profile.network.endpoints
    assert endpoint.dns_names == ["test.example.com"]
    assert draft.profile.product.name == "The BMS Example Light Bulb"
    assert isinstance(draft.profile, ProductSecurityProfile)


def test_the_draft_yaml_is_a_valid_profile(tmp_path: Path) -> None:
    from medsec.profiles.loader import load_profile_text

    draft = import_mud_data(RFC)
    text = draft.yaml()
    assert text.startswith("# Draft profile imported from a MUD file")
    assert load_profile_text(text, "draft.yaml") == draft.profile


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"][
                "tcp"
            ].update({"source-port": {"operator": "eq", "port": 70000}}),
            "70000 is not a port",
        ),
        (
            lambda d: d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"][
                "tcp"
            ].update({"source-port": {"operator": "range", "port": 1}}),
            "operator 'range' is not supported",
        ),
        (
            lambda d: d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0].update(
                {"actions": {"forwarding": "maybe"}}
            ),
            "forwarding 'maybe' is not accept, drop or reject",
        ),
        (lambda d: d.pop("ietf-mud:mud"), "ietf-mud:mud is missing"),
        (lambda d: d.pop("ietf-access-control-list:acls"), "no ACLs"),
    ],
    ids=["port", "operator", "action", "no-mud", "no-acls"],
)
def test_bad_mud_files_are_reported_with_their_line(change: Any, message: str) -> None:
    document = json.loads(json.dumps(RFC))
    change(document)
    text = json.dumps(document, indent=2)
    with pytest.raises(DocumentError) as info:
        import_mud_text(text, "bad.json")
    (problem,) = info.value.problems
    assert message in problem.message
    assert problem.location.file == "bad.json" and problem.location.line >= 1


def test_a_bad_port_points_at_its_line() -> None:
    document = json.loads(json.dumps(RFC))
    tcp = document["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"]["tcp"]
    tcp["source-port"]["port"] = -1
    text = json.dumps(document, indent=2)
    with pytest.raises(DocumentError) as info:
        import_mud_text(text, "bad.json")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"port": -1' in row)
    assert info.value.problems[0].location.line == line


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "ietf-mud:mud",
                    "ietf-access-control-list:acls",
                    "access-lists",
                    "acl",
                    "name",
                    "aces",
                    "ace",
                    "matches",
                    "ipv4",
                    "tcp",
                    "protocol",
                    "source-port",
                    "port",
                    "operator",
                    "actions",
                    "forwarding",
                    "from-device-policy",
                    "access-list",
                    "ietf-acldns:dst-dnsname",
                    "controller",
                    "lower-port",
                    "upper-port",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_imports_or_raises_error(data: Any) -> None:
    try:
        import_mud_text(json.dumps(data), "fuzz.json")
    except Error:
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_any_text_imports_or_raises_error(text: str) -> None:
    try:
        import_mud_text(text, "fuzz.json")
    except Error:
        pass
