"""Writing an SBOM's components into ``sbom_components``, in batches, as they are read.

An SBOM file is opened as a :class:`Source`: a header (format, serial number, authors…)
plus the components and the dependency edges as iterators. CycloneDX JSON, whatever its
size, goes through the streamed reader (:mod:`medsec.sbom.stream`): nothing but one
batch of rows and the set of refs is held, so a 300,000-component SBOM never sits in
memory twice. It checks each component's structure, purl, CPE and the uniqueness of
refs, not the whole JSON schema: jsonschema validates a parsed tree, which would hold
the whole document in memory (``medsec sbom validate`` runs the full schema, with a
linear ``uniqueItems``, see :mod:`medsec.sbom.cyclonedx`). CycloneDX XML and SPDX are
read whole (and validated) up to :data:`IN_MEMORY_BYTES`. Rows go to the database
:data:`BATCH` at a time (one ``executemany``), in the caller's transaction: any error — a
bad component in the middle, found after rows were written — propagates and the caller's
rollback leaves nothing stored.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

from sqlalchemy import insert
from sqlalchemy.orm import Session

from medsec.errors import Error
from medsec.sbom.detect import sniff
from medsec.sbom.interfaces import SbomTooLarge
from medsec.sbom.model import Component, Edge, Sbom, SbomFormat
from medsec.sbom.models import SbomComponent
from medsec.sbom.read import read_sbom_bytes
from medsec.sbom.stream import CycloneDxStream, Progress
from medsec.sbom.summary import NtiaTally

#: CycloneDX XML and SPDX files are read whole up to this size.
IN_MEMORY_BYTES = 16 * 1024 * 1024
#: The largest SBOM accepted (only CycloneDX JSON beyond IN_MEMORY_BYTES: it is streamed).
MAX_SBOM_BYTES = 512 * 1024 * 1024
#: The stored (gzip-compressed) copy of the document is kept up to this size.
MAX_STORED_DOCUMENT = 16 * 1024 * 1024
#: Component rows per executemany.
BATCH = 5_000
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Source:
    """An SBOM being read: its header now, components and edges when iterated."""

    format: SbomFormat
    spec_version: str
    serial_number: str | None
    version: int | None
    timestamp: datetime | None
    authors: tuple[str, ...]
    tools: tuple[str, ...]
    product: Component | None
    components: Callable[[], Iterator[Component]]
    edges: Callable[[], Iterator[Edge]]


@dataclass(frozen=True)
class Document:
    """What is kept of the file itself: name, SHA-256, size, gzip copy (or None)."""

    filename: str
    sha256: str
    size: int
    gzipped: bytes | None


def _from_sbom(sbom: Sbom) -> Source:
    return Source(
        sbom.format,
        sbom.spec_version,
        sbom.serial_number,
        sbom.version,
        sbom.timestamp,
        sbom.authors,
        sbom.tools,
        sbom.product,
        lambda: iter(sbom.components),
        lambda: iter(sbom.edges),
    )


class _BytesStream(CycloneDxStream):
    """The streamed reader over a document held in memory."""

    def __init__(self, data: bytes, source: str) -> None:
        super().__init__(Path(source))
        self._data = data

    def _open(self) -> IO[bytes]:
        return io.BytesIO(self._data)


def _streamed(stream: CycloneDxStream, filename: str, progress: Progress | None) -> Source:
    stream.source = filename
    header = stream.header()
    return Source(
        SbomFormat.CYCLONEDX_JSON,
        header.spec_version,
        header.serial_number,
        header.version,
        header.timestamp,
        header.authors,
        header.tools,
        header.product,
        lambda: stream.components(progress),
        stream.edges,
    )


def source_of_bytes(data: bytes, filename: str) -> Source:
    """An SBOM held in memory (small documents: identity reports, tests)."""
    if len(data) > IN_MEMORY_BYTES:
        raise SbomTooLarge(
            f"{filename}: {len(data)} bytes", hint=f"send at most {IN_MEMORY_BYTES} bytes here"
        )
    if sniff(data, filename) is SbomFormat.CYCLONEDX_JSON:
        return _streamed(_BytesStream(data, filename), filename, None)
    return _from_sbom(read_sbom_bytes(data, filename))


def product_of_stored(gzipped: bytes, filename: str) -> Component | None:
    """The product (``metadata.component``…) of a document kept gzip-compressed in
    ``sboms.document`` (migration ``0021`` reads the purl and CPE of SBOMs stored before
    they had columns of their own). Raises :class:`~medsec.errors.Error` for a document it
    cannot read."""
    try:
        data = zlib.decompress(gzipped, 31)
    except zlib.error as e:
        raise Error(f"{filename}: the stored copy is not gzip data ({e})") from e
    if sniff(data, filename) is SbomFormat.CYCLONEDX_JSON:
        return _BytesStream(data, filename).header().product
    return read_sbom_bytes(data, filename).product


def source_of_file(path: Path, filename: str, progress: Progress | None = None) -> Source:
    """The SBOM in ``path`` (``filename`` names it in messages). CycloneDX JSON is
    streamed whatever its size (see the module documentation for why); other formats
    are read whole up to :data:`IN_MEMORY_BYTES`. ``progress`` is told how many bytes
    the streamed components pass has read."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(64 * 1024)
    except OSError as e:
        raise Error(f"cannot read {filename}: {e.strerror or e}") from e
    if size > MAX_SBOM_BYTES:
        raise SbomTooLarge(f"{filename}: {size} bytes is more than {MAX_SBOM_BYTES} bytes")
    if sniff(head, filename) is SbomFormat.CYCLONEDX_JSON:
        return _streamed(CycloneDxStream(path), filename, progress)
    if size > IN_MEMORY_BYTES:
        raise SbomTooLarge(
            f"{filename}: {size} bytes; only CycloneDX JSON is accepted above "
            f"{IN_MEMORY_BYTES} bytes (it is streamed)",
            hint="convert the SBOM to CycloneDX JSON or split it",
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise Error(f"cannot read {filename}: {e.strerror or e}") from e
    return _from_sbom(read_sbom_bytes(data, filename))


def _gzip_within(chunks: Iterable[bytes], limit: int) -> bytes | None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip container
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        part = compressor.compress(chunk)
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
    parts.append(compressor.flush())
    return b"".join(parts) if size + len(parts[-1]) <= limit else None


def _chunks(path: Path, digest: Any) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            yield chunk


def document_of_file(path: Path, filename: str) -> Document:
    digest = hashlib.sha256()
    size = path.stat().st_size
    gzipped = _gzip_within(_chunks(path, digest), MAX_STORED_DOCUMENT)
    if gzipped is None:  # the copy was abandoned part way: hash the whole file again
        digest = hashlib.sha256()
        for _ in _chunks(path, digest):
            pass
    return Document(filename[:200], digest.hexdigest(), size, gzipped)


def document_of_bytes(data: bytes, filename: str) -> Document:
    """As :func:`document_of_file`, for a document already in memory: the same gzip bytes."""
    kept = _gzip_within([data], MAX_STORED_DOCUMENT)
    return Document(filename[:200], hashlib.sha256(data).hexdigest(), len(data), kept)


def purl_parts(purl: str | None) -> tuple[str | None, str | None]:
    """``(type, namespace)`` of a normalised purl (``pkg:type/ns/…/name@version``).

    >>> purl_parts("pkg:maven/org.dcm4che/dcm4che-core@5.31.0")
    ('maven', 'org.dcm4che')
    >>> purl_parts("pkg:generic/zlib@1.3.1")
    ('generic', None)
    """
    if not purl or not purl.startswith("pkg:"):
        return None, None
    body = purl[4:].lstrip("/").split("#", 1)[0].split("?", 1)[0]
    parts = body.split("@", 1)[0].split("/") if "/" in body else [body]
    kind = parts[0].lower() or None
    namespace = "/".join(unquote(p) for p in parts[1:-1]) or None
    return kind, namespace


#: Longest values of indexed or short columns (a PostgreSQL b-tree entry must stay
#: well under 2,700 bytes): a longer one is refused, not cut.
MAX_NAME = 1000
MAX_SHORT = 64


class ComponentTooLong(Error):
    kind = "invalid-sbom"
    status = 422
    title = "The SBOM is not valid"


def _check_lengths(position: int, c: Component, kind: str | None) -> None:
    for what, value, limit in (
        ("name", c.name, MAX_NAME),
        ("type", c.type, MAX_SHORT),
        ("scope", c.scope, MAX_SHORT),
        ("purl type", kind, MAX_SHORT),
    ):
        if value is not None and len(value) > limit:
            raise ComponentTooLong(
                f"component {position + 1} ({c.name[:60]!r}): its {what} is {len(value)} "
                f"characters long, more than {limit}",
                hint="fix the SBOM generator's output",
            )


def check_components(source: Source) -> None:
    """Read and check every component, writing nothing (for SBOMs held in memory, so that
    a caller that must not fail half way can refuse the SBOM before any row is written).
    This consumes ``source``: open the document again to write it."""
    for position, c in enumerate(source.components()):
        _check_lengths(position, c, purl_parts(c.purl)[0])


def _row(sbom_id: int, position: int, c: Component) -> dict[str, Any]:
    kind, namespace = purl_parts(c.purl)
    _check_lengths(position, c, kind)
    return {
        "sbom_id": sbom_id,
        "position": position,
        "bom_ref": c.ref,
        "parent_ref": c.parent,
        "type": c.type,
        "name": c.name,
        "version": c.version,
        "namespace": namespace or c.group,
        "purl": c.purl,
        "purl_type": kind,
        "cpe": c.cpe,
        "supplier": c.supplier,
        "scope": c.scope,
        "hashes": dict(c.hashes),
        "licenses": list(c.licenses),
    }


def write_components(session: Session, sbom_id: int, source: Source, tally: NtiaTally) -> int:
    """Insert every component of ``source`` (BATCH rows at a time); returns the count.

    Feeds ``tally`` the product, the components and then the edges. Raises whatever the
    reader raises (after some batches may have been written: the caller rolls back).
    """
    statement = insert(SbomComponent)
    if source.product is not None:
        tally.add(source.product)
    batch: list[dict[str, Any]] = []
    count = 0
    for component in source.components():
        tally.add(component)
        batch.append(_row(sbom_id, count, component))
        count += 1
        if len(batch) >= BATCH:
            session.execute(statement, batch)
            batch = []
    if batch:
        session.execute(statement, batch)
    for edge in source.edges():
        tally.add_edge(edge)
    return count
