"""Which SBOM format a document is, judged by its content (never by its file name).

>>> sniff(b'  {"bomFormat": "CycloneDX", "specVersion": "1.6"}', "x")
<SbomFormat.CYCLONEDX_JSON: 'cyclonedx-json'>
>>> sniff(b"SPDXVersion: SPDX-2.3\\nDataLicense: CC0-1.0\\n", "x")
<SbomFormat.SPDX_TAG_VALUE: 'spdx-tag-value'>
"""

from __future__ import annotations

import re

from medsec.sbom.interfaces import SbomError, problem
from medsec.sbom.model import SbomFormat

_HEAD = 64 * 1024
_TAG_VALUE = re.compile(rb"^\s*SPDXVersion\s*:\s*SPDX-", re.MULTILINE)
_READS = "CycloneDX 1.4–1.7 JSON or XML, SPDX 2.2/2.3 JSON or tag-value"


def _unknown(source: str, what: str) -> SbomError:
    return SbomError(source, [problem(source, f"{what}; medsec reads {_READS}")])


def sniff(data: bytes, source: str) -> SbomFormat:
    """The format of ``data``; :class:`SbomError` naming what was found otherwise."""
    body = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not body:
        raise _unknown(source, "the file is empty")
    if body[:1] == b"{":
        # A key's first occurrence decides: documents are written header first, and a
        # CycloneDX document may quote an SPDX one (or the reverse) further down.
        places = {
            fmt: body.find(key)
            for fmt, key in (
                (SbomFormat.CYCLONEDX_JSON, b'"bomFormat"'),
                (SbomFormat.SPDX_JSON, b'"spdxVersion"'),
            )
        }
        found = {fmt: at for fmt, at in places.items() if at >= 0}
        if not found:
            raise _unknown(source, 'JSON without "bomFormat" (CycloneDX) or "spdxVersion" (SPDX)')
        return min(found, key=found.__getitem__)
    if body[:1] == b"<":
        head = body[:_HEAD]
        if b"http://cyclonedx.org/schema/bom/" in head:
            return SbomFormat.CYCLONEDX_XML
        if b"spdx.org/rdf" in head:
            raise _unknown(source, "SPDX RDF/XML is not supported")
        raise _unknown(source, "XML without the CycloneDX namespace")
    if _TAG_VALUE.search(body[:_HEAD]):
        return SbomFormat.SPDX_TAG_VALUE
    start = body[:40].decode("utf-8", "replace")
    raise _unknown(source, f"not an SBOM format medsec knows (it starts with {start!r})")
