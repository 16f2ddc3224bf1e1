"""Plain-words explanations: every CSAF 2.0 test has one, and each names the test and the place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.advisories.explain import EXPLANATIONS, explain, title
from medsec.advisories.interfaces import Finding, Severity

# Every test of CSAF 2.0 §6 (6.1.27 sub-tests included; 6.1.27 itself for an unmapped finding).
MANDATORY = [f"6.1.{n}" for n in range(1, 34)] + [f"6.1.27.{n}" for n in range(1, 12)]
OPTIONAL = [f"6.2.{n}" for n in range(1, 21)]
INFORMATIVE = [f"6.3.{n}" for n in range(1, 12)]


@pytest.mark.parametrize("test_id", ["schema", *MANDATORY, *OPTIONAL, *INFORMATIVE])
def test_every_test_has_an_explanation_naming_the_test_and_the_place(test_id: str) -> None:
    finding = Finding(test_id, Severity.ERROR, "/vulnerabilities/0/notes", "some `thing` wrong")
    text = explain(finding)
    assert text.startswith(f"{test_id} {title(test_id)}: ")
    assert "/vulnerabilities/0/notes" in text
    assert "{" not in text and text.endswith(".")


def test_the_explanation_names_the_product_from_the_message() -> None:
    finding = Finding(
        "6.1.1",
        Severity.ERROR,
        "/vulnerabilities/0/product_status/known_affected/0",
        "product id `CSAFPID-0001` is not defined in product_tree",
    )
    assert explain(finding) == (
        "6.1.1 Missing definition of product ID: the advisory mentions product "
        "'CSAFPID-0001' at /vulnerabilities/0/product_status/known_affected/0 but never "
        "defines it in the product tree, so you cannot tell which device it means."
    )


def test_without_a_quoted_value_the_value_comes_from_the_document() -> None:
    document = json.loads((Path(__file__).parent / "fixtures" / "exm-2026-001.json").read_text())
    finding = Finding(
        "6.1.31",
        Severity.ERROR,
        "/product_tree/branches/0/branches/0/branches/0/name",
        "looks like a range",
    )
    assert "product version '1.0'" in explain(finding, document)


def test_an_unknown_test_still_names_test_place_and_message() -> None:
    finding = Finding("9.9.9", Severity.WARNING, "/x", "strange")
    assert explain(finding) == "9.9.9: at /x: strange."


def test_titles_are_unique() -> None:
    titles = [t for t, _ in EXPLANATIONS.values()]
    duplicates = {t for t in titles if titles.count(t) > 1}
    # 6.3.6 and 6.3.7 differ only in self/non-self; every other title is distinct.
    assert duplicates == set()


def test_a_long_engine_message_is_shortened() -> None:
    message = "{'version': '3.1', " + "'x': 1, " * 60 + "} is not valid under any of the schemas"
    text = explain(Finding("schema", Severity.ERROR, "/vulnerabilities/0/scores/0", message))
    assert len(text) < 400
    assert "…)" in text


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.sampled_from([*EXPLANATIONS, "9.9.9"]),
    st.text(max_size=40).map(lambda t: "/" + t),
    st.text(max_size=300),
    st.dictionaries(st.text(max_size=6), _json, max_size=3),
)
def test_explaining_never_fails_and_always_names_the_test(
    test_id: str, path: str, message: str, document: dict[str, object]
) -> None:
    text = explain(Finding(test_id, Severity.ERROR, path, message), document)
    assert text.startswith(test_id)
