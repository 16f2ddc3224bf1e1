"""Properties of the profile loader that must hold for *any* input.

1. Whatever text comes in — random characters, random YAML structures, mangled copies
   of a valid profile — the loader either returns a profile or raises a
   :class:`medsec.errors.Error`; nothing else (no ``KeyError``, no ``RecursionError``,
   no pydantic exception) may escape to the CLI as a traceback.
2. Every problem it reports has a usable place (line and column ≥ 1).
3. A valid profile written out as JSON and read back is the same profile.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from medsec.errors import DocumentError, Error
from medsec.profiles.loader import load_profile_text, parse_document
from medsec.profiles.psp import ProductSecurityProfile

HERE = Path(__file__).resolve().parent
MINIMAL_YAML = (HERE / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
MINIMAL_DATA: dict[str, Any] = parse_document(MINIMAL_YAML, "minimal.yaml").data
# Every profile in examples/ (a file starting its own document with `psp_version:`); the
# other YAML files there are advisory inputs, site files and update manifests.
EXAMPLES = sorted(
    p
    for p in (HERE.parents[1] / "examples").rglob("*.yaml")
    if "\npsp_version:" in "\n" + p.read_text(encoding="utf-8")
)

# Moderate example counts keep the suite fast. ruamel's round-trip parser needs about
# 0.1 s for the minimal fixture, so tests that load a whole profile per example run
# fewer examples than those on short random text.
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WHOLE_PROFILE = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def load_or_error(text: str) -> ProductSecurityProfile | None:
    """Load ``text``; a medsec Error is an acceptable outcome, anything else propagates."""
    try:
        return load_profile_text(text, "random.yaml")
    except DocumentError as e:
        assert e.problems, "a DocumentError must carry at least one problem"
        for problem in e.problems:
            assert problem.location.line >= 1
            assert problem.location.column >= 1
            assert str(problem).startswith("random.yaml:")
        assert e.diagnostics()
        return None
    except Error as e:
        assert e.diagnostics()
        return None


def to_yaml(data: Any) -> str:
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


# --------------------------------------------------------------------------- (a) random text


@FAST
@given(st.text())
def test_random_text_gives_a_profile_or_an_error(text: str) -> None:
    load_or_error(text)


YAML_PIECES = st.sampled_from(
    [
        "psp_version: 1\n", "product:\n", "  name: x\n", "- ", "[", "]", "{", "}", ": ", ", ",
        "&a ", "*a ", "!!str ", "!!set ", "!!omap ", "!!bool ", "!!int ", "!!float ",
        "!!binary ", "!!python/object:os.system ", "!local ", "? ",
        "|\n", ">-\n", '"', "'", "#", "\t", "\n", "  ", "---\n", "...\n", "%YAML 1.2\n", "0x1F",
        "1e400", ".nan", "2026-02-30", "~", "null", "true", "<<: *a\n", "\ufeff", "\x85",
    ]
)  # fmt: skip


@FAST
@given(st.lists(YAML_PIECES | st.text(max_size=5), max_size=30).map("".join))
def test_random_yaml_syntax_gives_a_profile_or_an_error(text: str) -> None:
    load_or_error(text)


# --------------------------------------------------------------------------- (b) random YAML


def field_names() -> list[str]:
    """Every key the PSP models know, so random documents reach deep into the model."""
    names: set[str] = set()
    pending: list[type[Any]] = [ProductSecurityProfile]
    seen: set[type[Any]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(name)
            pending.extend(t for t in _types_in(info.annotation) if hasattr(t, "model_fields"))
    return sorted(names)


def _types_in(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", ())
    return [annotation, *(t for arg in args for t in _types_in(arg))]


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.dates()
    | st.sampled_from(["tcp", "udp", "icmp", "device", "phi", "inbound", "1", "", " "])
)
KEYS = st.sampled_from(field_names()) | st.text(max_size=12)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=40,
)


@FAST
@given(DOCUMENTS)
def test_random_yaml_documents_give_a_profile_or_an_error(data: Any) -> None:
    load_or_error(to_yaml(data))


@WHOLE_PROFILE
@given(st.dictionaries(KEYS, DOCUMENTS, max_size=8))
def test_random_profile_shaped_documents_give_a_profile_or_an_error(data: Any) -> None:
    load_or_error(to_yaml({"psp_version": 1, **data}))


# --------------------------------------------------------------------------- mutations


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or list item below ``node``."""
    if isinstance(node, dict):
        children: list[tuple[Any, Any]] = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    else:
        return []
    found: list[tuple[Any, ...]] = []
    for key, value in children:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


