"""The conformance engine, one observed flow at a time, then by property.

The site of the table: the pump and the monitor in zone ``devices`` (10.20.0.0/16), the
EHR servers in zone ``ehr`` (10.30.0.0/16), the internet zone; the monitor is declared
isolated; the CT scanner is inventoried but has no profile (no flows).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.flows.authorized import AuthorizedMap
from medsec.flows.engine import check
from medsec.flows.results import ViolationClass as C

PUMP, MONITOR, CT, PUMP6 = "10.20.3.11", "10.20.3.12", "10.20.4.1", "2001:db8::11"
EMR, MGMT = "10.30.0.5", "10.30.0.7"


@pytest.fixture(scope="module")
def site(kit: SimpleNamespace) -> AuthorizedMap:
    f = kit.flow
    return kit.build_map(
        zones=[
            {"name": "devices", "cidrs": ["10.20.0.0/16", "2001:db8::/64"]},
            {"name": "ehr", "cidrs": ["10.30.0.0/16"]},
            {"name": "internet", "cidrs": [], "internet": True},
        ],
        assets=[
            {"name": "pump", "addresses": [PUMP, PUMP6], "zone": "devices"},
            {"name": "monitor", "addresses": [MONITOR], "zone": "devices", "isolated": True},
            {"name": "ct", "addresses": [CT], "zone": "devices"},
        ],
        flows=[
            f("pump/hl7", "pump", "outbound", "tcp", [(2575, 2575)], [f"{EMR}/32",
              "2001:db8::5/128"], phi=True, encrypted=True),
            f("pump/mgmt", "pump", "inbound", "tcp", [(443, 443)], ["10.30.0.0/24"]),
            f("monitor/syslog", "monitor", "outbound", "udp", [(514, 514)], ["10.20.0.2/32"]),
            f("monitor/cloud", "monitor", "outbound", "tcp", [(8443, 8443)], ["52.0.0.0/8"]),
        ],
        conduits=[
            {"name": "hl7", "from_zone": "devices", "to_zone": "ehr",
             "services": [{"protocol": "tcp", "ports": [[2575, 2575]]}]},
            {"name": "mgmt", "from_zone": "ehr", "to_zone": "devices",
             "services": [{"protocol": "tcp", "ports": [[443, 443]]}]},
        ],
    )  # fmt: skip


NO_CONDUIT = C.NO_CONDUIT
CASES: list[tuple[str, tuple[str, str, int, str, str], list[tuple[str, str, list[C]]]]] = [
    # (what, (orig, resp, port, proto, service), [(asset, direction, classes)])
    ("the authorized HL7 flow", (PUMP, EMR, 2575, "tcp", "-"), []),
    ("the HL7 flow over TLS", (PUMP, EMR, 2575, "tcp", "ssl"), []),
    ("the HL7 flow in cleartext HTTP (PHI)", (PUMP, EMR, 2575, "tcp", "http"),
     [("pump", "outbound", [C.CLEARTEXT_PHI])]),
    ("HL7 to another EHR host", (PUMP, "10.30.1.9", 2575, "tcp", "-"),
     [("pump", "outbound", [C.UNEXPECTED_PEER])]),
    ("SSH to the EMR", (PUMP, EMR, 22, "tcp", "-"),
     [("pump", "outbound", [C.UNEXPECTED_PORT, NO_CONDUIT])]),
    ("the EMR opening HL7 to the pump", (EMR, PUMP, 2575, "tcp", "-"),
     [("pump", "inbound", [C.UNEXPECTED_DIRECTION, NO_CONDUIT])]),
    ("management opening HTTPS to the pump", (MGMT, PUMP, 443, "tcp", "ssl"), []),
    ("the pump opening HTTPS to management", (PUMP, MGMT, 443, "tcp", "ssl"),
     [("pump", "outbound", [C.UNEXPECTED_DIRECTION, NO_CONDUIT])]),
    ("ICMP to the EMR (a known peer, not on ICMP)", (PUMP, EMR, 8, "icmp", "-"),
     [("pump", "outbound", [C.UNEXPECTED_PORT, NO_CONDUIT])]),
    ("the isolated monitor's authorized cloud flow", (MONITOR, "52.1.2.3", 8443, "tcp", "ssl"),
     [("monitor", "outbound", [NO_CONDUIT, C.ISOLATED_INTERNET])]),
    ("the internet opening SSH to the isolated monitor", ("8.8.8.8", MONITOR, 22, "tcp", "-"),
     [("monitor", "inbound", [C.UNEXPECTED_PEER, NO_CONDUIT, C.ISOLATED_INTERNET])]),
    ("syslog inside the zone", (MONITOR, "10.20.0.2", 514, "udp", "syslog"), []),
    ("a device without a profile", (CT, EMR, 104, "tcp", "-"),
     [("ct", "outbound", [C.UNEXPECTED_PEER, NO_CONDUIT])]),
    ("between two assets, authorized by neither", (PUMP, MONITOR, 80, "tcp", "http"),
     [("monitor", "inbound", [C.UNEXPECTED_PEER]), ("pump", "outbound", [C.UNEXPECTED_PEER])]),
    ("IPv6, written differently from the map", ("2001:DB8:0:0::11", "2001:db8::5", 2575, "tcp",
     "-"), []),
    ("no inventoried endpoint", ("10.20.9.9", EMR, 2575, "tcp", "-"), []),
]  # fmt: skip


@pytest.mark.parametrize(("what", "observed", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_observed_flow_gets_its_classes(
    site: AuthorizedMap,
    write_tsv: Any,
    kit: SimpleNamespace,
    what: str,
    observed: tuple[str, str, int, str, str],
    expected: list[tuple[str, str, list[C]]],
) -> None:
    orig, resp, port, proto, service = observed
    log = write_tsv([kit.conn_row(orig, resp, port, proto, service=service)])
    result = check([log], site)
    found = sorted((v.asset, v.direction, list(v.classes)) for v in result.violations)
    assert found == sorted(expected), what
    for v in result.violations:
        assert v.cls is v.classes[0]
        assert (v.flows, v.bytes, v.protocol) == (1, 300, proto)
        assert v.port == (None if proto == "icmp" else port)


def test_violations_are_grouped_with_counts_bytes_and_first_last_seen(
    site: AuthorizedMap, write_tsv: Any, kit: SimpleNamespace
) -> None:
    log = write_tsv(
        [
            kit.conn_row(PUMP, EMR, 22, ts=100.0, orig_bytes=10, resp_bytes=1),
            kit.conn_row(PUMP, EMR, 22, ts=300.0, orig_bytes=20, resp_bytes="-", service="ssh"),
            kit.conn_row(PUMP, EMR, 22, ts=200.0, orig_bytes="-", resp_bytes=5),
        ]
    )
    (v,) = check([log], site).violations
    assert (v.flows, v.bytes, v.first_seen, v.last_seen) == (3, 36, 100.0, 300.0)
    assert v.services == ("ssh",)
    assert v.peer_zone == "ehr" and not v.peer_internet


def test_addresses_not_in_the_inventory_are_listed_apart(
    site: AuthorizedMap, write_tsv: Any, kit: SimpleNamespace
) -> None:
    log = write_tsv(
        [
            kit.conn_row("10.20.9.9", EMR, 2575),
            kit.conn_row("10.20.9.9", "10.20.9.10", 80),
            kit.conn_row(PUMP, EMR, 2575),
            kit.conn_row("192.168.1.5", "224.0.0.251", 5353, "udp"),
            kit.conn_row("8.8.8.8", "1.1.1.1", 53, "udp"),
        ]
    )
    result = check([log], site)
    listed = {
        u.address: (u.zone, u.kind, u.known_peer, u.flows, u.peers) for u in result.uninventoried
    }
    assert listed == {
        "10.20.9.9": ("devices", "private", False, 2, 2),
        EMR: ("ehr", "private", True, 2, 2),
        "10.20.9.10": ("devices", "private", False, 1, 1),
        "192.168.1.5": (None, "private", False, 1, 1),
    }  # multicast and internet addresses are not devices
    assert result.violations == ()
    assert (result.flows_read, result.flows_checked) == (5, 1)


@pytest.mark.parametrize(
    ("address", "internet"),
    [
        ("52.1.2.3", True), ("8.8.8.8", True), ("2606:4700::1111", True),
        ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.0.1", False),
        ("100.64.0.1", False), ("169.254.1.1", False), ("fd00::1", False),
        ("fe80::1", False), ("224.0.0.251", False), ("255.255.255.255", False),
        ("::ffff:8.8.8.8", True), ("::ffff:10.0.0.1", False),
    ],
)  # fmt: skip
def test_internet_means_a_global_address_in_no_site_zone(
    site: AuthorizedMap, write_tsv: Any, kit: SimpleNamespace, address: str, internet: bool
) -> None:
    log = write_tsv([kit.conn_row(address, MONITOR, 22)])
    (v,) = check([log], site).violations
    assert v.peer_internet is internet
    assert (C.ISOLATED_INTERNET in v.classes) is internet


# -- properties: inside the map never flagged, outside always -------------------------------

OCTET = st.integers(0, 255)
HOSTS = st.builds(lambda c, d: f"10.9.{c}.{d}", OCTET, OCTET)


@st.composite
def maps_and_flows(draw: st.DrawFn) -> tuple[dict[str, Any], list[tuple[str, str, int, str]]]:
    """A zone-less map (so conduits do not apply) and observed flows, half inside it."""
    addresses = draw(st.lists(HOSTS, min_size=1, max_size=4, unique=True))
    assets = [{"name": f"a{i}", "addresses": [a]} for i, a in enumerate(addresses)]
    flows = []
    for i in range(draw(st.integers(0, 6))):
        proto = draw(st.sampled_from(["tcp", "udp", "icmp"]))
        start = draw(st.integers(0, 65535))
        end = draw(st.integers(start, min(65535, start + draw(st.sampled_from([0, 10, 2000])))))
        peer = draw(HOSTS)
        prefix = draw(st.sampled_from([32, 30, 24, 16]))
        flows.append(
            {
                "id": f"f{i}",
                "asset": f"a{draw(st.integers(0, len(assets) - 1))}",
                "direction": draw(st.sampled_from(["outbound", "inbound"])),
                "protocol": proto,
                "ports": [] if proto == "icmp" else [[start, end]],
                "peer_cidrs": [str(ipaddress.ip_network(f"{peer}/{prefix}", strict=False))],
            }
        )
    observed = []
    for _ in range(draw(st.integers(1, 8))):
        if flows and draw(st.booleans()):  # a flow inside the map
            f = draw(st.sampled_from(flows))
            net = ipaddress.ip_network(f["peer_cidrs"][0])
            peer = str(net[draw(st.integers(0, net.num_addresses - 1))])
            port = draw(st.integers(*f["ports"][0])) if f["ports"] else 8
            me = next(a["addresses"][0] for a in assets if a["name"] == f["asset"])
            pair = (me, peer) if f["direction"] == "outbound" else (peer, me)
            observed.append((*pair, port, f["protocol"]))
        else:  # anything with an inventoried endpoint
            me, peer = (
                draw(st.sampled_from(addresses)),
                draw(st.one_of(HOSTS, st.sampled_from(addresses))),
            )
            pair = draw(st.sampled_from([(me, peer), (peer, me)]))
            observed.append(
                (*pair, draw(st.integers(0, 65535)), draw(st.sampled_from(["tcp", "udp", "icmp"])))
            )
    return {"assets": assets, "flows": flows}, observed


def _authorized(m: dict[str, Any], orig: str, resp: str, port: int, proto: str) -> bool:
    """The oracle: some flow of an endpoint's asset covers the tuple (plain Python)."""
    owner = {a["addresses"][0]: a["name"] for a in m["assets"]}
    for f in m["flows"]:
        me, peer = (orig, resp) if f["direction"] == "outbound" else (resp, orig)
        if owner.get(me) != f["asset"] or f["protocol"] != proto:
            continue
        if ipaddress.ip_address(peer) not in ipaddress.ip_network(f["peer_cidrs"][0]):
            continue
        if proto == "icmp" or f["ports"][0][0] <= port <= f["ports"][0][1]:
            return True
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=maps_and_flows())
def test_a_flow_inside_the_map_is_never_flagged_and_one_outside_always_is(
    tmp_path_factory: pytest.TempPathFactory, kit: SimpleNamespace, case: Any
) -> None:
    m, observed = case
    amap = kit.build_map(m["assets"], m["flows"])
    owner = {a["addresses"][0]: a["name"] for a in m["assets"]}
    log = tmp_path_factory.mktemp("prop") / "conn.log"
    log.write_text(
        kit.tsv_text([kit.conn_row(o, r, p, proto) for o, r, p, proto in observed]),
        encoding="utf-8",
    )
    expected = set()
    for orig, resp, port, proto in observed:
        if _authorized(m, orig, resp, port, proto):
            continue
        key_port = None if proto == "icmp" else port
        if orig in owner:
            expected.add((owner[orig], "outbound", resp, proto, key_port))
        if resp in owner:
            expected.add((owner[resp], "inbound", orig, proto, key_port))
    found = {
        (v.asset, v.direction, v.peer, v.protocol, v.port) for v in check([log], amap).violations
    }
    assert found == expected


