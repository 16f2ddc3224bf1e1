"""Fixtures for the document renderers: the infusion-pump example and edited copies of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medsec.profiles.loader import ParsedDocument, SourceMap, build_profile, parse_document
from medsec.profiles.psp import ProductSecurityProfile

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PUMP = EXAMPLES / "infusion-pump.yaml"

#: Profile text that must never reach a document unescaped.
HOSTILE = "<script>alert('x')</script> & \"quoted\" | piped"

Edit = Callable[[dict[str, Any]], None]
Build = Callable[[Edit], ProductSecurityProfile]


@pytest.fixture(scope="session")
def pump_data() -> dict[str, Any]:
    """The example profile as plain data (edit a deep copy, never this)."""
    data: dict[str, Any] = parse_document(PUMP.read_text("utf-8"), str(PUMP)).data
    return data


@pytest.fixture(scope="session")
def pump(pump_data: dict[str, Any]) -> ProductSecurityProfile:
    return build_profile(ParsedDocument(copy.deepcopy(pump_data), SourceMap(str(PUMP))))


@pytest.fixture
def edited(pump_data: dict[str, Any]) -> Build:
    """``edited(lambda d: ...)``: the example after an in-place edit of its data.

    The result passes the loader's validation and cross-checks, like a real file would.
    """

    def build(edit: Edit) -> ProductSecurityProfile:
        data = copy.deepcopy(pump_data)
        edit(data)
        return build_profile(ParsedDocument(data, SourceMap("edited.yaml")))

    return build


def _make_hostile(d: dict[str, Any]) -> None:
    d["product"]["name"] = f"Pump {HOSTILE}"
    d["product"]["description"] = HOSTILE
    d["network"]["services"][0]["description"] = HOSTILE
    d["network"]["endpoints"][0]["name"] = f"Server {HOSTILE}"
    d["data"]["categories"][0]["name"] = f"Orders {HOSTILE}"
    d["monitoring"]["events"][0]["description"] = HOSTILE
    d["users"]["lifecycle"] = HOSTILE
    d["hardening"]["measures"][0]["title"] = HOSTILE
    d["recovery"]["cvd"]["policy"] = "javascript:alert(1)"


@pytest.fixture
def hostile(edited: Build) -> ProductSecurityProfile:
    """The example with markup, quotes, pipes and a javascript: URL in its free text."""
    return edited(_make_hostile)
