"""CPE 2.3 parsing and NVD configuration matching."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.vulns.cpe import CpeCriterion, NvdConfiguration, configuration_matches, parse_cpe
from medsec.vulns.errors import InvalidCpe


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("cpe:2.3:o:acme:pump_os:2.1:*:*:*:*:*:*:*", "product", "pump_os"),
        (r"cpe:2.3:a:acme:big\:name:1.0:*:*:*:*:*:*:*", "product", "big:name"),
        (r"cpe:2.3:a:acme:c\+\+lib:1.0:*:*:*:*:*:*:*", "product", "c++lib"),
        ("cpe:2.3:h:acme:pump:-:*:*:*:*:*:*:*", "version", "-"),
        ("cpe:2.3:a:acme:app:*:*:*:*:*:*:*:*", "version", "*"),
    ],
)
def test_parse(text: str, field: str, value: str) -> None:
    assert parse_cpe(text).value(field) == value


@pytest.mark.parametrize(
    "text",
    [
        "cpe:/o:acme:pump:2.1",  # CPE 2.2 URI form
        "cpe:2.3:o:acme:pump:2.1",  # too few components
        "cpe:2.3:x:acme:pump:2.1:*:*:*:*:*:*:*",  # bad part
        "cpe:2.3:o:acme::2.1:*:*:*:*:*:*:*",  # empty component
        "cpe:2.3:o:acme:pump:2.1:*:*:*:*:*:*:*\\",  # lone backslash
    ],
)
def test_bad_cpes_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidCpe) as raised:
        parse_cpe(text)
    assert raised.value.hint  # every refusal says how to fix it


@given(st.text(max_size=60))
def test_parse_never_raises_anything_but_error(text: str) -> None:
    try:
        parse_cpe("cpe:2.3:" + text)
    except Error:
        pass


FW = "cpe:2.3:o:acme:pump_firmware:*:*:*:*:*:*:*:*"


def config(*criteria: dict[str, Any], operator: str = "OR") -> NvdConfiguration:
    return NvdConfiguration.model_validate(
        {"nodes": [{"operator": operator, "cpeMatch": list(criteria)}]}
    )


@pytest.mark.parametrize(
    ("bounds", "version", "matches"),
    [
        ({"versionEndExcluding": "2.0"}, "1.9", True),
        ({"versionEndExcluding": "2.0"}, "2.0", False),
        ({"versionEndIncluding": "2.0"}, "2.0", True),
        ({"versionStartIncluding": "1.5", "versionEndExcluding": "2.0"}, "1.4", False),
        ({"versionStartIncluding": "1.5", "versionEndExcluding": "2.0"}, "1.5", True),
        ({"versionStartExcluding": "1.5"}, "1.5", False),
        ({"versionEndExcluding": "1.10"}, "1.9", True),  # numeric, not string order
        ({"versionEndExcluding": "2.0"}, "*", False),  # unknown version is never affected
    ],
)
def test_version_bounds(bounds: dict[str, str], version: str, matches: bool) -> None:
    cfg = config({"vulnerable": True, "criteria": FW, **bounds})
    target = parse_cpe(f"cpe:2.3:o:acme:pump_firmware:{version}:*:*:*:*:*:*:*")
    assert (configuration_matches(cfg, [target]) is not None) is matches


def test_exact_version_and_wildcards() -> None:
    cfg = config({"vulnerable": True, "criteria": "cpe:2.3:o:acme:pump_*:2.1:*:*:*:*:*:*:*"})
    assert configuration_matches(cfg, [parse_cpe("cpe:2.3:o:acme:pump_os:2.1:*:*:*:*:*:*:*")])
    assert not configuration_matches(cfg, [parse_cpe("cpe:2.3:o:acme:pump_os:2.2:*:*:*:*:*:*:*")])
    assert not configuration_matches(cfg, [parse_cpe("cpe:2.3:o:other:pump_os:2.1:*:*:*:*:*:*:*")])


def test_and_configurations_need_the_platform_too() -> None:
    cfg = NvdConfiguration.model_validate(
        {
            "operator": "AND",
            "nodes": [
                {"operator": "OR", "cpeMatch": [{"vulnerable": True, "criteria": FW}]},
                {
                    "operator": "OR",
                    "cpeMatch": [
                        {"vulnerable": False, "criteria": "cpe:2.3:h:acme:pump:-:*:*:*:*:*:*:*"}
                    ],
                },
            ],
        }
    )
    fw = parse_cpe("cpe:2.3:o:acme:pump_firmware:1.0:*:*:*:*:*:*:*")
    hw = parse_cpe("cpe:2.3:h:acme:pump:-:*:*:*:*:*:*:*")
    assert configuration_matches(cfg, [fw]) is None
    hits = configuration_matches(cfg, [fw, hw])
    assert hits is not None and [c.criteria for c, _ in hits] == [FW]  # only vulnerable ones


def test_criterion_bounds_are_explained() -> None:
    c = CpeCriterion.model_validate(
        {"criteria": FW, "versionStartIncluding": "1.0", "versionEndExcluding": "2.0"}
    )
    assert c.bounds() == ">= 1.0, < 2.0"
