"""An uploaded SBOM copied, piece by piece and within the size limit, to a temporary
file — the importer streams large documents from a path, never from memory."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from medsec.errors import Error
from medsec.sbom.importing import MAX_SBOM_BYTES
from medsec.sbom.interfaces import SbomTooLarge

_CHUNK = 1024 * 1024


@contextmanager
def spooled(upload: BinaryIO, filename: str, limit: int = MAX_SBOM_BYTES) -> Iterator[Path]:
    """A temporary file holding ``upload`` (removed afterwards); SbomTooLarge past ``limit``."""
    fd, name = tempfile.mkstemp(prefix="medsec-sbom-", suffix=".upload")
    path = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise SbomTooLarge(
                        f"{filename}: larger than {limit} bytes",
                        hint="split the SBOM or send CycloneDX JSON without whitespace",
                    )
                out.write(chunk)
        if size == 0:
            raise Error(f"{filename}: the file is empty", hint="choose the SBOM file to upload")
        yield path
    finally:
        path.unlink(missing_ok=True)
