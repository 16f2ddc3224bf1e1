"""Whatever bytes or JSON come in, the readers answer with a medsec Error or an Sbom."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.sbom import Sbom, read_sbom_bytes
from medsec.sbom.stream import read_streamed

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = [p.read_bytes() for p in sorted(FIXTURES.iterdir())]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)
cyclonedx_like = st.fixed_dictionaries(
    {"bomFormat": st.just("CycloneDX"), "specVersion": st.sampled_from(["1.4", "1.6", "1.7", "9"])},
    optional={
        "components": st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "type",
                        "name",
                        "version",
                        "purl",
                        "cpe",
                        "bom-ref",
                        "hashes",
                        "components",
                        "licenses",
                        "supplier",
                        "scope",
                    ]
                ),
                json_values,
            ),
            max_size=4,
        ),
        "metadata": json_values,
        "dependencies": json_values,
    },
)


def _read(data: bytes) -> None:
    try:
        assert isinstance(read_sbom_bytes(data, "fuzz"), Sbom)
    except Error:
        pass


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _read(data)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SEEDS), st.integers(0, 4000), st.binary(max_size=8))
def test_corrupted_fixtures(seed: bytes, at: int, junk: bytes) -> None:
    _read(seed[:at] + junk + seed[at + len(junk) :])


@settings(max_examples=150, deadline=None)
@given(json_values | cyclonedx_like)
def test_arbitrary_json(value: object) -> None:
    _read(json.dumps(value).encode())


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cyclonedx_like)
def test_arbitrary_cyclonedx_streamed(tmp_path: Path, value: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(value))
    try:
        assert isinstance(read_streamed(path), Sbom)
    except Error:
        pass


TAGS = [
    "PackageName",
    "SPDXID",
    "PackageVersion",
    "PackageChecksum",
    "ExternalRef",
    "Relationship",
    "Creator",
    "Created",
    "PackageSupplier",
    "FilesAnalyzed",
    "Garbage",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TAGS), st.text(max_size=30)), max_size=8))
def test_arbitrary_spdx_tag_value(lines: list[tuple[str, str]]) -> None:
    body = "".join(f"{tag}: {value}\n" for tag, value in lines)
    _read(
        ("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n" + body).encode()
    )


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["name", "SPDXID", "packages", "relationships", "creationInfo", "documentNamespace"]
        ),
        json_values,
    )
)
def test_arbitrary_spdx_json(fields: dict[str, object]) -> None:
    _read(json.dumps({"spdxVersion": "SPDX-2.3", **fields}).encode())
