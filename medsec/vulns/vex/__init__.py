"""VEX: statements about whether a vulnerability affects a product (and a component).

One adapter per format — :mod:`.cyclonedx`, :mod:`.openvex`, :mod:`.csaf` — reads a
document into frozen :class:`~medsec.vulns.vex.model.VexStatement` objects; CycloneDX
and OpenVEX also export findings. :mod:`.resolve` says which statements apply to a finding
and which one decides. :func:`read_vex` reads a file of any of the three formats.

>>> import json, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "v.json"
>>> _ = p.write_text(json.dumps({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x",
...     "author": "Acme", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
...     "statements": [{"vulnerability": {"name": "CVE-2024-1"}, "status": "fixed",
...                     "products": [{"@id": "pkg:generic/acme/pump@2.0"}]}]}))
>>> [(s.vulnerability, s.status.value, s.source) for s in read_vex(p)]
[('CVE-2024-1', 'fixed', 'Acme')]
"""

from __future__ import annotations

from pathlib import Path

from medsec.advisories.document import parse_csaf_text
from medsec.errors import Error
from medsec.vulns.vex import csaf, cyclonedx, openvex
from medsec.vulns.vex.documents import MAX_VEX_BYTES, detect, fail, load_json
from medsec.vulns.vex.model import (
    InvalidVex,
    Justification,
    SourceKind,
    Subject,
    VexStatement,
    VexStatus,
)

__all__ = [
    "InvalidVex",
    "Justification",
    "SourceKind",
    "Subject",
    "VexStatement",
    "VexStatus",
    "read_vex",
    "read_vex_bytes",
]


def read_vex_bytes(
    data: bytes, source: str, kind: SourceKind = SourceKind.MANUFACTURER
) -> list[VexStatement]:
    """The statements of a CycloneDX, OpenVEX or CSAF JSON document in ``data``."""
    document = load_json(data, source)
    fmt = detect(document)
    if fmt == "cyclonedx":
        return cyclonedx.read(document, source, kind)
    if fmt == "openvex":
        return openvex.read(document, source, kind)
    if fmt == "csaf":
        # Re-parse with the CSAF reader: duplicate keys, NaN, CSAF version checks.
        return csaf.read(parse_csaf_text(data.decode("utf-8-sig"), source), source, kind)
    raise fail(
        source,
        "",
        "not a VEX document: expected CycloneDX (bomFormat), OpenVEX (@context) or "
        "CSAF (document.csaf_version)",
    )


def read_vex(path: Path, kind: SourceKind = SourceKind.MANUFACTURER) -> list[VexStatement]:
    """The statements of the VEX file at ``path``."""
    try:
        if path.stat().st_size > MAX_VEX_BYTES:
            raise fail(str(path), "", f"larger than the {MAX_VEX_BYTES} bytes allowed")
        data = path.read_bytes()
    except OSError as e:
        raise Error(f"cannot read {path}: {e.strerror or e}", hint="check the path") from e
    return read_vex_bytes(data, str(path), kind)
