"""Adapter: CSAF 2.0 VEX (and any CSAF document with ``product_status``).

The document is parsed by :func:`medsec.advisories.document.parse_csaf_text` (duplicate
keys, ``NaN`` and other CSAF versions refused there, with line numbers). The product tree
is walked for every ``product_id``: ``branches`` (any depth), ``full_product_names`` and
``relationships``. A relationship's product (``default_component_of``,
``installed_on``…) makes a statement whose *product* is ``relates_to_product_reference``
and whose *component* is ``product_reference``; any other product id makes a
product-level statement. Justifications come from ``flags`` (labels are the OpenVEX
justifications), impact statements from ``threats`` of category ``impact``, action
statements from ``remediations``; ``product_groups`` are expanded. The statement time is
``document.tracking.current_release_date``.

>>> import json
>>> doc = {"document": {"category": "csaf_vex", "csaf_version": "2.0",
...     "publisher": {"category": "vendor", "name": "Acme PSIRT", "namespace": "https://acme"},
...     "title": "t", "tracking": {"id": "ACME-1", "current_release_date": "2024-01-01T00:00:00Z",
...     "initial_release_date": "2024-01-01T00:00:00Z", "revision_history": [],
...     "status": "final", "version": "1"}},
...   "product_tree": {"full_product_names": [{"name": "Pump 2.0", "product_id": "P",
...     "product_identification_helper": {"purl": "pkg:generic/acme/pump@2.0"}}]},
...   "vulnerabilities": [{"cve": "CVE-2024-1", "product_status": {"known_not_affected": ["P"]},
...     "flags": [{"label": "component_not_present", "product_ids": ["P"]}]}]}
>>> [(s.status.value, s.original_status, s.justification.value, s.product.purl)
...  for s in read_text(json.dumps(doc), "a.json")]
[('not_affected', 'known_not_affected', 'component_not_present', 'pkg:generic/acme/pump@2.0')]
"""

from __future__ import annotations

from typing import Any

from medsec.advisories.document import parse_csaf_text
from medsec.vulns.vex.documents import fail, items, member, obj, parse_time
from medsec.vulns.vex.model import (
    CSAF_STATUSES,
    Justification,
    SourceKind,
    Subject,
    VexStatement,
)


def _helper_subject(product: dict[str, Any], document: str | None) -> Subject:
    helper = product.get("product_identification_helper")
    helper = helper if isinstance(helper, dict) else {}
    hashes: dict[str, str] = {}
    for h in helper.get("hashes") or ():
        for fh in (h.get("file_hashes") or ()) if isinstance(h, dict) else ():
            if isinstance(fh, dict) and isinstance(fh.get("algorithm"), str):
                alg = fh["algorithm"].upper().replace("SHA", "SHA-").replace("--", "-")
                hashes[alg] = str(fh.get("value", "")).lower()
    return Subject(
        purl=helper.get("purl") if isinstance(helper.get("purl"), str) else None,
        cpe=helper.get("cpe") if isinstance(helper.get("cpe"), str) else None,
        ref=product.get("product_id"),
        document=document,
        hashes=hashes,
    )


def _walk(branches: Any, document: str | None, out: dict[str, Subject]) -> None:
    for b in branches if isinstance(branches, list) else ():
        if not isinstance(b, dict):
            continue
        product = b.get("product")
        if isinstance(product, dict) and isinstance(product.get("product_id"), str):
            out[product["product_id"]] = _helper_subject(product, document)
        _walk(b.get("branches"), document, out)


def _products(
    tree: dict[str, Any], document: str | None
) -> tuple[dict[str, Subject], dict[str, tuple[str, str]], dict[str, list[str]]]:
    """Subjects by product id, relationships (id → (component id, product id)), groups."""
    subjects: dict[str, Subject] = {}
    _walk(tree.get("branches"), document, subjects)
    for p in tree.get("full_product_names") or ():
        if isinstance(p, dict) and isinstance(p.get("product_id"), str):
            subjects[p["product_id"]] = _helper_subject(p, document)
    relations: dict[str, tuple[str, str]] = {}
    for r in tree.get("relationships") or ():
        if not isinstance(r, dict):
            continue
        full = r.get("full_product_name")
        if isinstance(full, dict) and isinstance(full.get("product_id"), str):
            subjects.setdefault(full["product_id"], _helper_subject(full, document))
            relations[full["product_id"]] = (
                str(r.get("product_reference")),
                str(r.get("relates_to_product_reference")),
            )
    groups = {
        g["group_id"]: [str(p) for p in g.get("product_ids") or ()]
        for g in tree.get("product_groups") or ()
        if isinstance(g, dict) and isinstance(g.get("group_id"), str)
    }
    return subjects, relations, groups


