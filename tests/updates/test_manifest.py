"""Release manifests, patch lists and planning files: what they accept, each problem by
line, and that no input makes them raise anything but Error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import DocumentError, Error
from medsec.updates.manifest import load_patches, load_release, read_patches, read_release
from medsec.updates.planfile import read_planfile

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "examples" / "updates" / "lvp-3000-4.2.2.yaml"
PATCHES = REPO / "examples" / "updates" / "lvp-3000-patches.yaml"
BASE = "version: 4.2\nreleased_on: 2026-06-01\nkind: firmware\napply_mode: shutdown\n"


def test_the_examples_load() -> None:
    release = load_release(RELEASE)
    assert release.fixes == [
        "CVE-2026-21001",
        "CVE-2026-21002",
        "GHSA-4x5p-9q2r-8m7c",
        "CVE-2026-40011",
    ]
    assert release.expected_minutes == 25 and release.reboot is True
    assert load_patches(PATCHES).patches[0].identifier == "KB5034441"


def test_a_version_written_as_a_number_is_kept_as_text() -> None:
    assert read_release(BASE).version == "4.2"


@pytest.mark.parametrize(
    ("extra", "line", "path", "message"),
    [
        ("fixes: [CVE-26]\n", 5, "fixes", "not a CVE or OSV id"),
        ("fixes: [hello world]\n", 5, "fixes", "not a CVE or OSV id"),
        ('applies_to: "<4.2"\n', 5, "applies_to", "must start with the 'vers:' URI scheme"),
        ("expected_minutes: 0\n", 5, "expected_minutes", "greater than or equal to 1"),
        ("installers: [janitor]\n", 5, "installers[0]", "Input should be"),
        ("sbom: {media_type: text/plain, document: x}\n", 5, "sbom.media_type", "unknown SBOM"),
        ("sbom: {media_type: application/spdx+json, document: '{'}\n", 5, "sbom", "not JSON"),
        ("colour: red\n", 5, "colour", "unknown key"),
    ],
)
def test_each_problem_is_named_by_line_and_path(
    extra: str, line: int, path: str, message: str
) -> None:
    with pytest.raises(DocumentError) as raised:
        read_release(BASE + extra, "r.yaml")
    [problem] = raised.value.problems
    assert (problem.location.line, problem.location.path) == (line, path)
    assert message in problem.message


def test_every_missing_key_is_reported_at_once() -> None:
    with pytest.raises(DocumentError) as raised:
        read_release("title: nothing else\n", "r.yaml")
    assert {p.location.path for p in raised.value.problems} == {
        "version", "released_on", "kind", "apply_mode",
    }  # fmt: skip


@pytest.mark.parametrize("text", ["[]", "patches: 3", "patches: [{kind: os-patch}]", "- a"])
def test_bad_patch_lists_are_document_errors(text: str) -> None:
    with pytest.raises(DocumentError):
        read_patches(text, "p.yaml")


def test_json_is_accepted_as_well() -> None:
    body = {"patches": [{"kind": "other", "identifier": "x", "status": "validated"}]}
    assert read_patches(json.dumps(body)).patches[0].identifier == "x"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_raises_nothing_but_error(text: str) -> None:
    for reader in (read_release, read_patches, read_planfile):
        try:
            reader(text, "fuzz.yaml")
        except Error:
            pass


FIELDS = st.dictionaries(
    st.sampled_from(["version", "released_on", "kind", "apply_mode", "fixes", "applies_to",
                     "expected_minutes", "sbom", "installers", "hardware_revisions"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=8))),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(FIELDS)
def test_any_mapping_raises_nothing_but_error(data: dict[str, object]) -> None:
    try:
        release = read_release(json.dumps(data), "fuzz.json")
    except Error:
        return
    assert read_release(release.model_dump_json(exclude_none=True)) == release  # round trip


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"days": "someday"}, "windows[0].days"),
        ({"timezone": "Mars/Olympus"}, "windows[0].timezone"),
        ({"start": "25:00"}, "windows[0].start"),
        ({"scope": "ward"}, "windows[0].scope"),
    ],
)
def test_bad_windows_in_a_planning_file(patch: dict[str, str], path: str) -> None:
    window = {"id": "w", "scope": "site", "target": "north", "days": "tue", "start": "01:00",
              "end": "05:00", "timezone": "Europe/Berlin"} | patch  # fmt: skip
    body = {"windows": [window], "assets": []}
    with pytest.raises(DocumentError) as raised:
        read_planfile(json.dumps(body), "plan.json")
    assert [p.location.path for p in raised.value.problems] == [path]
