"""The feed index: canonical bytes, and a parser that meets any input with an Error that
names the place."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.errors import DocumentError, Error
from medsec.feeds.index import FeedEntryDoc, FeedIndex, Kind, Publisher, index_bytes, parse_index


def entry(**changes: Any) -> dict[str, Any]:
    good = {
        "product": "Pump",
        "manufacturer": "Acme",
        "version": "1.0",
        "kind": "profile",
        "url": "/public/feeds/acme/versions/1/profile",
        "sha256": "a" * 64,
        "size": 10,
        "filename": "pump.yaml",
    }
    return {**good, **changes}


def index(*entries: dict[str, Any], **changes: Any) -> bytes:
    data = {
        "format": "medsec-feed/1",
        "publisher": {"name": "Acme", "slug": "acme"},
        "entries": list(entries),
        **changes,
    }
    return json.dumps(data, indent=2).encode()


def test_the_bytes_are_canonical_and_parse_back() -> None:
    built = FeedIndex(
        publisher=Publisher(name="Acme", slug="acme", key_fingerprint="A" * 40),
        updated=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        entries=[FeedEntryDoc.model_validate(entry(kind="sbom"))],
    )
    data = index_bytes(built)
    assert data == index_bytes(parse_index(data, "index.json")), "a fixed point"
    assert parse_index(data, "index.json") == built
    assert data.endswith(b"\n") and b'"format": "medsec-feed/1"' in data


@pytest.mark.parametrize(
    ("document", "pointer", "says"),
    [
        (b"\xff", "", "not UTF-8"),
        (b"{", "", "not valid JSON"),
        (index(format="medsec-feed/2"), "/format", "expected 'medsec-feed/1'"),
        (index(entry(sha256="abc")), "/entries/0/sha256", "should match pattern"),
        (index(entry(size=-1)), "/entries/0/size", "greater than or equal to 0"),
        (index(entry(kind="firmware")), "/entries/0/kind", "'profile', 'sbom' or 'vex'"),
        (index(entry(), entry()), "/entries", "listed twice: Pump/1.0/profile"),
        (index(entry(extra=1)), "/entries/0/extra", "Extra inputs are not permitted"),
        (index(publisher={"name": "Acme", "slug": "Not A Slug"}), "/publisher/slug", "pattern"),
    ],
)
def test_a_bad_index_names_the_place(document: bytes, pointer: str, says: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_index(document, "https://acme.example/index.json")
    problems = [(p.location.path, p.message) for p in caught.value.problems]
    assert any(path == pointer and says in message for path, message in problems), problems
    assert caught.value.source == "https://acme.example/index.json"


@given(st.binary(max_size=300))
def test_any_bytes_give_an_index_or_an_error(data: bytes) -> None:
    try:
        parse_index(data, "index.json")
    except Error:
        pass


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_gives_an_index_or_an_error(value: Any) -> None:
    try:
        parse_index(json.dumps(value).encode(), "index.json")
    except Error:
        pass


def test_entry_keys_name_product_version_and_kind() -> None:
    assert FeedEntryDoc.model_validate(entry(kind=Kind.VEX)).key == "Pump/1.0/vex"


@pytest.mark.parametrize("module", ["medsec.feeds.index", "medsec.feeds.publishing"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0


def test_times_without_an_offset_are_refused() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_index(index(entry(published="2026-03-02T09:14:03")), "index.json")
    assert [p.location.path for p in caught.value.problems] == ["/entries/0/published"]
