"""Loading the authorized flow map: every problem named by file and JSON pointer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.flows.authorized import load_map, parse_map
from medsec.flows.errors import FlowMapError

ASSET = {"name": "pump", "addresses": ["10.20.3.11"], "zone": "devices"}
FLOW = {
    "id": "pump/hl7", "asset": "pump", "direction": "outbound", "protocol": "tcp",
    "ports": [[2575, 2575]], "peer_cidrs": ["10.30.0.5/32"], "peer_names": ["emr"],
    "service": "hl7", "phi": True, "encrypted": True, "source": "Acme 3.1",
}  # fmt: skip
ZONE = {"name": "devices", "cidrs": ["10.20.0.0/16"], "internet": False}


def _map(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "map_version": 1, "site": "St. Example", "zones": [ZONE], "assets": [ASSET],
        "flows": [FLOW], "conduits": [],
    }  # fmt: skip
    doc.update(changes)
    return doc


def test_the_documented_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(_map()))
    m = load_map(path)
    assert m.site == "St. Example"
    assert m.flows[0].ports == ((2575, 2575),)
    assert m.asset_at("10.20.3.11") is m.assets[0]


BAD = [
    ({"map_version": 2}, "/map_version: Input should be 1"),
    ({"flows": [{**FLOW, "direction": "both"}]}, "/flows/0/direction: Input should be"),
    ({"flows": [{**FLOW, "ports": [[443, 80]]}]},
     "/flows/0/ports: Value error, start 443 is after end 80"),
    ({"flows": [{**FLOW, "ports": [[1, 70000]]}]},
     "/flows/0/ports: Value error, [1, 70000] is not within 0–65535"),
    ({"flows": [{**FLOW, "peer_cidrs": ["10.0.0.0/33"]}]},
     "/flows/0/peer_cidrs: Value error, '10.0.0.0/33' is not"),
    ({"flows": [{**FLOW, "asset": "ghost"}]}, "/flows/0/asset: no asset named 'ghost'"),
    ({"flows": [{**FLOW, "protocol": "icmp"}]}, "/flows/0/ports: icmp flows have no ports"),
    ({"flows": [{**FLOW, "ports": []}]}, "/flows/0/ports: a tcp flow needs port ranges"),
    ({"assets": [{**ASSET, "addresses": ["10.20.3.300"]}]}, "/assets/0/addresses: Value error"),
    ({"assets": [{**ASSET, "zone": "nowhere"}]}, "/assets/0/zone: no zone named 'nowhere'"),
    ({"assets": [ASSET, {**ASSET, "name": "twin"}]},
     "/assets/1/addresses: 10.20.3.11 is also asset 'pump'"),
    ({"conduits": [{"name": "c", "from_zone": "devices", "to_zone": "x"}]},
     "/conduits/0/to_zone: no zone named 'x'"),
    ({"assets": [{"addresses": []}]}, "/assets/0/name: Field required"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_map_names_file_and_pointer(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(_map(**changes)))
    with pytest.raises(FlowMapError) as e:
        load_map(path)
    assert f"{path}: {message}" in e.value.diagnostics()


def test_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"map_version": 1,\n  "site": }')
    with pytest.raises(FlowMapError, match=re.escape(f"{path}:2:11: not JSON")):
        load_map(path)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FlowMapError, match="cannot read the flow map"):
        load_map(tmp_path / "absent.json")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.sampled_from(
        ["tcp", "icmp", "outbound", "10.0.0.1", "10.0.0.0/8", "pump", "x"]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["map_version", "assets", "flows", "zones", "name", "addresses",
                         "asset", "ports", "peer_cidrs", "protocol", "direction", "id"]),
        inner, max_size=5),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(doc=JSON)
def test_any_json_loads_or_raises_error(doc: Any) -> None:
    try:
        parse_map(doc, "fuzz.json")
    except Error as e:
        assert e.diagnostics()
