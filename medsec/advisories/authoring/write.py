"""Writing the advisory's files: all of them, or none (each is written to a temporary file
in its directory and renamed into place only when every one has been rendered)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from medsec.advisories.authoring.build import BuiltAdvisory
from medsec.advisories.authoring.render import render_fsn_html, render_fsn_pdf, render_html
from medsec.errors import Error


def write_advisory(
    built: BuiltAdvisory,
    csaf: Path,
    *,
    html: Path | None = None,
    fsn: Path | None = None,
) -> list[Path]:
    """Write the CSAF JSON, and optionally the HTML page and the field safety notice
    (``.pdf`` for PDF, anything else for HTML). Returns the paths written."""
    contents: list[tuple[Path, bytes]] = [
        (csaf, (json.dumps(built.document, indent=2, ensure_ascii=False) + "\n").encode())
    ]
    if html is not None:
        contents.append((html, render_html(built).encode()))
    if fsn is not None:
        data = (
            render_fsn_pdf(built)
            if fsn.suffix.lower() == ".pdf"
            else render_fsn_html(built).encode()
        )
        contents.append((fsn, data))
    umask = os.umask(0o022)
    os.umask(umask)
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in contents:
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(name, 0o666 & ~umask)  # mkstemp creates 0600; publish like any file
            staged.append((Path(name), target))
        for temporary, target in staged:
            temporary.replace(target)
    except OSError as e:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise Error(f"cannot write {e.filename}: {e.strerror}") from e
    return [target for _, target in staged]
