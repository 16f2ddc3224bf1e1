"""The priority formula, case by case, and the EPSS file reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.inventory.fields import Criticality
from medsec.vulns.priority import AssetContext, Exposure, Level, parse_epss, prioritise, read_epss

CRIT_31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
MED_31 = "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N"  # 4.6
LOW_31 = "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.6
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3

CASES = [
    # (case, vectors, kwargs, expected level, expected score)
    ("CVSS alone", [CRIT_31], {}, Level.CRITICAL, 9.8),
    ("4.0 preferred over 3.1", [LOW_31, V40], {}, Level.CRITICAL, 9.3),
    ("no vector: 5.0 assumed", [], {}, Level.MEDIUM, 5.0),
    ("unparsable vector: 5.0 assumed", ["CVSS:3.1/AV:Q"], {}, Level.MEDIUM, 5.0),
    ("KEV adds 2", [MED_31], {"kev": True}, Level.HIGH, 6.6),
    ("KEV floor is high", [LOW_31], {"kev": True}, Level.HIGH, 3.6),
    ("EPSS adds 2 x probability", [MED_31], {"epss": 0.5}, Level.MEDIUM, 5.6),
    ("manufacturer critical", [MED_31], {"manufacturer": Level.CRITICAL}, Level.MEDIUM, 6.6),
    ("manufacturer low", [MED_31], {"manufacturer": Level.LOW}, Level.LOW, 3.6),
    (
        "internet-exposed life-sustaining",
        [MED_31],
        {"context": AssetContext(Exposure.INTERNET, Criticality.LIFE_SUSTAINING)},
        Level.HIGH,
        7.6,
    ),
    (
        "isolated low-criticality",
        [MED_31],
        {"context": AssetContext(Exposure.ISOLATED, Criticality.LOW)},
        Level.LOW,
        3.1,
    ),
    ("suppressed by VEX", [CRIT_31], {"kev": True, "suppressed": "not affected"}, Level.NONE, 11.8),
]


@pytest.mark.parametrize(
    ("case", "vectors", "kwargs", "level", "score"), CASES, ids=[c[0] for c in CASES]
)
def test_formula(
    case: str, vectors: list[str], kwargs: dict[str, object], level: Level, score: float
) -> None:
    p = prioritise(vectors, **kwargs)  # type: ignore[arg-type]
    assert (p.level, p.score) == (level, score)
    # Every factor is listed, and the contributions add up to the score.
    assert round(sum(f.contribution for f in p.factors), 2) == p.score
    assert all(f.describe() in p.explanation() for f in p.factors)


def test_explanation_names_each_factor() -> None:
    p = prioritise(
        [CRIT_31],
        kev=True,
        epss=0.25,
        manufacturer=Level.HIGH,
        context=AssetContext(Exposure.ENTERPRISE, Criticality.HIGH),
    )
    assert [f.name for f in p.factors] == [
        "CVSS 3.1",
        "KEV",
        "EPSS",
        "manufacturer priority",
        "zone exposure",
        "clinical criticality",
    ]
    assert p.explanation().startswith("critical (score 14.3 = CVSS 3.1 9.8 Critical: +9.8, KEV")


def test_epss_csv_with_model_comment(tmp_path: Path) -> None:
    path = tmp_path / "epss.csv"
    path.write_text(
        "#model_version:v2023.03.01,score_date:2024-06-01T00:00:00+0000\n"
        "cve,epss,percentile\nCVE-2021-44228,0.97565,0.99996\nCVE-2019-10906,0.00123,0.4\n"
    )
    scores = read_epss(path)
    assert scores.model_version == "v2023.03.01"
    assert scores.probability(["PYSEC-1", "CVE-2019-10906"]) == 0.00123
    assert scores.probability(["CVE-0000-0000"]) is None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("id,score\n", 1),
        ("cve,epss,percentile\nCVE-1,high,0.5\n", 2),
        ("cve,epss,percentile\nCVE-1,1.5,0.5\n", 2),
        ("#model_version:x\ncve,epss,percentile\nCVE-1\n", 3),
    ],
)
def test_bad_epss_names_the_line(text: str, line: int) -> None:
    with pytest.raises(Error) as e:
        parse_epss(text, "epss.csv")
    assert f"epss.csv:{line}:1" in e.value.diagnostics()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_epss_parser_never_raises_anything_but_error(text: str) -> None:
    try:
        parse_epss("cve,epss,percentile\n" + text, "fuzz.csv")
    except Error:
        pass
