"""A VEX statement applies by product + component + vulnerability; conflicts are decided
by time, then authority, then caution."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medsec.vulns.vex.model import SourceKind, Subject, VexStatement, VexStatus
from medsec.vulns.vex.resolve import applies, decisive, ordered

PUMP = Subject(
    purl="pkg:generic/acme/pump@2.0", ref="pump", name="Pump", version="2.0", document="urn:uuid:1"
)
JINJA = Subject(purl="pkg:pypi/jinja2@2.10", ref="jinja", name="jinja2", document="urn:uuid:1")
IDS = ("PYSEC-2019-217", "CVE-2019-10906", "GHSA-462w-v97r-4m45")


def stmt(
    product: Subject | None,
    component: Subject | None,
    vulnerability: str = "CVE-2019-10906",
    aliases: tuple[str, ...] = (),
    status: VexStatus = VexStatus.NOT_AFFECTED,
    kind: SourceKind = SourceKind.MANUFACTURER,
    when: datetime | None = None,
) -> VexStatement:
    return VexStatement(
        vulnerability=vulnerability,
        aliases=aliases,
        status=status,
        source="test",
        source_kind=kind,
        product=product,
        component=component,
        timestamp=when,
    )


SCOPE = [
    ("product + component by purl", stmt(Subject(purl=PUMP.purl), Subject(purl=JINJA.purl)), True),
    ("product-level statement", stmt(Subject(purl=PUMP.purl), None), True),
    (
        "product purl without version: every version",
        stmt(Subject(purl="pkg:generic/acme/pump"), None),
        True,
    ),
    ("another product version", stmt(Subject(purl="pkg:generic/acme/pump@3.0"), None), False),
    ("another product", stmt(Subject(purl="pkg:generic/other/ct@2.0"), None), False),
    ("another component", stmt(Subject(purl=PUMP.purl), Subject(purl="pkg:pypi/flask@1.0")), False),
    (
        "another component version",
        stmt(Subject(purl=PUMP.purl), Subject(purl="pkg:pypi/jinja2@3.1")),
        False,
    ),
    (
        "component qualifiers only on one side",
        stmt(Subject(purl=PUMP.purl), Subject(purl="pkg:pypi/jinja2@2.10?arch=x86_64")),
        True,
    ),
    (
        "by the statement's alias",
        stmt(Subject(purl=PUMP.purl), None, "CVE-X", ("GHSA-462w-v97r-4m45",)),
        True,
    ),
    ("by the finding's alias", stmt(Subject(purl=PUMP.purl), None, "GHSA-462w-v97r-4m45"), True),
    ("another vulnerability", stmt(Subject(purl=PUMP.purl), None, "CVE-2020-0001"), False),
    ("the component as its own product", stmt(Subject(purl=JINJA.purl), None), True),
    (
        "bom-ref of the same BOM",
        stmt(
            Subject(ref="pump", document="urn:uuid:1"), Subject(ref="jinja", document="urn:uuid:1")
        ),
        True,
    ),
    (
        "bom-ref of another BOM",
        stmt(
            Subject(ref="pump", document="urn:uuid:2"), Subject(ref="jinja", document="urn:uuid:2")
        ),
        False,
    ),
    (
        "embedded in the SBOM (no product)",
        stmt(None, Subject(ref="jinja", document="urn:uuid:1")),
        True,
    ),
    (
        "product named only, another document's bom-ref",
        stmt(Subject(ref="product-ABC", name="Pump", version="2.0", document="urn:uuid:9"), None),
        True,
    ),
    (
        "product named only, another version",
        stmt(Subject(ref="product-ABC", name="Pump", version="1.0"), None),
        False,
    ),
    ("CPE product", stmt(Subject(cpe="cpe:2.3:h:acme:pump:2.0:*:*:*:*:*:*:*"), None), False),
]


@pytest.mark.parametrize(("case", "statement", "expected"), SCOPE, ids=[c for c, _, _ in SCOPE])
def test_scope(case: str, statement: VexStatement, expected: bool) -> None:
    assert applies(statement, IDS, PUMP, JINJA) is expected


def test_a_statement_never_applies_without_a_product_to_compare() -> None:
    s = stmt(Subject(purl=PUMP.purl), Subject(purl=JINJA.purl))
    assert applies(s, IDS, None, JINJA) is False


T1 = datetime(2024, 1, 1, tzinfo=UTC)
T2 = datetime(2024, 6, 1, tzinfo=UTC)
M, H, T = SourceKind.MANUFACTURER, SourceKind.HOSPITAL, SourceKind.THIRD_PARTY
NA, AF, FX, UI = (
    VexStatus.NOT_AFFECTED,
    VexStatus.AFFECTED,
    VexStatus.FIXED,
    VexStatus.UNDER_INVESTIGATION,
)

CONFLICTS = [
    ("later hospital triage beats earlier manufacturer", [(M, T1, AF), (H, T2, NA)], (H, NA)),
    ("later manufacturer beats earlier hospital triage", [(H, T1, NA), (M, T2, AF)], (M, AF)),
    ("same time: manufacturer over hospital", [(H, T1, NA), (M, T1, AF)], (M, AF)),
    ("same time: hospital over third party", [(T, T1, AF), (H, T1, NA)], (H, NA)),
    ("same time and source: the cautious status", [(M, T1, NA), (M, T1, UI)], (M, UI)),
    ("a dated statement beats an undated one", [(M, None, AF), (T, T1, FX)], (T, FX)),
    ("undated: authority decides", [(T, None, AF), (M, None, NA)], (M, NA)),
]


@pytest.mark.parametrize(("case", "rows", "winner"), CONFLICTS, ids=[c for c, _, _ in CONFLICTS])
def test_conflicts(
    case: str,
    rows: list[tuple[SourceKind, datetime | None, VexStatus]],
    winner: tuple[SourceKind, VexStatus],
) -> None:
    statements = [stmt(None, None, status=s, kind=k, when=w) for k, w, s in rows]
    d = decisive(statements)
    assert d is not None and (d.source_kind, d.status) == winner
    assert ordered(statements)[0] is d
    assert decisive(list(reversed(statements))) is d


def test_no_statement_no_decision() -> None:
    assert decisive([]) is None
