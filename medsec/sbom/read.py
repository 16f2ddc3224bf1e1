"""Read an SBOM file or bytes, whatever its format, into the model.

>>> from pathlib import Path
>>> read_sbom(Path("no-such-file.json"))
Traceback (most recent call last):
...
medsec.errors.Error: cannot read no-such-file.json: No such file or directory
"""

from __future__ import annotations

from pathlib import Path

from medsec.errors import Error
from medsec.sbom.cyclonedx import CycloneDxJsonReader, CycloneDxXmlReader
from medsec.sbom.detect import sniff
from medsec.sbom.interfaces import DEFAULT_LIMITS, Limits, SbomReader, SbomTooLarge
from medsec.sbom.model import Sbom, SbomFormat
from medsec.sbom.spdx import SpdxJsonReader, SpdxTagValueReader
from medsec.sbom.stream import Progress, read_streamed

_HEAD = 64 * 1024

READERS: dict[SbomFormat, SbomReader] = {
    r.format: r
    for r in (CycloneDxJsonReader(), CycloneDxXmlReader(), SpdxJsonReader(), SpdxTagValueReader())
}


def read_sbom_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
    """The SBOM in ``data`` (``source`` names it in messages)."""
    return READERS[sniff(data, source)].read(data, source, limits)


def read_sbom(
    path: Path,
    limits: Limits = DEFAULT_LIMITS,
    *,
    stream: bool = False,
    progress: Progress | None = None,
) -> Sbom:
    """The SBOM in the file at ``path``.

    The file is read into memory and fully validated, unless it is larger than
    ``limits.max_bytes`` or ``stream`` is set: then a CycloneDX JSON file is streamed
    (:mod:`medsec.sbom.stream`, which checks less), and other formats are refused.
    ``progress`` is told how many bytes the streamed read has consumed.
    """
    try:
        size = path.stat().st_size
        if stream or size > limits.max_bytes:
            with path.open("rb") as f:
                head = f.read(_HEAD)
        else:
            data = path.read_bytes()
    except OSError as e:
        raise Error(f"cannot read {path}: {e.strerror or e}") from e
    if stream or size > limits.max_bytes:
        if sniff(head, str(path)) is SbomFormat.CYCLONEDX_JSON:
            return read_streamed(path, limits, progress)
        if stream:
            raise Error(f"{path}: only CycloneDX JSON can be streamed")
        raise SbomTooLarge(
            f"{path}: {size} bytes is more than the {limits.max_bytes} bytes read into memory",
            hint="only CycloneDX JSON SBOMs this large can be read (streamed)",
        )
    return read_sbom_bytes(data, str(path), limits)
