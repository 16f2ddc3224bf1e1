"""CycloneDX's ``uniqueItems`` arrays are checked in linear time with JSON Schema's own
notion of equality.

Regression: jsonschema compares objects pairwise, so validating a 3,000-component SBOM
took 51 s and a duplicate was reported by printing the whole array.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema._utils import equal

from medsec.sbom import read_sbom_bytes
from medsec.sbom.cyclonedx import _json_key
from medsec.sbom.interfaces import SbomError

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([0.0, 1.0, 2.5])
    | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(json_values, json_values)
def test_the_key_is_equal_exactly_when_json_schema_calls_the_values_equal(a: Any, b: Any) -> None:
    assert (_json_key(a) == _json_key(b)) == equal(a, b)


def _bom(components: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}
    ).encode()


def _component(n: int) -> dict[str, Any]:
    return {"type": "library", "name": f"lib{n}", "version": "1.0", "purl": f"pkg:npm/lib{n}@1.0"}


def test_a_large_sbom_with_distinct_components_is_valid() -> None:
    sbom = read_sbom_bytes(_bom([_component(n) for n in range(3_000)]), "big.json")
    assert len(sbom.components) == 3_000


def test_a_repeated_component_is_named_by_its_index() -> None:
    components = [_component(n) for n in range(50)]
    components.append(dict(reversed(list(components[7].items()))))  # same object, keys reordered
    with pytest.raises(SbomError) as refused:
        read_sbom_bytes(_bom(components), "twice.json")
    text = refused.value.diagnostics()
    assert "item 50 repeats item 7" in text
    assert "lib49" not in text  # the array itself is not printed
