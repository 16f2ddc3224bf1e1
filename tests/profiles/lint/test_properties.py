"""Lint never crashes: any profile cut down from the compliant fixture either fails
validation with a DocumentError or lints to a consistent report."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from medsec.errors import DocumentError
from medsec.profiles.lint import RULES, Principle, lint
from medsec.profiles.loader import (
    LoadedProfile,
    ParsedDocument,
    SourceMap,
    build_profile,
    parse_document,
)

FIXTURE = Path(__file__).parent / "fixtures" / "compliant.yaml"
Path_ = tuple[str | int, ...]


def _plain() -> Any:
    data = YAML(typ="safe").load(FIXTURE.read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=str))  # dates → ISO strings, plain containers


BASE = _plain()


def _paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    out: list[Path_] = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


def _delete(doc: Any, path: Path_) -> None:
    """Delete ``path`` from ``doc`` if it is still there (earlier cuts may have removed it)."""
    node = doc
    for key in path[:-1]:
        if not _has(node, key):
            return
        node = node[key]
    if _has(node, path[-1]):
        del node[path[-1]]


def _validates(doc: Any) -> bool:
    try:
        # No YAML parse needed to probe validity (positions are irrelevant here).
        build_profile(ParsedDocument(doc, SourceMap("probe.json")))
    except DocumentError:
        return False
    return True


def _optional(path: Path_) -> bool:
    doc = copy.deepcopy(BASE)
    _delete(doc, path)
    return _validates(doc)


#: Every key or item whose removal alone leaves a valid profile.
PATHS = [p for p in _paths(BASE) if _optional(p)]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(PATHS), max_size=12))
def test_cut_down_profiles_lint_consistently(cuts: list[Path_]) -> None:
    doc = copy.deepcopy(BASE)
    for path in cuts:
        _delete(doc, path)
    text = json.dumps(doc, indent=1)
    parsed = parse_document(text, "cut.json")
    try:
        profile = build_profile(parsed)
    except DocumentError:
        event("invalid after cuts")
        return  # the cut broke a required field or a reference: validation's job, not lint's
    event("linted")
    report = lint(LoadedProfile(profile, parsed.source), today=dt.date(2026, 1, 15))
    lines = len(text.splitlines())
    assert [c.principle for c in report.coverage] == list(Principle)
    for coverage in report.coverage:
        assert 0 <= coverage.satisfied <= coverage.applicable
    fired: set[str] = set()
    for finding in report.findings:
        rule = RULES[finding.rule]
        assert finding.severity is rule.severity and finding.principle is rule.principle
        assert 1 <= finding.location.line <= lines
        fired.add(finding.rule)
    unsatisfied = sum(c.applicable - c.satisfied for c in report.coverage)
    assert unsatisfied == len(fired)
