"""The site file: what it accepts, what it refuses (and where), and that it round-trips."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.errors import DocumentError, Error
from medsec.network.site import Asset, Binding, Conduit, ConduitService, PortSpan, Site, Zone
from medsec.network.site_yaml import dump_site, load_site, load_site_text

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXAMPLE = REPO / "examples" / "site" / "st-example.yaml"
WARD = HERE / "fixtures" / "ward.yaml"

BASE = """\
site: Test
zones:
  - {name: a, security_level: 2, cidrs: [10.1.0.0/16]}
  - {name: b, security_level: 3, cidrs: [10.2.0.0/16]}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DocumentError) as info:
        load_site_text(text, "site.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "assets: [{name: x, zone: a, addresses: [10.2.0.1]}]\n",
            "assets[0].addresses[0]: 10.2.0.1 is not inside zone 'a' (10.1.0.0/16)",
        ),
        (
            "assets: [{name: x, zone: c}]\n",
            "assets[0].zone: no zone named 'c'",
        ),
        (
            "conduits: [{name: k, from_zone: a, to_zone: z, services: [{protocol: tcp}]}]\n",
            "conduits[0].to_zone: no zone named 'z'",
        ),
        (
            "conduits: [{name: k, from_zone: a, to_zone: a, services: [{protocol: tcp}]}]\n",
            "conduits[0].to_zone: a conduit joins two different zones",
        ),
        (
            "bindings: {pacs: {assets: [nope]}}\n",
            "bindings.pacs.assets[0]: no asset named 'nope'",
        ),
        (
            "bindings: {pacs: {}}\n",
            "bindings.pacs: Value error, bind the endpoint to assets, cidrs or dns_names",
        ),
        (
            "conduits: [{name: k, from_zone: a, to_zone: b, services: [{ports: [70000]}]}]\n",
            "conduits[0].services[0].ports[0].start: Input should be less than or equal to 65535",
        ),
        (
            "conduits: [{name: k, from_zone: a, to_zone: b,"
            " services: [{name: x, ports: [9-1]}]}]\n",
            "conduits[0].services[0].ports[0]: Value error, port range 9-1 ends before it starts",
        ),
        (
            "assets: [{name: x, zone: a, adresses: [10.1.0.1]}]\n",
            "assets[0].adresses: unknown key 'adresses'; did you mean 'addresses'?",
        ),
        (
            "assets: [{name: x, zone: a, addresses: [10.1.0.300]}]\n",
            "assets[0].addresses: Value error, '10.1.0.300' is not an IPv4/IPv6 address",
        ),
        (
            "assets: [{name: x, zone: a}, {name: x, zone: b}]\n",
            "assets[1].name: duplicate asset name 'x'",
        ),
    ],
    ids=[
        "address-outside-zone",
        "unknown-zone",
        "conduit-unknown-zone",
        "conduit-same-zone",
        "binding-unknown-asset",
        "empty-binding",
        "port-too-large",
        "reversed-range",
        "typo-suggestion",
        "bad-address",
        "duplicate-asset",
    ],
)
def test_a_bad_site_is_reported_at_its_place(extra: str, expected: str) -> None:
    found = problems(BASE + extra)
    assert any(
        re.match(r"site\.yaml:5:\d+: ", p) and p.split(": ", 1)[1].startswith(expected)
        for p in found
    ), found


def test_the_column_is_the_offending_item() -> None:
    extra = "assets: [{name: x, zone: a, addresses: [10.1.0.1, 10.2.0.1]}]\n"
    (found,) = problems(BASE + extra)
    assert found.startswith(f"site.yaml:5:{extra.index('10.2.0.1') + 1}: assets[0].addresses[1]")


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        (
            "  - {name: c, security_level: 1, cidrs: [10.1.2.0/24]}\n",
            "zones[2].cidrs[0]: 10.1.2.0/24 overlaps 10.1.0.0/16 of zone 'a'",
        ),
        (
            "  - {name: c, security_level: 5}\n",
            "zones[2].security_level: Input should be less than or equal to 4",
        ),
        (
            "  - {name: c, security_level: 1, cidrs: [10.3.0.1/16]}\n",
            "zones[2].cidrs: Value error, 10.3.0.1/16 has host bits set; write the network "
            "address (10.3.0.0/16)",
        ),
        (
            "  - {name: c, security_level: 1, vlans: [5000]}\n",
            "zones[2].vlans: Value error, 5000 is not a VLAN id (1–4094)",
        ),
        (
            "  - {name: i1, security_level: 1, internet: true}\n"
            "  - {name: i2, security_level: 1, internet: true}\n",
            "zones[3].internet: only one internet zone may leave its cidrs empty",
        ),
    ],
    ids=["overlap", "security-level", "host-bits", "vlan", "two-internets"],
)
def test_zone_problems(zones: str, expected: str) -> None:
    found = problems(BASE + zones)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        BASE + "assets: [{name: x, zone: c}, {name: y, zone: a, addresses: [10.9.0.1]}]\n"
    )
    assert len(found) == 2


