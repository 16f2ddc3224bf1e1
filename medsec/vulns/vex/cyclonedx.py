"""Adapter: CycloneDX VEX (``vulnerabilities[]`` with ``analysis`` and ``affects``), JSON.

Reading: each ``affects[]`` entry of each vulnerability that has an ``analysis.state``
becomes one statement. The product is ``metadata.component``; an ``affects`` ref equal to
its ``bom-ref`` makes a product-level statement, any other ref names a component (its
purl, CPE and name are taken from ``components[]`` when the VEX lists it). A BOM-Link
(``urn:cdx:SERIAL/VERSION#REF``) names a component of the BOM ``SERIAL``. A vulnerability
without ``analysis`` is an advisory listing, not a statement, and is skipped. ``references[].id``
are the vulnerability's aliases.

Writing: :func:`export` turns findings into a CycloneDX 1.6 VEX BOM (the product as
``metadata.component``, the components affected, one vulnerability entry per finding),
checked with cyclonedx-python-lib's schema validator before it is returned.

>>> doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
...     "metadata": {"component": {"type": "device", "name": "Pump", "bom-ref": "p"}},
...     "vulnerabilities": [{"id": "CVE-2024-1", "analysis": {"state": "false_positive"},
...                          "affects": [{"ref": "p"}]}]}
>>> [(s.status.value, s.original_status, s.component) for s in read(doc, "v.json")]
[('not_affected', 'false_positive', None)]
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from medsec.errors import Error
from medsec.vulns.vex.documents import (
    fail,
    items,
    member,
    obj,
    parse_time,
    required_text,
    text,
)
from medsec.vulns.vex.model import (
    CYCLONEDX_JUSTIFICATIONS,
    CYCLONEDX_STATES,
    SourceKind,
    Subject,
    VexStatement,
    cyclonedx_justification,
    status_to_cyclonedx,
)

if TYPE_CHECKING:
    from medsec.vulns.findings import Finding

_BOM_LINK = re.compile(r"^urn:cdx:(?P<serial>[^/#]+)/(?P<version>\d+)(?:#(?P<ref>.+))?$")


def _subject(c: dict[str, Any], serial: str | None) -> Subject:
    hashes = {
        h["alg"]: h["content"].lower()
        for h in c.get("hashes") or ()
        if isinstance(h, dict)
        and isinstance(h.get("alg"), str)
        and isinstance(h.get("content"), str)
    }
    ref = c.get("bom-ref")
    return Subject(
        purl=c.get("purl") if isinstance(c.get("purl"), str) else None,
        cpe=c.get("cpe") if isinstance(c.get("cpe"), str) else None,
        ref=ref if isinstance(ref, str) else None,
        name=c.get("name") if isinstance(c.get("name"), str) else None,
        version=c.get("version") if isinstance(c.get("version"), str) else None,
        document=serial,
        hashes=hashes,
    )


def _components(items_: Any, serial: str | None, out: dict[str, Subject]) -> None:
    for c in items_ if isinstance(items_, list) else ():
        if isinstance(c, dict):
            if isinstance(c.get("bom-ref"), str):
                out[c["bom-ref"]] = _subject(c, serial)
            _components(c.get("components"), serial, out)


def read(
    document: Any, source: str, kind: SourceKind = SourceKind.MANUFACTURER
) -> list[VexStatement]:
    """The statements of a parsed CycloneDX document (``source`` names it in messages)."""
    doc = obj(document, source, "")
    if doc.get("bomFormat") != "CycloneDX":
        raise fail(source, "/bomFormat", "not a CycloneDX document (bomFormat is not CycloneDX)")
    serial = doc.get("serialNumber") if isinstance(doc.get("serialNumber"), str) else None
    metadata = member(doc, "metadata")
    product = (
        _subject(metadata["component"], serial)
        if isinstance(metadata.get("component"), dict)
        else None
    )
    doc_time = parse_time(metadata.get("timestamp"), source, "/metadata/timestamp")
    author = _author(metadata) or source
    known: dict[str, Subject] = {}
    _components(doc.get("components"), serial, known)
    out: list[VexStatement] = []
    for i, v in enumerate(items(doc.get("vulnerabilities"), source, "/vulnerabilities")):
        at = f"/vulnerabilities/{i}"
        v = obj(v, source, at)
        vuln_id = required_text(v.get("id"), source, f"{at}/id")
        analysis = v.get("analysis")
        if not isinstance(analysis, dict) or "state" not in analysis:
            continue
        state = analysis["state"]
        if state not in CYCLONEDX_STATES:
            raise fail(
                source,
                f"{at}/analysis/state",
                f"{state!r} is not a CycloneDX analysis state ({', '.join(CYCLONEDX_STATES)})",
            )
        raw_just = analysis.get("justification")
        if raw_just is not None and raw_just not in CYCLONEDX_JUSTIFICATIONS:
            raise fail(
                source,
                f"{at}/analysis/justification",
                f"{raw_just!r} is not a CycloneDX justification "
                f"({', '.join(CYCLONEDX_JUSTIFICATIONS)})",
            )
        aliases = tuple(
            r["id"]
            for r in items(v.get("references"), source, f"{at}/references")
            if isinstance(r, dict) and isinstance(r.get("id"), str) and r["id"] != vuln_id
        )
        when = (
            parse_time(analysis.get("lastUpdated"), source, f"{at}/analysis/lastUpdated")
            or parse_time(analysis.get("firstIssued"), source, f"{at}/analysis/firstIssued")
            or parse_time(v.get("updated"), source, f"{at}/updated")
            or parse_time(v.get("published"), source, f"{at}/published")
            or doc_time
        )
        detail = text(analysis.get("detail"), source, f"{at}/analysis/detail")
        responses = [r for r in analysis.get("response") or () if isinstance(r, str)]
        recommendation = text(v.get("recommendation"), source, f"{at}/recommendation")
        action = "; ".join(x for x in (recommendation, *responses) if x) or None
        status = CYCLONEDX_STATES[state]
        affects = items(v.get("affects"), source, f"{at}/affects")
        if not affects:
            raise fail(
                source, f"{at}/affects", "an analysed vulnerability names no product (affects)"
            )
        for j, a in enumerate(affects):
            ref = required_text(
                obj(a, source, f"{at}/affects/{j}").get("ref"), source, f"{at}/affects/{j}/ref"
            )
            stmt_product, component = _scope(ref, product, serial, known)
            if stmt_product is None:
                raise fail(
                    source,
                    f"{at}/affects/{j}/ref",
                    "the statement names no product: the document has no metadata.component "
                    "and no serialNumber, and the ref is not a BOM-Link "
                    "(urn:cdx:SERIAL/VERSION#REF)",
                )
            out.append(
                VexStatement(
                    vulnerability=vuln_id,
                    aliases=aliases,
                    status=status,
                    source=author,
                    source_kind=kind,
                    product=stmt_product,
                    component=component,
                    justification=CYCLONEDX_JUSTIFICATIONS.get(raw_just) if raw_just else None,
                    impact_statement=detail if status.value == "not_affected" else None,
                    action_statement=(action or detail) if status.value == "affected" else action,
                    timestamp=when,
                    original_status=state,
                    original_justification=raw_just,
                    pointer=f"{at}/affects/{j}",
                )
            )
    return out


def _author(metadata: dict[str, Any]) -> str | None:
    for key in ("manufacturer", "supplier"):
        if isinstance(metadata.get(key), dict) and isinstance(metadata[key].get("name"), str):
            return str(metadata[key]["name"])
    for a in metadata.get("authors") or ():
        if isinstance(a, dict) and isinstance(a.get("name"), str):
            return str(a["name"])
    return None


def _scope(
    ref: str, product: Subject | None, serial: str | None, known: dict[str, Subject]
) -> tuple[Subject | None, Subject | None]:
    """(product, component) an ``affects`` ref names."""
    link = _BOM_LINK.match(ref)
    if link:
        other, local = link["serial"], link["ref"]
        if other == (serial or "").removeprefix("urn:uuid:") or f"urn:uuid:{other}" == serial:
            ref = local or ""
        else:
            doc = f"urn:uuid:{other}" if re.fullmatch(r"[0-9a-fA-F-]{36}", other) else other
            target = Subject(document=doc)
            return target, (Subject(ref=local, document=doc) if local else None)
    if product is not None and (ref == product.ref or not ref):
        return product, None
    if product is None and serial is not None:
        product = Subject(document=serial)  # the product of the BOM with this serial
    component = known.get(ref, Subject(ref=ref, document=serial))
    return product, component


# --- export ---------------------------------------------------------------------------


def _component_json(f: Finding) -> dict[str, Any]:
    c = f.component
    out: dict[str, Any] = {"type": c.type or "library", "bom-ref": f.component_ref, "name": c.name}
    extra = {"group": c.group, "version": c.version, "purl": c.purl, "cpe": c.cpe}
    return out | {k: v for k, v in extra.items() if v}


def export(
    findings: Sequence[Finding],
    *,
    product: Any = None,
    author: str = "medsec",
    now: datetime | None = None,
) -> dict[str, Any]:
    """A CycloneDX 1.6 VEX BOM for ``findings`` (``product``: the SBOM's product
    component). Raises :class:`Error` if the result does not validate (a bug)."""
    components: dict[str, dict[str, Any]] = {}
    vulnerabilities: list[dict[str, Any]] = []
    for f in findings:
        components.setdefault(f.component_ref, _component_json(f))
        vulnerabilities.append(_vulnerability_json(f))
    metadata: dict[str, Any] = {
        "timestamp": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "tools": {"components": [{"type": "application", "name": "medsec"}]},
        "authors": [{"name": author}],
    }
    if product is not None:
        metadata["component"] = {
            k: v
            for k, v in {
                "type": product.type or "device",
                "bom-ref": product.ref or "product",
                "name": product.name,
                "version": product.version,
                "purl": product.purl,
                "cpe": product.cpe,
            }.items()
            if v
        }
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": metadata,
        "components": list(components.values()),
        "vulnerabilities": vulnerabilities,
    }
    validate(bom)
    return bom


def _vulnerability_json(f: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "bom-ref": f"{f.vulnerability}@{f.component_ref}",
        "id": f.vulnerability,
    }
    if f.aliases:
        entry["references"] = [{"id": a, "source": {"name": _source_name(a)}} for a in f.aliases]
    ratings = [
        {"score": s.score, "severity": s.severity.lower(), "method": s.method, "vector": s.vector}
        for s in f.priority.cvss
    ]
    if ratings:
        entry["ratings"] = ratings
    analysis: dict[str, Any] = {"state": _state(f)}
    decisive = f.decisive
    if decisive is not None and decisive.justification is not None:
        analysis["justification"] = (
            decisive.original_justification
            if decisive.original_justification is not None
            and decisive.original_justification in CYCLONEDX_JUSTIFICATIONS
            else cyclonedx_justification(decisive.justification)
        )
    detail = f.detail()
    if detail:
        analysis["detail"] = detail
    entry["analysis"] = analysis
    entry["affects"] = [{"ref": f.component_ref}]
    return entry


def _state(f: Finding) -> str:
    status = f.vex_status
    if status is None:
        return "in_triage"  # unknown version: neither affected nor cleared
    d = f.decisive
    if (
        d is not None
        and d.original_status is not None
        and d.original_status in CYCLONEDX_STATES
        and CYCLONEDX_STATES[d.original_status] is status
    ):
        return d.original_status
    return status_to_cyclonedx(status)


def _source_name(alias: str) -> str:
    prefix = alias.split("-", 1)[0]
    return {"CVE": "NVD", "GHSA": "GitHub", "PYSEC": "PyPA", "RUSTSEC": "RustSec"}.get(
        prefix, prefix
    )


def validate(bom: dict[str, Any]) -> None:
    """Check ``bom`` against the CycloneDX 1.6 JSON schema (cyclonedx-python-lib)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom))
    if error is not None:
        raise Error(f"the CycloneDX VEX medsec wrote does not validate: {error}")
