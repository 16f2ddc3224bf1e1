"""The authorized flow map: flows from profiles and bindings, to-dos, conflicts, views."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.network.flowmap import FlowMap, compute
from medsec.network.profiles import FileProfiles
from medsec.network.site_yaml import load_site, load_site_text

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
EXAMPLE = HERE.parents[1] / "examples" / "site" / "st-example.yaml"
WARD = (FIXTURES / "ward.yaml").read_text(encoding="utf-8")


def ward(extra_asset: str = "", replace: tuple[str, str] = ("", "")) -> FlowMap:
    text = WARD.replace(*replace) if replace[0] else WARD
    if extra_asset:
        text = text.replace(
            "    profile: {path: monitor.yaml}\n",
            "    profile: {path: monitor.yaml}\n" + extra_asset,
        )
    site = load_site_text(text, str(FIXTURES / "ward.yaml"))
    return compute(site, FileProfiles(FIXTURES))


def by_id(flowmap: FlowMap) -> dict[str, dict[str, object]]:
    return {f.id: f.interchange() for f in flowmap.flows}


def test_flows_come_from_data_flows_and_services() -> None:
    flows = by_id(ward())
    assert flows["mon-1/vitals-to-central"] == {
        "id": "mon-1/vitals-to-central",
        "asset": "mon-1",
        "direction": "outbound",
        "protocol": "tcp",
        "ports": [[2575, 2575]],
        "peer_cidrs": ["10.2.0.5/32"],
        "peer_names": [],
        "service": "hl7",
        "phi": True,
        "encrypted": True,
        "source": "Tailspin Monitor 2.0: data.flows[0] (network.services[0] hl7)",
    }
    # The viewers connect to the monitor (inbound), from IPv4 and IPv6 networks.
    viewer = flows["mon-1/vitals-to-viewers"]
    assert viewer["direction"] == "inbound"
    assert viewer["peer_cidrs"] == ["10.3.0.0/16", "fd00:3::/64"]
    # A service without a data flow still gets a flow, citing the service.
    ntp = flows["mon-1/ntp@ntp"]
    assert ntp["source"] == "Tailspin Monitor 2.0: network.services[2] ntp (server ntp)"
    assert (ntp["phi"], ntp["encrypted"], ntp["protocol"]) == (False, False, "udp")
    assert set(flows) == {"mon-1/vitals-to-central", "mon-1/vitals-to-viewers", "mon-1/ntp@ntp"}


def test_services_off_by_default_are_listed_not_authorized() -> None:
    flowmap = ward()
    assert {o.service_id for o in flowmap.optional} == {"syslog", "telemetry"}
    assert not any(f.service_id in ("syslog", "telemetry") for f in flowmap.flows)


def test_enabling_a_service_with_an_unbound_endpoint_makes_a_todo() -> None:
    flowmap = ward(extra_asset="    enable: [syslog]\n")
    (todo,) = flowmap.todos
    assert (todo.asset, todo.endpoint, todo.needed_by) == (
        "mon-1",
        "syslog",
        ("mon-1/syslog@syslog",),
    )
    assert "Syslog collector" in todo.message


def test_a_profile_dns_name_is_a_peer_name_in_the_internet_zone() -> None:
    # The conduit list sits before assets in the fixture: add the conduit in place.
    text = WARD.replace(
        "assets:\n",
        "  - name: devices-to-internet\n    from_zone: devices\n    to_zone: internet\n"
        "    services: [{protocol: tcp, ports: [443]}]\nassets:\n",
    ).replace(
        "    profile: {path: monitor.yaml}\n",
        "    profile: {path: monitor.yaml}\n    enable: [telemetry]\n",
    )
    flowmap = compute(load_site_text(text, str(FIXTURES / "ward.yaml")), FileProfiles(FIXTURES))
    flow = next(f for f in flowmap.flows if f.service_id == "telemetry")
    assert (flow.peer_cidrs, flow.peer_names, flow.peer_zones) == (
        (),
        ("telemetry.tailspin.example",),
        ("internet",),
    )


@pytest.mark.parametrize(
    ("replace", "kind", "flow", "message"),
    [
        (
            ("      - {protocol: udp, ports: [123]}\n", ""),
            "no-conduit",
            "mon-1/ntp@ntp",
            "devices → servers ntp (udp 123) for 'ntp': no conduit permits it",
        ),
        (
            (
                "      - {name: hl7, protocol: tcp, ports: [2575]}\n",
                "      - {name: mllp, protocol: tcp, ports: [2575]}\n",
            ),
            "no-conduit",
            "mon-1/vitals-to-central",
            "devices → servers hl7 (tcp 2575) for 'central'",
        ),
        (
            (
                "    profile: {path: monitor.yaml}\n",
                "    profile: {path: monitor.yaml}\n    isolated: true\n",
            ),
            "isolated",
            "mon-1/vitals-to-central",
            "asset is isolated in zone 'devices' but 'central' is in zone 'servers'",
        ),
        (
            (
                "    profile: {path: monitor.yaml}\n",
                "    profile: {path: monitor.yaml}\n    ports: {hl7-out: 80}\n",
            ),
            "port-not-allowed",
            "mon-1/hl7-out",
            "port 80 for hl7-out: the profile allows 1024–65535",
        ),
        (
            (
                "    profile: {path: monitor.yaml}\n",
                "    profile: {path: monitor.yaml}\n    enable: [sysog]\n",
            ),
            "unknown-service",
            "mon-1/sysog",
            "assets[mon-1].enable names service 'sysog'",
        ),
        (
            ("  ntp: {assets: [ntp-1]}\n", "  ntp: {cidrs: [192.168.1.1/32]}\n"),
            "no-conduit",
            "mon-1/ntp@ntp",
            "devices → internet ntp",
        ),
    ],
    ids=[
        "no-conduit",
        "conduit-for-another-name",
        "isolated",
        "port",
        "unknown-service",
        "outside",
    ],
)
def test_conflicts(replace: tuple[str, str], kind: str, flow: str, message: str) -> None:
    assert replace[0] in WARD
    flowmap = ward(replace=replace)
    found = [(c.kind, c.flow, c.message) for c in flowmap.conflicts]
    assert any(k == kind and f == flow and message in m for k, f, m in found), found
    assert flow not in {f.id for f in flowmap.flows}, "a conflicting flow is not authorized"


def test_a_configured_port_inside_the_range_is_used() -> None:
    flowmap = ward(
        replace=(
            "    profile: {path: monitor.yaml}\n",
            "    profile: {path: monitor.yaml}\n    ports: {hl7-out: 2576}\n",
        )
    )
    assert [c.kind for c in flowmap.conflicts] == ["no-conduit"]  # the conduit allows 2575 only
    text = WARD.replace("ports: [2575]}", "ports: [2575-2580]}").replace(
        "    profile: {path: monitor.yaml}\n",
        "    profile: {path: monitor.yaml}\n    ports: {hl7-out: 2576}\n",
    )
    flows = compute(load_site_text(text, str(FIXTURES / "ward.yaml")), FileProfiles(FIXTURES)).flows
    assert next(f for f in flows if f.service_id == "hl7-out").ports == ((2576, 2576),)


def test_bidirectional_conduit_permits_the_reverse_direction() -> None:
    # The viewers (desks) open connections to the monitor: desks → devices.
    one_way = ward(
        replace=(
            "    from_zone: desks\n    to_zone: devices\n",
            "    from_zone: devices\n    to_zone: desks\n",
        )
    )
    assert "mon-1/vitals-to-viewers" in {c.flow for c in one_way.conflicts}
    both = ward(
        replace=(
            "    from_zone: desks\n    to_zone: devices\n",
            "    from_zone: devices\n    to_zone: desks\n    bidirectional: true\n",
        )
    )
    assert "mon-1/vitals-to-viewers" in {f.id for f in both.flows}


def test_views_per_asset_and_zone() -> None:
    flowmap = ward()
    assert {f.asset for f in flowmap.for_asset("mon-1").flows} == {"mon-1"}
    assert flowmap.for_asset("central-1").flows == ()
    servers = flowmap.for_zone("servers")
    # Flows whose peer sits in the zone belong to the zone's view.
    assert {f.id for f in servers.flows} == {"mon-1/vitals-to-central", "mon-1/ntp@ntp"}
    # The zone's assets, and the asset of each flow shown.
    assert {a.name for a in servers.assets} == {"central-1", "ntp-1", "mon-1"}


def test_the_interchange_has_exactly_the_agreed_keys() -> None:
    document = ward().interchange()
    assert set(document) == {"map_version", "site", "zones", "assets", "flows", "conduits"}
    assert document["map_version"] == 1
    assert set(document["zones"][0]) == {"name", "cidrs", "internet"}
    assert set(document["assets"][0]) == {
        "name",
        "addresses",
        "zone",
        "isolated",
        "product",
        "version",
    }
    assert {tuple(sorted(f)) for f in document["flows"]} == {
        tuple(
            sorted(
                [
                    "id",
                    "asset",
                    "direction",
                    "protocol",
                    "ports",
                    "peer_cidrs",
                    "peer_names",
                    "service",
                    "phi",
                    "encrypted",
                    "source",
                ]
            )
        )
    }
    assert document["conduits"][0] == {
        "name": "devices-to-servers",
        "from_zone": "devices",
        "to_zone": "servers",
        "services": [
            {"protocol": "tcp", "ports": [[2575, 2575]]},
            {"protocol": "udp", "ports": [[123, 123]]},
        ],
    }


def test_the_example_site_has_one_todo_and_the_dicom_11112_conflicts() -> None:
    site = load_site(EXAMPLE)
    flowmap = compute(site, FileProfiles(EXAMPLE.parent, [EXAMPLE.parent.parent]))
    assert [(t.asset, t.endpoint) for t in flowmap.todos] == [("ct-01", "gantry")]
    assert sorted(c.flow for c in flowmap.conflicts) == [
        "ct-01/dose-to-registry",
        "ct-01/images-to-pacs",
        "pacs-01/images-from-modalities-alt",
    ]
    assert all(c.kind == "no-conduit" and "11112" in c.message for c in flowmap.conflicts)
    assert len(flowmap.flows) > 30
    assert {a.product for a in flowmap.assets if a.product} == {
        "Northwind LVP 3000",
        "Fabrikam Aurora CT",
        "Contoso Vista PACS",
    }


def test_the_docs_walk_through_resolves_the_todo_and_the_conflicts() -> None:
    """docs/network.md: bind the gantry, send DICOM to 104, turn the PACS' 11112 off."""
    text = EXAMPLE.read_text(encoding="utf-8")
    ct = "    profile: {path: ../ct-scanner.yaml}\n"
    pacs = "    profile: {path: ../pacs-server.yaml}\n"
    assert ct in text and pacs in text
    text = text.replace(
        ct,
        ct + "    ports: {dicom-scu: 104}\n    bindings:\n      gantry: {cidrs: [10.40.1.11/32]}\n",
    ).replace(pacs, pacs + "    disable: [dicom-alt]\n")
    flowmap = compute(load_site_text(text, str(EXAMPLE)), FileProfiles(EXAMPLE.parent))
    assert (flowmap.todos, flowmap.conflicts) == ((), ())
    ids = {f.id for f in flowmap.flows}
    assert {"ct-01/images-to-pacs", "ct-01/dose-to-registry", "ct-01/raw-data-from-gantry"} <= ids
    assert "pacs-01/images-from-modalities-alt" not in ids


