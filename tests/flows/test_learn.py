"""Learn mode: proposals from a device's observed baseline, marked for review."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from medsec.flows.engine import Session
from medsec.flows.errors import FlowLogError
from medsec.flows.learn import learn

CT, PACS, WS = "10.20.4.1", "10.40.0.10", "10.20.9."


@pytest.fixture
def site(kit: SimpleNamespace) -> Any:
    return kit.build_map(
        zones=[{"name": "devices", "cidrs": ["10.20.0.0/16"]},
               {"name": "imaging", "cidrs": ["10.40.0.0/16"]}],
        assets=[{"name": "ct", "addresses": [CT], "zone": "devices"},
                {"name": "pump", "addresses": ["10.20.3.11"], "zone": "devices"}],
        flows=[kit.flow("pump/hl7", "pump", "outbound", "tcp", [(2575, 2575)],
                        ["10.30.0.5/32"])],
    )  # fmt: skip


def test_a_device_without_a_profile_gets_one_proposal_per_direction_protocol_port(
    site: Any, write_tsv: Any, kit: SimpleNamespace
) -> None:
    rows = [kit.conn_row(CT, PACS, 104, service="dicom", ts=10.0 + i) for i in range(5)]
    rows += [kit.conn_row(f"{WS}{i}", CT, 443, service="ssl") for i in range(12)]
    rows += [kit.conn_row(CT, "10.20.0.2", 514, "udp", service="syslog")]
    log = write_tsv(rows)
    with Session(site) as session:
        session.load(log)
        learned = learn(session, CT, max_peers=8)
    assert (learned.asset, learned.has_profile) == ("ct", False)
    proposals = {p.id: p.as_dict() for p in learned.proposals}
    assert set(proposals) == {
        "ct/proposed-inbound-tcp-443", "ct/proposed-outbound-tcp-104",
        "ct/proposed-outbound-udp-514",
    }  # fmt: skip
    dicom = proposals["ct/proposed-outbound-tcp-104"]
    assert dicom["status"] == "proposed" and "review before use" in str(dicom["source"])
    assert (dicom["direction"], dicom["protocol"], dicom["ports"]) == (
        "outbound",
        "tcp",
        [[104, 104]],
    )
    assert dicom["peer_cidrs"] == ["10.40.0.10/32"] and dicom["service"] == "dicom"
    assert dicom["evidence"]["flows"] == 5  # type: ignore[index]
    # 12 workstations: more than max_peers, so their zone is proposed instead.
    https = proposals["ct/proposed-inbound-tcp-443"]
    assert https["peer_cidrs"] == ["10.20.0.0/16"] and https["notes"]


def test_an_asset_with_a_profile_gets_only_what_its_map_lacks(
    site: Any, write_tsv: Any, kit: SimpleNamespace
) -> None:
    log = write_tsv(
        [kit.conn_row("10.20.3.11", "10.30.0.5", 2575), kit.conn_row("10.20.3.11", "10.30.0.5", 22)]
    )
    with Session(site) as session:
        session.load(log)
        learned = learn(session, "10.20.3.11")
    assert learned.has_profile
    assert [p.id for p in learned.proposals] == ["pump/proposed-outbound-tcp-22"]


def test_an_uninventoried_address_can_be_learned_too(
    site: Any, write_tsv: Any, kit: SimpleNamespace
) -> None:
    log = write_tsv([kit.conn_row("10.20.7.7", PACS, 104)] * 3)
    with Session(site) as session:
        session.load(log)
        assert learn(session, "10.20.7.7", min_flows=4).proposals == ()
        (p,) = learn(session, "10.20.7.7", min_flows=3).proposals
    assert p.asset == "10.20.7.7" and p.flows == 3


def test_a_bad_address_is_an_error(site: Any) -> None:
    with Session(site) as session, pytest.raises(FlowLogError, match="--asset 'pump'"):
        learn(session, "pump")
