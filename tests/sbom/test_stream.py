"""The streamed reader gives the same model as the in-memory one, and checks each component."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medsec.sbom import read_sbom
from medsec.sbom.interfaces import Limits, SbomError, SbomTooLarge
from medsec.sbom.stream import CycloneDxStream, read_streamed

FIXTURES = Path(__file__).parent / "fixtures"
PUMP = json.loads((FIXTURES / "pump-1.6.json").read_text())


@pytest.mark.parametrize("name", ["pump-1.6.json", "monitor-1.4.json", "gateway-1.7.json"])
def test_streamed_equals_in_memory(name: str) -> None:
    assert read_streamed(FIXTURES / name) == read_sbom(FIXTURES / name)


def test_header_after_components_is_still_read(tmp_path: Path) -> None:
    doc = {"components": PUMP["components"], "dependencies": PUMP["dependencies"]}
    doc |= {k: v for k, v in PUMP.items() if k not in doc}
    path = tmp_path / "late-header.json"
    path.write_text(json.dumps(doc))
    assert read_streamed(path) == read_sbom(FIXTURES / "pump-1.6.json")


def test_components_can_be_consumed_one_by_one(tmp_path: Path) -> None:
    seen: list[int] = []
    stream = CycloneDxStream(FIXTURES / "pump-1.6.json")
    assert stream.header().product is not None
    names = [c.name for c in stream.components(progress=seen.append)]
    assert names == ["p100-firmware", "openssl", "zlib"]
    assert seen and seen[-1] == (FIXTURES / "pump-1.6.json").stat().st_size


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


def _with_component(**fields: object) -> dict[str, object]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [fields]}


@pytest.mark.parametrize(
    ("doc", "pointer", "fragment"),
    [
        ('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [', "", "not JSON"),
        ("[1, 2]", "", "a CycloneDX document is a JSON object"),
        ({"bomFormat": "SPDX", "specVersion": "1.6"}, "/bomFormat", 'must be "CycloneDX"'),
        ({"bomFormat": "CycloneDX", "specVersion": "1.2"}, "/specVersion", "'1.2' is not"),
        (_with_component(type="gadget", name="x"), "/components/0/type", "type must be one of"),
        (_with_component(type="library"), "/components/0/name", "needs a name"),
        (_with_component(type="library", name="x", version=3), "/components/0/version", "string"),
        (
            _with_component(type="library", name="x", purl="nope"),
            "/components/0/purl",
            "package URL",
        ),
        (
            _with_component(type="library", name="x", hashes=[{"alg": "MD5", "content": "00"}]),
            "/components/0/hashes/0",
            "not 32 hex digits",
        ),
        (
            _with_component(type="library", name="x", components=[{"type": "library"}]),
            "/components/0/components/0/name",
            "needs a name",
        ),
        (
            {"bomFormat": "CycloneDX", "specVersion": "1.6", "dependencies": [{"dependsOn": []}]},
            "/dependencies/0",
            "needs a ref",
        ),
    ],
)
def test_streamed_problems_name_the_json_pointer(
    tmp_path: Path, doc: object, pointer: str, fragment: str
) -> None:
    with pytest.raises(SbomError) as caught:
        read_streamed(_write(tmp_path, doc))
    assert fragment in caught.value.diagnostics()
    if pointer:
        assert pointer in [p.location.path for p in caught.value.problems]


def test_streamed_component_limit(tmp_path: Path) -> None:
    with pytest.raises(SbomTooLarge):
        read_streamed(FIXTURES / "pump-1.6.json", Limits(max_components=2))


def test_large_files_are_streamed_automatically(tmp_path: Path) -> None:
    sbom = read_sbom(FIXTURES / "pump-1.6.json", Limits(max_bytes=10))
    assert len(sbom.components) == 3


def test_only_cyclonedx_json_streams() -> None:
    with pytest.raises(SbomTooLarge):
        read_sbom(FIXTURES / "pump-1.5.xml", Limits(max_bytes=10))