@pytest.mark.parametrize("text", ["", "- a\n", "site: [1]\n", "site: x\nzones: 3\n", "{"])
def test_documents_that_are_no_site(text: str) -> None:
    with pytest.raises(DocumentError):
        load_site_text(text, "x.yaml")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Error, match="no such file"):
        load_site(tmp_path / "absent.yaml")


@pytest.mark.parametrize("path", [EXAMPLE, WARD], ids=lambda p: p.name)
def test_site_files_round_trip(path: Path) -> None:
    site = load_site(path)
    text = dump_site(site)
    assert load_site_text(text, "again.yaml") == site
    assert dump_site(load_site_text(text, "again.yaml")) == text


@pytest.mark.parametrize(
    ("written", "start", "end", "dumped"),
    [(443, 443, 443, 443), ("1024-65535", 1024, 65535, "1024-65535"), ([5, 7], 5, 7, "5-7")],
)
def test_port_spans(written: object, start: int, end: int, dumped: object) -> None:
    span = PortSpan.model_validate(written)
    assert (span.start, span.end) == (start, end)
    assert span.model_dump() == dumped


def test_the_most_specific_zone_holds_an_address() -> None:
    site = load_site(EXAMPLE)
    zone = site.zone_of("10.30.0.20/32")
    assert zone is not None and zone.name == "clinical-servers"
    # Outside every private zone: the internet zone.
    outside = site.zone_of("192.0.2.1/32")
    assert outside is not None and outside.internet


def test_conduit_permits_by_direction_name_and_port() -> None:
    conduit = Conduit(
        name="k",
        from_zone="a",
        to_zone="b",
        services=[
            ConduitService(name="dicom", protocol="tcp", ports=[PortSpan(start=104, end=104)])
        ],
    )
    assert conduit.permits("a", "b", "dicom", "tcp", 104, 104)
    assert not conduit.permits("b", "a", "dicom", "tcp", 104, 104)  # one-way
    assert not conduit.permits("a", "b", "https", "tcp", 104, 104)  # other service name
    assert not conduit.permits("a", "b", "dicom", "tcp", 11112, 11112)
    both = conduit.model_copy(update={"bidirectional": True})
    assert both.permits("b", "a", "dicom", "tcp", 104, 104)


# --------------------------------------------------------------------------- properties

names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


@st.composite
def sites(draw: st.DrawFn) -> Site:
    count = draw(st.integers(1, 4))
    zone_names = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    zones = [
        Zone(
            name=n,
            security_level=draw(st.integers(1, 4)),
            cidrs=[f"10.{i}.0.0/16"],
            vlans=draw(st.lists(st.integers(1, 4094), max_size=2)),
            purpose=draw(st.none() | st.text(min_size=1, max_size=20)),
        )
        for i, n in enumerate(zone_names)
    ]
    assets = []
    for j, name in enumerate(draw(st.lists(names, max_size=4, unique=True))):
        i = draw(st.integers(0, count - 1))
        assets.append(
            Asset(
                name=name,
                zone=zone_names[i],
                addresses=[str(ipaddress.ip_address(f"10.{i}.1.{j + 1}"))],
            )
        )
    conduits = []
    if count > 1:
        conduits.append(
            Conduit(
                name="k",
                from_zone=zone_names[0],
                to_zone=zone_names[1],
                bidirectional=draw(st.booleans()),
                services=[
                    ConduitService(
                        protocol=draw(st.sampled_from(["tcp", "udp"])),
                        ports=[
                            PortSpan(start=p, end=p)
                            for p in draw(st.lists(st.integers(1, 65535), max_size=3))
                        ],
                    )
                ],
            )
        )
    bindings = {"ntp": Binding(cidrs=["10.0.0.0/24"])} if draw(st.booleans()) else {}
    return Site(
        site=draw(st.text(min_size=1, max_size=20)),
        zones=zones,
        assets=assets,
        conduits=conduits,
        bindings=bindings,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites())
def test_any_valid_site_round_trips_through_yaml(site: Site) -> None:
    assert load_site_text(dump_site(site), "gen.yaml") == site


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_site_or_an_error(text: str) -> None:
    try:
        load_site_text(text, "fuzz.yaml")
    except Error:
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["site", "zones", "assets", "conduits", "bindings", "name", "cidrs", "zone"]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_structure_is_a_site_or_an_error(data: object) -> None:
    import json

    try:
        load_site_text(json.dumps(data), "fuzz.json")
    except Error:
        pass


@pytest.mark.parametrize("path", [EXAMPLE, WARD], ids=lambda p: p.name)
def test_site_files_conform_to_the_published_json_schema(path: Path) -> None:
    import jsonschema

    from medsec.profiles.loader import parse_document

    data = parse_document(path.read_text(encoding="utf-8"), str(path)).data
    schema = Site.model_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    bad = {**data, "zones": [{**data["zones"][0], "security_level": 7}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema, cls=jsonschema.Draft202012Validator)
