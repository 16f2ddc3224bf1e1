"""Adapter: OpenVEX (v0.2.0, and the v0.0.x spelling with string vulnerabilities,
string products and statement-level ``subcomponents``).

Each product × subcomponent of a statement becomes one :class:`VexStatement` (a product
without subcomponents: one product-level statement). A product ``@id`` that is a purl is
its purl; ``identifiers`` (``purl``, ``cpe23``, ``cpe22``) and ``hashes`` are read too. A
statement without products would be about a bare vulnerability id and is refused.

:func:`export` writes findings as an OpenVEX 0.2.0 document (product = the SBOM's product,
subcomponent = the component).

>>> doc = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "Acme",
...     "timestamp": "2024-01-01T00:00:00Z", "version": 1, "statements": [
...     {"vulnerability": {"name": "CVE-2024-1"}, "status": "not_affected",
...      "justification": "component_not_present",
...      "products": [{"@id": "pkg:generic/acme/pump@2.0",
...                    "subcomponents": [{"@id": "pkg:pypi/jinja2@2.10"}]}]}]}
>>> [(s.product.purl, s.component.purl, s.justification.value) for s in read(doc, "v.json")]
[('pkg:generic/acme/pump@2.0', 'pkg:pypi/jinja2@2.10', 'component_not_present')]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from medsec.vulns.vex.documents import fail, items, obj, parse_time, required_text, text
from medsec.vulns.vex.model import (
    Justification,
    SourceKind,
    Subject,
    VexStatement,
    VexStatus,
)

if TYPE_CHECKING:
    from medsec.vulns.findings import Finding

CONTEXT = "https://openvex.dev/ns/v0.2.0"

#: OpenVEX hash names → CycloneDX algorithm names (the SBOM model's spelling).
_HASHES = {
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha-256": "SHA-256",
    "sha-384": "SHA-384",
    "sha-512": "SHA-512",
    "sha3-256": "SHA3-256",
    "sha3-384": "SHA3-384",
    "sha3-512": "SHA3-512",
    "blake2b-256": "BLAKE2b-256",
    "blake2b-512": "BLAKE2b-512",
}
_TO_OPENVEX_HASH = {v: k for k, v in _HASHES.items()}


def _subject(value: Any, source: str, at: str, document: str | None) -> Subject:
    if isinstance(value, str):
        value = {"@id": value}
    value = obj(value, source, at)
    iri = value.get("@id")
    identifiers = value.get("identifiers") if isinstance(value.get("identifiers"), dict) else {}
    purl = identifiers.get("purl")
    if purl is None and isinstance(iri, str) and iri.startswith("pkg:"):
        purl = iri
    cpe = identifiers.get("cpe23") or identifiers.get("cpe22")
    if cpe is None and isinstance(iri, str) and iri.startswith("cpe:"):
        cpe = iri
    raw_hashes = value.get("hashes") if isinstance(value.get("hashes"), dict) else {}
    hashes = {_HASHES[k]: str(v).lower() for k, v in raw_hashes.items() if k in _HASHES and v}
    if not (iri or purl or cpe or hashes):
        raise fail(source, at, "a product or subcomponent needs an @id or identifiers")
    ref = iri if isinstance(iri, str) and iri != purl and iri != cpe else None
    return Subject(purl=purl, cpe=cpe, ref=ref, document=document, hashes=hashes)


def read(
    document: Any, source: str, kind: SourceKind = SourceKind.MANUFACTURER
) -> list[VexStatement]:
    """The statements of a parsed OpenVEX document."""
    doc = obj(document, source, "")
    context = doc.get("@context")
    if not (isinstance(context, str) and "openvex" in context):
        raise fail(source, "/@context", "not an OpenVEX document (no openvex @context)")
    author = text(doc.get("author"), source, "/author") or source
    doc_id = doc.get("@id") if isinstance(doc.get("@id"), str) else None
    doc_time = parse_time(doc.get("last_updated"), source, "/last_updated") or parse_time(
        doc.get("timestamp"), source, "/timestamp"
    )
    statements = items(doc.get("statements"), source, "/statements")
    out: list[VexStatement] = []
    for i, raw in enumerate(statements):
        at = f"/statements/{i}"
        s = obj(raw, source, at)
        vuln_id, aliases = _vulnerability(s.get("vulnerability"), source, f"{at}/vulnerability")
        status_text = s.get("status")
        try:
            status = VexStatus(str(status_text))
        except ValueError:
            raise fail(
                source,
                f"{at}/status",
                f"{status_text!r} is not an OpenVEX status ({', '.join(VexStatus)})",
            ) from None
        raw_just = s.get("justification")
        try:
            justification = Justification(raw_just) if raw_just is not None else None
        except ValueError:
            raise fail(
                source,
                f"{at}/justification",
                f"{raw_just!r} is not an OpenVEX justification ({', '.join(Justification)})",
            ) from None
        when = (
            parse_time(s.get("last_updated"), source, f"{at}/last_updated")
            or parse_time(s.get("timestamp"), source, f"{at}/timestamp")
            or doc_time
        )
        products = items(s.get("products"), source, f"{at}/products")
        if not products:
            raise fail(
                source,
                f"{at}/products",
                "the statement names no product: a status applies to a product, not to a "
                "bare vulnerability id",
            )
        shared_subs = items(s.get("subcomponents"), source, f"{at}/subcomponents")
        for j, p in enumerate(products):
            p_at = f"{at}/products/{j}"
            product = _subject(p, source, p_at, doc_id)
            subs = (
                items(p.get("subcomponents"), source, f"{p_at}/subcomponents")
                if isinstance(p, dict)
                else []
            )
            pairs: list[tuple[Subject | None, str]] = []
            for base, subcomponents in ((p_at, subs), (at, shared_subs)):
                for k, c in enumerate(subcomponents):
                    where = f"{base}/subcomponents/{k}"
                    pairs.append((_subject(c, source, where, doc_id), where))
            for component, pointer in pairs or [(None, p_at)]:
                out.append(
                    VexStatement(
                        vulnerability=vuln_id,
                        aliases=aliases,
                        status=status,
                        source=author,
                        source_kind=kind,
                        product=product,
                        component=component,
                        justification=justification,
                        impact_statement=text(
                            s.get("impact_statement"), source, f"{at}/impact_statement"
                        ),
                        action_statement=text(
                            s.get("action_statement"), source, f"{at}/action_statement"
                        ),
                        timestamp=when,
                        original_status=status.value,
                        original_justification=raw_just,
                        pointer=pointer,
                    )
                )
    return out


def _vulnerability(value: Any, source: str, at: str) -> tuple[str, tuple[str, ...]]:
    if isinstance(value, str) and value.strip():
        return value, ()
    v = obj(value, source, at)
    name = required_text(v.get("name"), source, f"{at}/name")
    aliases = tuple(
        a for a in items(v.get("aliases"), source, f"{at}/aliases") if isinstance(a, str)
    )
    return name, tuple(a for a in aliases if a != name)


# --- export ---------------------------------------------------------------------------


def _product_json(product: Any) -> dict[str, Any]:
    if product is None:
        return {"@id": "urn:medsec:product:unknown"}
    out: dict[str, Any] = {}
    identifiers: dict[str, str] = {}
    if product.purl:
        out["@id"] = product.purl
        identifiers["purl"] = product.purl
    if product.cpe:
        identifiers["cpe23"] = product.cpe
    if "@id" not in out:
        name = f"{product.name}@{product.version}" if product.version else product.name
        out["@id"] = f"urn:medsec:product:{name}".replace(" ", "_")
    if identifiers:
        out["identifiers"] = identifiers
    return out


def _subcomponent_json(f: Finding) -> dict[str, Any]:
    c = f.component
    out: dict[str, Any] = {}
    identifiers: dict[str, str] = {}
    if c.purl:
        out["@id"] = c.purl
        identifiers["purl"] = c.purl
    if c.cpe:
        identifiers["cpe23"] = c.cpe
    if identifiers:
        out["identifiers"] = identifiers
    hashes = {_TO_OPENVEX_HASH[a]: d for a, d in c.hashes.items() if a in _TO_OPENVEX_HASH}
    if hashes:
        out["hashes"] = hashes
    if "@id" not in out:
        out["@id"] = f"urn:medsec:component:{f.component_ref}".replace(" ", "_")
    return out


def export(
    findings: Sequence[Finding],
    *,
    product: Any = None,
    author: str = "medsec",
    now: datetime | None = None,
) -> dict[str, Any]:
    """An OpenVEX 0.2.0 document with one statement per finding that has a VEX status
    (``unknown-version`` findings become ``under_investigation``)."""
    stamp = (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
    product_json = _product_json(product)
    statements: list[dict[str, Any]] = []
    for f in findings:
        status = f.vex_status or VexStatus.UNDER_INVESTIGATION
        vulnerability: dict[str, Any] = {"name": f.vulnerability}
        if f.aliases:
            vulnerability["aliases"] = list(dict.fromkeys(f.aliases))
        statement: dict[str, Any] = {
            "vulnerability": vulnerability,
            "products": [{**product_json, "subcomponents": [_subcomponent_json(f)]}],
            "status": status.value,
        }
        d = f.decisive
        if status is VexStatus.NOT_AFFECTED:
            if d is not None and d.justification is not None:
                statement["justification"] = d.justification.value
            statement["impact_statement"] = f.detail() or "not affected"
        elif status is VexStatus.AFFECTED:
            statement["action_statement"] = (
                d.action_statement if d is not None else None
            ) or f"update {f.component.name} (priority {f.priority.level.value})"
        if f.detail() and status is not VexStatus.NOT_AFFECTED:
            statement["status_notes"] = f.detail()
        statements.append(statement)
    digest = hashlib.sha256(repr(sorted(str(s) for s in statements)).encode()).hexdigest()
    return {
        "@context": CONTEXT,
        "@id": f"https://medsec.invalid/vex/{digest}",
        "author": author,
        "timestamp": stamp,
        "version": 1,
        "tooling": "medsec",
        "statements": statements,
    }