def test_a_missing_profile_names_the_asset(tmp_path: Path) -> None:
    text = WARD.replace("{path: monitor.yaml}", "{path: absent.yaml}")
    site = load_site_text(text, str(tmp_path / "ward.yaml"))
    with pytest.raises(Error, match=r"asset mon-1: its profile absent.yaml cannot be used"):
        compute(site, FileProfiles(tmp_path))


def test_a_product_version_reference_is_found_among_profiles() -> None:
    text = WARD.replace("{path: monitor.yaml}", "{product: Tailspin Monitor, version: '2.0'}")
    site = load_site_text(text, str(FIXTURES / "ward.yaml"))
    assert compute(site, FileProfiles(FIXTURES, [FIXTURES])).flows == ward().flows
    with pytest.raises(Error, match=r"no profile of Tailspin Monitor 2\.0"):
        compute(site, FileProfiles(FIXTURES, []))


# --------------------------------------------------------------------------- properties

ZONES = ["devices", "servers", "desks", "internet"]
SERVICES = [("hl7", "tcp", 2575), ("https", "tcp", 443), ("ntp", "udp", 123)]


@st.composite
def conduit_sets(draw: st.DrawFn) -> str:
    lines = ["conduits:"]
    for index in range(draw(st.integers(0, 5))):
        a, b = draw(st.lists(st.sampled_from(ZONES), min_size=2, max_size=2, unique=True))
        name, protocol, port = draw(st.sampled_from(SERVICES))
        named = draw(st.booleans())
        service = (
            f"{{name: {name}, protocol: {protocol}, ports: [{port}]}}"
            if named
            else (f"{{protocol: {protocol}, ports: [{port}]}}")
        )
        lines += [
            f"  - name: c{index}",
            f"    from_zone: {a}",
            f"    to_zone: {b}",
            f"    bidirectional: {str(draw(st.booleans())).lower()}",
            f"    services: [{service}]",
        ]
    return "\n".join(lines) + "\n" if len(lines) > 1 else "conduits: []\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conduit_sets(), st.booleans(), st.sampled_from(["devices", "servers", "desks"]))
