"""CycloneDX JSON read component by component, for SBOMs too large to hold twice.

:func:`read_streamed` never holds the document's text nor its parsed tree: it reads the
file three times with ijson's C parser (header, components, dependencies) and keeps only
the model it builds, so a 300,000-component SBOM costs one copy (the model) in memory;
:class:`CycloneDxStream` lets a caller consume components one at a time and keep none.

What the streamed path checks (it does not run the JSON schema, which needs the whole
document): the document is JSON; ``bomFormat`` is ``CycloneDX`` and ``specVersion`` one
of 1.4–1.7; ``metadata`` and ``components`` have the right shape; every component (and
nested component) passes :func:`medsec.sbom.cyclonedx_json.check_structure` (type from
the spec's list, a name, string fields, hashes as ``{alg, content}`` with a digest of the
right length, scope from the list), purl and CPE 2.3 are valid, ``bom-ref`` values are
unique, nesting and count are within :class:`~medsec.sbom.interfaces.Limits`. What it
does not check: the rest of the schema (services, vulnerabilities, formulation,
annotations, unknown properties, formats such as e-mail or IRI). Problems carry the JSON
pointer but no line (the parser does not give positions).

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d, "bom.json")
...     _ = p.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components":'
...                      ' [{"type": "library", "name": "zlib", "version": "1.3.1"}]}')
...     [c.name for c in read_streamed(p).components]
['zlib']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import ijson

from medsec.errors import Error, Problem
from medsec.sbom import cyclonedx_json as cdx
from medsec.sbom.cyclonedx import SUPPORTED
from medsec.sbom.interfaces import DEFAULT_LIMITS, Limits, SbomError, SbomTooLarge, problem
from medsec.sbom.model import Component, Edge, Sbom, SbomFormat
from medsec.sbom.positions import pointer

_HEADER_KEYS = frozenset({"bomFormat", "specVersion", "serialNumber", "version", "metadata"})
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Header:
    """Everything of a CycloneDX document but its components and dependencies."""

    spec_version: str
    serial_number: str | None
    version: int | None
    timestamp: datetime | None
    authors: tuple[str, ...]
    tools: tuple[str, ...]
    product: Component | None


class _Counting:
    """A binary file that tells ``progress`` how many bytes were read so far."""

    def __init__(self, f: IO[bytes], progress: Progress | None) -> None:
        self._f, self._progress, self._read = f, progress, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self._f.read(n)
        self._read += len(chunk)
        if self._progress is not None:
            self._progress(self._read)
        return chunk


class CycloneDxStream:
    """One CycloneDX JSON file, read in passes; problems raise at the end of a pass."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path, self.limits, self.source = path, limits, str(path)
        self.problems: list[Problem] = []
        self._refs: set[str] = set()

    def _report(self, path: Sequence[str | int], message: str) -> None:
        if len(self.problems) < self.limits.max_problems:
            self.problems.append(problem(self.source, message, pointer(path)))

    def _raise_if_problems(self) -> None:
        if self.problems:
            raise SbomError(self.source, list(self.problems))

    def _open(self) -> IO[bytes]:
        try:
            return self.path.open("rb")
        except OSError as e:
            raise Error(f"cannot read {self.path}: {e.strerror or e}") from e

    def _not_json(self, e: Exception) -> SbomError:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return SbomError(self.source, [problem(self.source, f"not JSON: {first}")])

    def header(self) -> Header:
        """The top-level keys other than components and dependencies."""
        values: dict[str, Any] = {}
        try:
            with self._open() as f:
                events = ijson.parse(f, use_float=True)
                first = next(events, None)
                if first is None or first[1] != "start_map":
                    raise SbomError(
                        self.source, [problem(self.source, "a CycloneDX document is a JSON object")]
                    )
                builder = None
                key = None
                for prefix, event, value in events:
                    if builder is not None:
                        builder.event(event, value)
                        if prefix == key and event not in {"start_map", "start_array", "map_key"}:
                            values[key] = builder.value
                            builder = None
                    elif prefix == "" and event == "map_key":
                        key = value
                        if key in _HEADER_KEYS:
                            builder = ijson.ObjectBuilder()
                        elif _HEADER_KEYS <= values.keys():
                            break  # everything needed is read: skip the rest of the file
        except ijson.JSONError as e:
            raise self._not_json(e) from e
        return self._header(values)

    def _header(self, values: dict[str, Any]) -> Header:
        if values.get("bomFormat") != "CycloneDX":
            raise SbomError(
                self.source, [problem(self.source, 'bomFormat must be "CycloneDX"', "/bomFormat")]
            )
        spec = values.get("specVersion")
        if spec not in SUPPORTED:
            raise SbomError(
                self.source,
                [
                    problem(
                        self.source,
                        f"specVersion {spec!r} is not a CycloneDX version medsec reads (1.4–1.7)",
                        "/specVersion",
                    )
                ],
            )
        metadata = values.get("metadata", {})
        if not isinstance(metadata, dict):
            self._report(["metadata"], "metadata must be an object")
            metadata = {}
        product = None
        if "component" in metadata:
            root = metadata["component"]
            if cdx.check_structure(root, ["metadata", "component"], self._report):
                product = cdx.component(root, ["metadata", "component"], None, self._report)
                if product.ref is not None:
                    self._refs.add(product.ref)
        version = values.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            self._report(["version"], "version must be an integer")
            version = None
        serial = values.get("serialNumber")
        if serial is not None and not isinstance(serial, str):
            self._report(["serialNumber"], "serialNumber must be a string")
            serial = None
        header = Header(
            spec_version=spec,
            serial_number=serial,
            version=version,
            timestamp=cdx.timestamp(
                metadata.get("timestamp"), ["metadata", "timestamp"], self._report
            ),
            authors=cdx.authors(metadata),
            tools=cdx.tools(metadata),
            product=product,
        )
        self._raise_if_problems()
        return header

    def components(self, progress: Progress | None = None) -> Iterator[Component]:
        """Every component, nested ones after their parent; raises at the end on problems."""
        count = 0
        try:
            with self._open() as f:
                items = ijson.items(_Counting(f, progress), "components.item", use_float=True)
                for i, obj in enumerate(items):
                    for c in cdx.components(
                        [obj],
                        ["components"],
                        None,
                        self._report,
                        self.limits.max_nesting,
                        check=True,
                        offset=i,
                        seen=self._refs,
                    ):
                        count += 1
                        if count > self.limits.max_components:
                            raise SbomTooLarge(
                                f"{self.source}: more than {self.limits.max_components} components"
                            )
                        yield c
        except ijson.JSONError as e:
            raise self._not_json(e) from e
        self._raise_if_problems()

    def edges(self) -> Iterator[Edge]:
        """The ``dependencies`` as depends-on edges."""
        try:
            with self._open() as f:
                for i, dep in enumerate(ijson.items(f, "dependencies.item", use_float=True)):
                    if not isinstance(dep, dict) or not isinstance(dep.get("ref"), str):
                        self._report(["dependencies", i], "a dependency needs a ref (a string)")
                        continue
                    targets = dep.get("dependsOn", [])
                    if not isinstance(targets, list) or not all(
                        isinstance(t, str) for t in targets
                    ):
                        self._report(["dependencies", i, "dependsOn"], "dependsOn must list refs")
                        continue
                    yield from cdx.edges([dep])
        except ijson.JSONError as e:
            raise self._not_json(e) from e
        self._raise_if_problems()


def read_streamed(
    path: Path, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
) -> Sbom:
    """The whole SBOM, holding only the model (see the module documentation)."""
    stream = CycloneDxStream(path, limits)
    header = stream.header()
    components = tuple(stream.components(progress))
    edges = tuple(stream.edges())
    return Sbom(
        format=SbomFormat.CYCLONEDX_JSON,
        spec_version=header.spec_version,
        serial_number=header.serial_number,
        version=header.version,
        timestamp=header.timestamp,
        authors=header.authors,
        tools=header.tools,
        product=header.product,
        components=components,
        edges=edges,
    )
