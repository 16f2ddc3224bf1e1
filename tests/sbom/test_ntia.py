"""NTIA minimum elements, per element, with the failing components named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from medsec.sbom.model import Component, Edge, Sbom, SbomFormat
from medsec.sbom.ntia import ntia_report

GOOD = Component("a", "library", "zlib", "1.3.1", purl="pkg:generic/zlib@1.3.1", supplier="zlib")
PRODUCT = Component(
    "p", "device", "pump", "2.0", cpe="cpe:2.3:h:x:pump:2.0:*:*:*:*:*:*:*", supplier="Example"
)
COMPLETE = Sbom(
    SbomFormat.CYCLONEDX_JSON,
    "1.6",
    timestamp=datetime(2026, 1, 1, tzinfo=UTC),
    authors=("PSIRT",),
    product=PRODUCT,
    components=(GOOD,),
    edges=(Edge("p", "a"),),
)


def test_a_complete_sbom_passes_every_element() -> None:
    report = ntia_report(COMPLETE)
    assert report.passed
    assert [e.element for e in report.elements] == [
        "supplier",
        "name",
        "version",
        "identifiers",
        "relationships",
        "author",
        "timestamp",
    ]
    assert all(e.checked == 2 for e in report.elements[:5])


@pytest.mark.parametrize(
    ("change", "element", "failing"),
    [
        (
            {"components": (Component("b", "library", "x", "1", purl="pkg:generic/x@1"),)},
            "supplier",
            ("x@1 (b)",),
        ),
        (
            {"components": (Component("b", "library", "x", supplier="s", purl="pkg:generic/x"),)},
            "version",
            ("x (b)",),
        ),
        (
            {"components": (Component("b", "library", "x", "1", supplier="s"),)},
            "identifiers",
            ("x@1 (b)",),
        ),
        ({"edges": ()}, "relationships", ("pump@2.0 (p)", "zlib@1.3.1 (a)")),
        ({"authors": (), "tools": ("syft 1.0",)}, "author", ("(the SBOM)",)),
        ({"timestamp": None}, "timestamp", ("(the SBOM)",)),
    ],
)
def test_each_missing_element_fails_and_names_the_components(
    change: dict[str, object], element: str, failing: tuple[str, ...]
) -> None:
    fields = {f: getattr(COMPLETE, f) for f in COMPLETE.__dataclass_fields__} | change
    report = ntia_report(Sbom(**fields))  # type: ignore[arg-type]
    result = next(e for e in report.elements if e.element == element)
    assert not result.passed and not report.passed
    assert set(failing) <= set(result.failing)


def test_nested_components_have_a_relationship_through_their_parent() -> None:
    nested = Component(
        "n", "library", "inner", "1", supplier="s", purl="pkg:generic/inner@1", parent="a"
    )
    sbom = Sbom(
        **{f: getattr(COMPLETE, f) for f in COMPLETE.__dataclass_fields__}
        | {"components": (GOOD, nested)}
    )  # type: ignore[arg-type]
    assert ntia_report(sbom).passed


def test_tools_alone_are_not_an_author() -> None:
    sbom = Sbom(SbomFormat.SPDX_JSON, "SPDX-2.3", tools=("syft",))
    author = next(e for e in ntia_report(sbom).elements if e.element == "author")
    assert (author.passed, author.note) == (False, "only tools are named: syft")
