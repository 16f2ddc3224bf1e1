"""The data-flow diagram: well-formed SVG with every endpoint, PHI marked, text escaped."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.documents.diagram import PERSONAL, flow_diagram_svg
from medsec.profiles.loader import load_profile_text
from medsec.profiles.psp import EXAMPLE_MINIMAL, Endpoint, ProductSecurityProfile

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> Element:
    root: Element = SafeET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def groups(root: Element, cls: str) -> list[Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def texts(element: Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def test_every_endpoint_is_drawn_with_its_name(pump: ProductSecurityProfile) -> None:
    root = parse(flow_diagram_svg(pump))
    drawn = {g.get("data-endpoint"): g.findtext(f"{SVG}title") for g in groups(root, "endpoint")}
    assert drawn == {e.id: e.name for e in pump.network.endpoints}


def test_the_device_is_in_the_middle(pump: ProductSecurityProfile) -> None:
    root = parse(flow_diagram_svg(pump))
    width = float(root.get("width") or 0)
    device = next(t for t in root.iter(f"{SVG}text") if t.text == "(this device)")
    assert width / 3 < float(device.get("x") or 0) < width * 2 / 3


def test_each_declared_flow_direction_is_an_arrow_labelled_with_service_and_data(
    pump: ProductSecurityProfile,
) -> None:
    root = parse(flow_diagram_svg(pump))
    arrows = {(g.get("data-endpoint"), g.get("data-direction")): g for g in groups(root, "flow")}
    assert set(arrows) == {
        ("pump-server", "to-device"),
        ("pump-server", "from-device"),
        ("syslog-collector", "from-device"),
    }
    label = " ".join(texts(arrows[("syslog-collector", "from-device")]))
    assert label == "syslog-tls TCP 6514: Security and operational event logs"


def test_phi_flows_are_red_and_tagged(pump: ProductSecurityProfile) -> None:
    root = parse(flow_diagram_svg(pump))
    personal = {(g.get("data-endpoint"), g.get("data-direction")) for g in groups(root, "personal")}
    assert personal == {("pump-server", "to-device"), ("pump-server", "from-device")}
    for group in groups(root, "personal"):
        assert "[PHI]" in " ".join(texts(group))
        line = group.find(f"{SVG}line")
        assert line is not None and line.get("stroke") == PERSONAL
    logs = next(g for g in groups(root, "flow") if g.get("data-endpoint") == "syslog-collector")
    assert "personal" not in (logs.get("class") or "")


def test_service_connections_without_flows_are_dashed(pump: ProductSecurityProfile) -> None:
    root = parse(flow_diagram_svg(pump))
    connections = {
        (g.get("data-endpoint"), g.get("data-direction")): g for g in groups(root, "connection")
    }
    # NTP: the device connects out; the service web UI: the laptop connects in.
    assert set(connections) == {("ntp", "from-device"), ("biomed-laptop", "to-device")}
    line = connections[("ntp", "from-device")].find(f"{SVG}line")
    assert line is not None and line.get("stroke-dasharray")


def test_markup_in_names_is_escaped_and_round_trips(hostile: ProductSecurityProfile) -> None:
    svg = flow_diagram_svg(hostile)
    assert "<script>" not in svg
    root = parse(svg)
    names = [g.findtext(f"{SVG}title") for g in groups(root, "endpoint")]
    assert hostile.network.endpoints[0].name in names


def test_a_profile_without_endpoints_still_gives_a_valid_svg() -> None:
    root = parse(flow_diagram_svg(load_profile_text(EXAMPLE_MINIMAL)))
    assert groups(root, "endpoint") == []


def _with_endpoint_names(profile: ProductSecurityProfile, names: list[str]) -> Any:
    endpoints = [Endpoint(id=f"e{i}", name=name) for i, name in enumerate(names)]
    network = profile.network.model_copy(update={"endpoints": endpoints})
    return profile.model_copy(update={"network": network})


def as_xml_reads_it(text: str) -> str:
    """``text`` minus the characters XML 1.0 cannot carry, with XML's line-end handling."""
    kept = "".join(c for c in text if c in "\t\n\r" or not (c < " " or c in "\ufffe\uffff"))
    return kept.replace("\r\n", "\n").replace("\r", "\n")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(st.lists(st.text(min_size=1).filter(str.strip), min_size=1, max_size=6))
def test_any_names_give_well_formed_svg(pump: ProductSecurityProfile, names: list[str]) -> None:
    profile = _with_endpoint_names(pump, names)
    root = parse(flow_diagram_svg(profile))
    drawn = {
        g.get("data-endpoint"): g.findtext(f"{SVG}title") or "" for g in groups(root, "endpoint")
    }
    assert drawn == {e.id: as_xml_reads_it(e.name) for e in profile.network.endpoints}
