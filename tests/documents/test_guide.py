"""The guide as data: rows worded for a reader, shared by every renderer."""

from __future__ import annotations

import pytest

from medsec.documents.guide import NOT_STATED, build_guide, severity_name, yes_no
from medsec.profiles.loader import load_profile_text
from medsec.profiles.psp import EXAMPLE_MINIMAL, ProductSecurityProfile


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0, "Emergency"),
        (1, "Alert"),
        (2, "Critical"),
        (3, "Error"),
        (4, "Warning"),
        (5, "Notice"),
        (6, "Informational"),
        (7, "Debug"),
        (8, "unknown (8)"),
    ],
)
def test_rfc5424_severity_names(code: int, name: str) -> None:
    assert severity_name(code) == name


@pytest.mark.parametrize(("value", "text"), [(True, "yes"), (False, "no"), (None, NOT_STATED)])
def test_yes_no(value: bool | None, text: str) -> None:
    assert yes_no(value) == text


def test_a_service_row_per_service_in_profile_order(pump: ProductSecurityProfile) -> None:
    guide = build_guide(pump)
    assert [row.id for row in guide.services] == [s.id for s in pump.network.services]
    ntp = guide.services[1]
    assert (ntp.name, ntp.protocol, ntp.default_port, ntp.configurable_range) == (
        "ntp",
        "UDP",
        "123",
        "—",
    )
    assert ntp.encryption == "none"
    assert guide.services[0].encryption == "TLS (TLS 1.2 or 1.3, AES-GCM cipher suites only.)"


def test_ports_to_open_follow_the_direction_of_connection(pump: ProductSecurityProfile) -> None:
    rules = {(r.service, r.source, r.destination, r.port) for r in build_guide(pump).ports_to_open}
    device = "Northwind LVP 3000 (this device)"
    assert rules == {
        ("northwind-pumplink", device, "Northwind Pump Server", "TCP 8443"),
        ("ntp", device, "Hospital NTP server", "UDP 123"),
        ("syslog-tls", device, "Hospital syslog collector / SIEM", "TCP 6514"),
        ("https", "Biomedical engineering service laptop", device, "TCP 443"),
    }


def test_flow_rows_know_when_they_carry_personal_data(pump: ProductSecurityProfile) -> None:
    personal = {row.id: row.personal for row in build_guide(pump).flows}
    assert personal == {
        "orders-to-pump": True,
        "library-to-pump": False,
        "status-to-server": True,
        "logs-to-siem": False,
    }


def test_a_minimal_profile_gives_empty_tables() -> None:
    guide = build_guide(load_profile_text(EXAMPLE_MINIMAL))
    assert (guide.services, guide.ports_to_open, guide.flows, guide.events) == ((), (), (), ())
