"""The zone diagram SVG: well-formed, every zone and conduit drawn and labelled, the
example's missing DICOM conduit drawn as a conflict, text escaped, a text alternative."""

from __future__ import annotations

import re
from pathlib import Path

from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from medsec.network.database import model_name
from medsec.network.diagram import conduit_label, conflict_pairs, zone_diagram
from medsec.network.profiles import flowmap_of_site_file
from medsec.network.site import Site, Zone

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site" / "st-example.yaml"
SVG = "{http://www.w3.org/2000/svg}"


def test_the_example_site_s_diagram() -> None:
    fmap = flowmap_of_site_file(EXAMPLE)
    root = ElementTree.fromstring(zone_diagram(fmap.site, fmap.conflicts))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {z.name for z in fmap.site.zones} <= set(texts)
    groups = {g.get("class") for g in root.iter(f"{SVG}g")}
    assert groups == {"zone", "conduit", "conflict"}
    conduits = [g for g in root.iter(f"{SVG}g") if g.get("class") == "conduit"]
    assert len(conduits) == len(fmap.site.conduits)
    [conflict] = [g for g in root.iter(f"{SVG}g") if g.get("class") == "conflict"]
    title = conflict.find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert title.text.startswith("imaging → clinical-servers: needed, not permitted:")
    assert conflict_pairs(fmap.conflicts) == {
        ("imaging", "clinical-servers"): [
            "ct-01/images-to-pacs",
            "ct-01/dose-to-registry",
            "pacs-01/images-from-modalities-alt",
        ]
    }
    assert root.get("role") == "img" and root.find(f"{SVG}desc") is not None


def test_labels_name_services_protocols_and_ports() -> None:
    fmap = flowmap_of_site_file(EXAMPLE)
    labels = {c.name: conduit_label(c) for c in fmap.site.conduits}
    assert labels["imaging-to-servers"] == "tcp 104,2762"
    assert labels["devices-to-infrastructure"] == "ntp (udp 123); syslog-tls (tcp 6514)"


def test_text_is_escaped() -> None:
    site = Site(site='A & B <"x">', zones=[Zone(name="z", security_level=1)])
    svg = zone_diagram(site, [])
    ElementTree.fromstring(svg)
    assert "A &amp; B &lt;&quot;x&quot;&gt;" in svg


@given(st.text(max_size=100))
def test_model_names_are_always_site_model_names(text: str) -> None:
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", model_name(text))