def test_a_log_with_only_a_header_has_no_flows(
    site: AuthorizedMap, write_tsv: Any, kit: SimpleNamespace
) -> None:
    result = check([write_tsv([])], site)
    assert (result.flows_read, result.violations, result.uninventoried) == (0, (), ())


def test_a_bad_memory_limit_is_an_error_not_a_traceback(site: AuthorizedMap) -> None:
    from medsec.errors import Error

    with pytest.raises(Error, match="--memory-limit 'lots'"):
        check([], site, memory_limit="lots")


def test_crlf_line_ends_read_like_lf(
    site: AuthorizedMap, write_tsv: Any, kit: SimpleNamespace, tmp_path: Path
) -> None:
    lf = write_tsv([kit.conn_row(PUMP, EMR, 22)])
    crlf = tmp_path / "crlf.log"
    crlf.write_bytes(lf.read_bytes().replace(b"\n", b"\r\n"))
    assert check([crlf], site).violations == check([lf], site).violations


def test_byte_sums_beyond_64_bits_are_exact(
    site: AuthorizedMap, write_tsv: Any, kit: SimpleNamespace
) -> None:
    """Counts reach 10¹⁸ − 1 each; a group's sum can pass 2⁶³ (it is fetched apart)."""
    most = 10**18 - 1
    row = kit.conn_row(PUMP, "10.20.9.9", 22, orig_bytes=most, resp_bytes=most)
    result = check([write_tsv([row] * 10)], site)
    (v,) = result.violations
    (u,) = result.uninventoried
    assert v.bytes == u.bytes == 20 * most > 2**63
    assert (v.flows, u.flows) == (10, 10)


def test_duckdb_draws_no_progress_bar_on_stdout(site: AuthorizedMap) -> None:
    """Regression: a query over 2 s drew DuckDB's bar into `--format json` output."""
    from medsec.flows.engine import Session

    with Session(site) as session:
        row = session.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    assert row == (False,)
