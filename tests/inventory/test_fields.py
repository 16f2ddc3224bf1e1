"""Asset values: normalised forms and the errors for everything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.inventory import fields
from medsec.inventory.drafts import build_draft
from medsec.inventory.fields import InvalidValue


@pytest.mark.parametrize(
    ("given_value", "stored"),
    [
        ("00:1A:2B:3C:4D:5E", "00:1a:2b:3c:4d:5e"),
        ("00-1a-2b-3c-4d-5e", "00:1a:2b:3c:4d:5e"),
        ("001a.2b3c.4d5e", "00:1a:2b:3c:4d:5e"),
        ("001A2B3C4D5E", "00:1a:2b:3c:4d:5e"),
        ("  00:1a:2b:3c:4d:5e ", "00:1a:2b:3c:4d:5e"),
        ("", None),
    ],
)
def test_mac_notations(given_value: str, stored: str | None) -> None:
    assert fields.normalise_mac(given_value) == stored


@pytest.mark.parametrize(
    "bad",
    ["00:1a:2b:3c:4d", "00:1a:2b:3c:4d:5e:6f", "00:1a:2b:3c:4d:zz", "00:1a-2b:3c:4d:5e", "hello"],
)
def test_not_macs(bad: str) -> None:
    with pytest.raises(InvalidValue, match="not a MAC address"):
        fields.normalise_mac(bad)


@pytest.mark.parametrize(
    ("given_value", "stored"),
    [
        ("10.0.0.5", ["10.0.0.5"]),
        ("10.0.0.5, 10.0.0.6;10.0.0.5", ["10.0.0.5", "10.0.0.6"]),
        ("FD00:0000::0005", ["fd00::5"]),
        (["192.0.2.1", " "], ["192.0.2.1"]),
        ("", []),
    ],
)
def test_ip_addresses(given_value: str | list[str], stored: list[str]) -> None:
    assert fields.normalise_ips(given_value) == stored


@pytest.mark.parametrize("bad", ["10.0.0.256", "10.0.0", "host.example", "10.0.0.0/24"])
def test_not_ip_addresses(bad: str) -> None:
    with pytest.raises(InvalidValue, match="not an IP address"):
        fields.normalise_ips(bad)


@pytest.mark.parametrize(
    ("given_value", "stored"),
    [
        ("life-sustaining", "life-sustaining"),
        ("Life Sustaining", "life-sustaining"),
        ("CRITICAL", "life-sustaining"),
        ("high", "high"),
        ("Moderate", "medium"),
        ("", "medium"),
        ("low", "low"),
    ],
)
def test_criticality_scale(given_value: str, stored: str) -> None:
    assert fields.normalise_criticality(given_value).value == stored


@pytest.mark.parametrize(
    ("given_value", "stored"),
    [("Pump-01.ICU.Local.", "pump-01.icu.local"), ("ct1", "ct1"), ("", None)],
)
def test_hostnames(given_value: str, stored: str | None) -> None:
    assert fields.normalise_hostname(given_value) == stored


@pytest.mark.parametrize("bad", ["-pump", "pump_01", "a..b", "x" * 64])
def test_not_hostnames(bad: str) -> None:
    with pytest.raises(InvalidValue, match="not a host name"):
        fields.normalise_hostname(bad)


@pytest.mark.parametrize("bad", ["Mars/Olympus", "../../etc/passwd", "Europe/"])
def test_not_time_zones(bad: str) -> None:
    with pytest.raises(InvalidValue, match="not an IANA time zone"):
        fields.normalise_timezone(bad)


def test_a_draft_reports_every_bad_field() -> None:
    draft, issues = build_draft(
        {"serial": " ", "vendor": "v" * 201, "model": "m", "mac": "x", "criticality": "urgent"}
    )
    assert draft is None
    assert [i.field for i in issues] == ["serial", "vendor", "mac", "criticality"]
    assert all(i.hint for i in issues)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "serial",
                "vendor",
                "model",
                "mac",
                "ip_addresses",
                "hostname",
                "criticality",
                "product_version_id",
            ]
        ),
        st.text(max_size=80),
    )
)
def test_building_a_draft_never_raises(values: dict[str, str]) -> None:
    draft, issues = build_draft(values)
    assert (draft is None) == bool(issues)


@given(st.text(max_size=40))
def test_mac_normalisation_is_idempotent(text: str) -> None:
    try:
        once = fields.normalise_mac(text)
    except InvalidValue:
        return
    assert once is None or fields.normalise_mac(once) == once