def _ids_of(entry: dict[str, Any], groups: dict[str, list[str]]) -> set[str]:
    ids = {str(p) for p in entry.get("product_ids") or ()}
    for g in entry.get("group_ids") or ():
        ids.update(groups.get(str(g), ()))
    return ids


def read_text(
    text: str, source: str, kind: SourceKind = SourceKind.MANUFACTURER
) -> list[VexStatement]:
    return read(parse_csaf_text(text, source), source, kind)


def read(
    document: Any, source: str, kind: SourceKind = SourceKind.MANUFACTURER
) -> list[VexStatement]:
    """The statements of a parsed CSAF 2.0 document."""
    doc = obj(document, source, "")
    meta = obj(doc.get("document"), source, "/document")
    tracking = member(meta, "tracking")
    doc_id = tracking.get("id") if isinstance(tracking.get("id"), str) else None
    when = parse_time(
        tracking.get("current_release_date"), source, "/document/tracking/current_release_date"
    )
    publisher = member(meta, "publisher")
    name = publisher.get("name")
    author = name if isinstance(name, str) else source
    tree = member(doc, "product_tree")
    subjects, relations, groups = _products(tree, doc_id)
    out: list[VexStatement] = []
    for i, v in enumerate(items(doc.get("vulnerabilities"), source, "/vulnerabilities")):
        at = f"/vulnerabilities/{i}"
        v = obj(v, source, at)
        names = [v["cve"]] if isinstance(v.get("cve"), str) else []
        names += [
            x["text"]
            for x in v.get("ids") or ()
            if isinstance(x, dict) and isinstance(x.get("text"), str)
        ]
        if not names:
            continue  # a vulnerability without an identifier cannot be matched
        vuln_id, aliases = names[0], tuple(dict.fromkeys(names[1:]))
        justification: dict[str, Justification] = {}
        for flag in v.get("flags") or ():
            if isinstance(flag, dict) and flag.get("label") in Justification.__members__.values():
                for pid in _ids_of(flag, groups):
                    justification[pid] = Justification(flag["label"])
        impact: dict[str, list[str]] = {}
        for threat in v.get("threats") or ():
            if isinstance(threat, dict) and threat.get("category") == "impact":
                for pid in _ids_of(threat, groups):
                    impact.setdefault(pid, []).append(str(threat.get("details", "")))
        action: dict[str, list[str]] = {}
        for rem in v.get("remediations") or ():
            if isinstance(rem, dict):
                for pid in _ids_of(rem, groups):
                    action.setdefault(pid, []).append(
                        f"{rem.get('category', 'remediation')}: {rem.get('details', '')}"
                    )
        status_map = v.get("product_status")
        status_map = status_map if isinstance(status_map, dict) else {}
        for key, status in CSAF_STATUSES.items():
            for k, pid in enumerate(
                items(status_map.get(key), source, f"{at}/product_status/{key}")
            ):
                pid = str(pid)
                if pid not in subjects:
                    raise fail(
                        source,
                        f"{at}/product_status/{key}/{k}",
                        f"product id {pid!r} is not defined in the product_tree",
                    )
                if pid in relations:
                    component_id, product_id = relations[pid]
                    product = subjects.get(product_id, Subject(ref=product_id, document=doc_id))
                    component: Subject | None = subjects.get(
                        component_id, Subject(ref=component_id, document=doc_id)
                    )
                else:
                    product, component = subjects[pid], None
                out.append(
                    VexStatement(
                        vulnerability=vuln_id,
                        aliases=aliases,
                        status=status,
                        source=author,
                        source_kind=kind,
                        product=product,
                        component=component,
                        justification=justification.get(pid),
                        impact_statement="; ".join(impact.get(pid, ())) or None,
                        action_statement="; ".join(action.get(pid, ())) or None,
                        timestamp=when,
                        original_status=key,
                        original_justification=(
                            justification[pid].value if pid in justification else None
                        ),
                        pointer=f"{at}/product_status/{key}/{k}",
                    )
                )
    return out


__all__ = ["read", "read_text"]