def test_every_authorized_zone_crossing_has_a_permitting_conduit(
    conduits: str, isolated: bool, viewer_zone: str
) -> None:
    head, rest = WARD.split("conduits:\n", 1)
    rest = rest[rest.index("assets:\n") :]
    text = head + conduits + rest
    if isolated:
        text = text.replace(
            "    profile: {path: monitor.yaml}\n",
            "    profile: {path: monitor.yaml}\n    isolated: true\n",
        )
    cidr = {"devices": "10.1.9.0/24", "servers": "10.2.9.0/24", "desks": "10.3.0.0/16"}[viewer_zone]
    text = text.replace(
        'viewers: {cidrs: [10.3.0.0/16, "fd00:3::/64"]}', f"viewers: {{cidrs: [{cidr}]}}"
    )
    site = load_site_text(text, str(FIXTURES / "ward.yaml"))
    flowmap = compute(site, FileProfiles(FIXTURES))
    services = {"hl7-out": "hl7", "viewer": "https", "ntp": "ntp"}
    for flow in flowmap.flows:
        for zone in flow.peer_zones:
            if zone == flow.zone:
                continue
            assert not isolated
            opener, listener = (
                (flow.zone, zone) if flow.direction == "outbound" else (zone, flow.zone)
            )
            port = flow.ports[0][0]
            assert any(
                c.permits(opener, listener, services[flow.service_id], flow.protocol, port, port)
                for c in site.conduits
            ), flow
    # Every flow the profile asks for is either authorized or a conflict, never lost.
    decided = {f.id for f in flowmap.flows} | {c.flow for c in flowmap.conflicts}
    assert decided == {"mon-1/vitals-to-central", "mon-1/vitals-to-viewers", "mon-1/ntp@ntp"}
