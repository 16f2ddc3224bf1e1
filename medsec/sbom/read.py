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

READERS: dict[SbomFormat, SbomReader] = {
    r.format: r
    for r in (CycloneDxJsonReader(), CycloneDxXmlReader(), SpdxJsonReader(), SpdxTagValueReader())
}


def read_sbom_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
    """The SBOM in ``data`` (``source`` names it in messages)."""
    return READERS[sniff(data, source)].read(data, source, limits)


def read_sbom(path: Path, limits: Limits = DEFAULT_LIMITS) -> Sbom:
    """The SBOM in the file at ``path``; the whole file is read into memory."""
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise SbomTooLarge(
                f"{path}: {size} bytes is more than the {limits.max_bytes} bytes read into memory",
                hint="read a CycloneDX JSON SBOM this large with `medsec.sbom.stream`",
            )
        data = path.read_bytes()
    except OSError as e:
        raise Error(f"cannot read {path}: {e.strerror or e}") from e
    return read_sbom_bytes(data, str(path), limits)