MINIMAL_PATHS = paths(MINIMAL_DATA)


def parent_of(data: Any, path: tuple[Any, ...]) -> Any:
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


@WHOLE_PROFILE
@given(st.lists(st.sampled_from(MINIMAL_PATHS), min_size=1, max_size=4, unique=True))
def test_minimal_profile_with_keys_deleted_gives_a_profile_or_an_error(
    deleted: list[tuple[Any, ...]],
) -> None:
    data = copy.deepcopy(MINIMAL_DATA)
    # Deepest first. A deletion may shift a later path's list index to a neighbour,
    # which only changes which item goes; every outcome is a document worth loading.
    for path in sorted(deleted, key=len, reverse=True):
        try:
            parent = parent_of(data, path)
            del parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an ancestor was deleted already
    load_or_error(to_yaml(data))


@WHOLE_PROFILE
@given(st.lists(st.tuples(st.sampled_from(MINIMAL_PATHS), DOCUMENTS), min_size=1, max_size=4))
def test_minimal_profile_with_values_replaced_gives_a_profile_or_an_error(
    replacements: list[tuple[tuple[Any, ...], Any]],
) -> None:
    data = copy.deepcopy(MINIMAL_DATA)
    for path, value in replacements:
        try:
            parent_of(data, path)[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    load_or_error(to_yaml(data))


@pytest.mark.parametrize(
    "text",
    ["k: !!set x\n", "k: !!omap x\n", "k: !!bool x\n", "k: !!int\n", "k: !!float\n"],
)
def test_mistagged_scalar_is_an_error(text: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load_profile_text(text, "tagged.yaml")
    assert str(caught.value.problems[0]).startswith("tagged.yaml:1:4: ")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    # 1,500 nested block sequences exceed Python's recursion limit in ruamel's composer;
    # the loader must turn the RecursionError into an Error. (Block style: ruamel takes
    # far longer on the same depth of flow-style "[[[…]]]".)
    text = "a:\n" + "".join("  " * level + "-\n" for level in range(1, 1500))
    with pytest.raises(Error):
        load_profile_text(text, "deep.yaml")


# --------------------------------------------------------------------------- (c) round trip


def round_trip(profile: ProductSecurityProfile) -> ProductSecurityProfile:
    """Write the profile as JSON (``json.dumps`` defaults: ASCII with escapes), read it back."""
    text = json.dumps(profile.model_dump(mode="json"), indent=2)
    return load_profile_text(text, "round-trip.json")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_survives_a_json_round_trip(example: Path) -> None:
    profile = load_profile_text(example.read_text(encoding="utf-8"), str(example))
    assert round_trip(profile) == profile


# Characters beyond U+FFFF included: JSON escapes them as surrogate pairs, which the
# loader joins again (test_astral_character_in_escaped_json_is_read).
FREE_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], max_codepoint=0x10FFFF), min_size=1, max_size=60
).filter(str.strip)


@WHOLE_PROFILE
@given(
    name=FREE_TEXT,
    description=FREE_TEXT,
    port=st.integers(min_value=1, max_value=65535),
    severity=st.integers(min_value=0, max_value=7),
    event_id=st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=32
    ).filter(lambda s: s not in ("-", "CONFIG-CHANGED")),
)
def test_valid_profile_survives_a_json_round_trip(
    name: str, description: str, port: int, severity: int, event_id: str
) -> None:
    data = copy.deepcopy(MINIMAL_DATA)
    data["product"]["name"] = name
    data["network"]["services"][0]["description"] = description
    data["network"]["services"][1]["default_port"] = port
    data["monitoring"]["events"][0]["id"] = event_id
    data["monitoring"]["events"][0]["severity"] = severity
    profile = ProductSecurityProfile.model_validate(data)
    assert round_trip(profile) == profile


def test_astral_character_in_escaped_json_is_read() -> None:
    data = copy.deepcopy(MINIMAL_DATA)
    data["product"]["name"] = "Example Monitor \N{MATHEMATICAL BOLD CAPITAL A}"
    # json.dumps escapes non-ASCII by default: the character becomes a surrogate pair.
    text = json.dumps(data, default=str)
    assert "\\ud835\\udc00" in text
    profile = load_profile_text(text, "astral.json")
    assert profile.product.name == "Example Monitor \N{MATHEMATICAL BOLD CAPITAL A}"
