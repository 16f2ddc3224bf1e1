"""``medsec profile render`` and ``medsec profile diff``.

Plain functions with Typer annotations; ``medsec/cli/profile.py`` registers them::

    app.command("render")(render_command)
    app.command("diff")(diff_command)
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, assert_never

import typer

from medsec.cli.output import Format, FormatOption, console, errors, print_json
from medsec.documents import render_html, render_markdown, render_pdf, render_security_txt
from medsec.documents.securitytxt import expiry_warnings
from medsec.errors import DocumentError, Error
from medsec.profiles.diff import diff_profiles
from medsec.profiles.loader import load_profile
from medsec.profiles.psp import ProductSecurityProfile


class RenderFormat(enum.StrEnum):
    HTML = "html"
    PDF = "pdf"
    MARKDOWN = "md"
    SECURITY_TXT = "security.txt"


def _render(profile: ProductSecurityProfile, format: RenderFormat) -> bytes:
    match format:
        case RenderFormat.HTML:
            return render_html(profile).encode("utf-8")
        case RenderFormat.PDF:
            return render_pdf(profile)
        case RenderFormat.MARKDOWN:
            return render_markdown(profile).encode("utf-8")
        case RenderFormat.SECURITY_TXT:
            return render_security_txt(profile).encode("utf-8")
        case _:
            assert_never(format)


def write_atomically(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` so readers see the old file or the new, never half.

    The bytes go to a temporary file in the target's directory (same file system), are
    flushed to disk, and the file is renamed over the target with :func:`os.replace`.
    """
    directory = target.parent if str(target.parent) else Path()
    try:
        handle = tempfile.NamedTemporaryFile(  # closed by `with handle` below
            dir=directory, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
    except OSError as e:
        raise Error(f"{target}: cannot write in {directory}: {e.strerror}") from e
    temporary = Path(handle.name)
    try:
        with handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        temporary.chmod(0o666 & ~umask)  # mkstemp creates 0600; a document is not secret
        os.replace(temporary, target)
    except OSError as e:
        temporary.unlink(missing_ok=True)
        raise Error(f"{target}: cannot be written: {e.strerror}") from e
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _fail(error: Error) -> typer.Exit:
    """Print ``error`` for a person and return the exit to raise."""
    # A DocumentError's diagnostics are already "error: FILE:LINE:COL: …" lines.
    text = (
        error.diagnostics() if isinstance(error, DocumentError) else f"error: {error.diagnostics()}"
    )
    errors.print(text, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1)


ProfileFile = Annotated[Path, typer.Argument(help="Profile file (.yaml, .yml or .json).")]


def render_command(
    file: ProfileFile,
    format: Annotated[
        RenderFormat, typer.Option("--format", "-f", help="Document to produce.")
    ] = RenderFormat.HTML,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write; stdout when omitted (not for pdf)."),
    ] = None,
) -> None:
    """Render the customer security guide (html, pdf, md) or security.txt from a profile.

    The output file is replaced atomically; a failed render leaves an existing file as it was.

    For security.txt, an Expires date in the past or over a year ahead is warned about on stderr.
    """
    if format is RenderFormat.PDF:
        if output is None:
            raise _fail(Error("a PDF is binary; give a file with -o/--output"))
        # weasyprint logs font-subsetting notes at WARNING on every render; on a terminal
        # they read like problems with the profile. Real failures still raise.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        profile = load_profile(file)
        content = _render(profile, format)
    except Error as e:
        raise _fail(e) from e
    if format is RenderFormat.SECURITY_TXT:
        for warning in expiry_warnings(profile, dt.datetime.now(dt.UTC).date()):
            errors.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    if output is None:
        # Bytes, not text: security.txt's CRLF line ends must reach the pipe unchanged.
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    try:
        write_atomically(output, content)
    except Error as e:
        raise _fail(e) from e
    console.print(
        f"{output}: {format.value} written", markup=False, highlight=False, soft_wrap=True
    )


def diff_command(
    old: Annotated[Path, typer.Argument(help="The earlier profile version.")],
    new: Annotated[Path, typer.Argument(help="The later profile version.")],
    format: FormatOption = Format.TEXT,
) -> None:
    """List what changed between two profile versions that matters to a customer.

    One line per change: severity (breaking, attention or info), kind, path and message.

    Exits 0 whatever changed (the diff is a report); 1 only if a profile cannot be loaded.
    """
    try:
        before = load_profile(old)
        after = load_profile(new)
    except Error as e:
        raise _fail(e) from e
    changes = diff_profiles(before, after)
    if format is Format.JSON:
        print_json([c.as_json() for c in changes])
        return
    if not changes:
        console.print("no changes that matter to a customer", markup=False, highlight=False)
    for change in changes:
        console.print(str(change), markup=False, highlight=False, soft_wrap=True)
