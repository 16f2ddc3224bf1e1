"""A JSON pointer's line and column point at the value it names."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.sbom.positions import locate, pointer

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, min_size=1, max_size=4)
        | st.dictionaries(st.text(max_size=6), inner, min_size=1, max_size=4)
    ),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@settings(max_examples=200, deadline=None)
@given(values, st.integers(0, 4), st.data())
def test_locate_points_at_the_value(value: Any, indent: int, data: st.DataObject) -> None:
    text = json.dumps(value, indent=indent or None)
    path = data.draw(st.sampled_from(_paths(value)))
    line, column = locate(text, path)
    offset = sum(len(x) + 1 for x in text.split("\n")[: line - 1]) + column - 1
    decoded, _ = json.JSONDecoder().raw_decode(text, offset)
    assert decoded == _at(value, path)


def test_pointer_escapes_per_rfc_6901() -> None:
    assert pointer(["a/b", "m~n", 0]) == "/a~1b/m~0n/0"
    assert pointer([]) == ""
