"""The advisory edit form ↔ the advisory input (a JSON object of
:class:`~medsec.advisories.authoring.input.AdvisoryInput`'s shape).

The form works without JavaScript: products are checkboxes of the organization's stored
profile versions (plus other versions typed per product); each vulnerability row has a
status select per chosen product version, remediation rows and threat texts; one empty
vulnerability row and one empty remediation row per vulnerability are offered to add more
(a blank row is ignored). The published revisions are kept by the service; the form adds
the new revision's summary and kind of change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pydantic

from medsec.advisories.authoring.input import AdvisoryInput, Revision
from medsec.products.models import ProfileVersion

NOTE_FIELDS: Final = (
    ("summary", "Summary", "What is wrong, who is affected and what to do, in a few sentences."),
    ("details", "Details", "How the weakness works and what an attacker needs."),
    (
        "update_benefits_and_risks",
        "Benefits and risks of updating",
        "What the update fixes and what installing it may disturb (downtime, settings).",
    ),
    (
        "compensating_controls",
        "Compensating controls until an update is installed",
        "What a hospital can do until it can update.",
    ),
)
STATUSES: Final = (
    ("", "—"),
    ("known_affected", "affected"),
    ("first_affected", "first affected"),
    ("last_affected", "last affected"),
    ("under_investigation", "under investigation"),
    ("known_not_affected", "not affected"),
    ("fixed", "fixed"),
    ("first_fixed", "first fixed"),
    ("recommended", "recommended"),
)
REMEDIATIONS: Final = (
    ("vendor_fix", "Vendor fix (an update)"),
    ("workaround", "Workaround"),
    ("mitigation", "Mitigation"),
    ("no_fix_planned", "No fix planned"),
    ("none_available", "No fix available yet"),
)
THREATS: Final = (
    ("impact", "Impact: what can happen"),
    ("exploit_status", "Exploit status: known attacks"),
    ("target_set", "Who is at risk"),
)
AFFECTED: Final = ("known_affected", "first_affected", "last_affected")
_REFS = re.compile(r"[\s,;]+")


def product_key(name: str) -> str:
    """A product entry key (``[a-z0-9][a-z0-9-]{0,31}``) from a product's name."""
    key = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32].rstrip("-")
    return key or "product"


@dataclass(frozen=True)
class ProductChoice:
    product_id: int
    name: str
    key: str
    #: Stored profile versions: (version, status) in upload order.
    versions: list[tuple[str, str]]


def choices(
    versions: list[ProfileVersion], draft: Mapping[str, Any] | None = None
) -> list[ProductChoice]:
    """The organization's products with their stored versions; a product the draft names
    keeps the draft's key."""
    keys = {e.get("product"): e["key"] for e in (draft or {}).get("products", [])}
    grouped: dict[int, ProductChoice] = {}
    for version in versions:
        product = version.product
        if product.id not in grouped:
            grouped[product.id] = ProductChoice(
                product.id, product.name, keys.get(product.name) or product_key(product.name), []
            )
        grouped[product.id].versions.append((version.version, version.status))
    return list(grouped.values())


def chosen(draft: Mapping[str, Any], products: list[ProductChoice]) -> dict[str, list[str]]:
    """Product name → the versions the draft covers (its default: the newest stored one,
    preferring published)."""
    by_name = {p.name: p for p in products}
    out: dict[str, list[str]] = {}
    for entry in draft.get("products", []):
        name = entry.get("product")
        versions = list(entry.get("versions") or [])
        if not versions and name in by_name:
            stored = by_name[name].versions
            published = [v for v, status in stored if status == "published"]
            versions = [(published or [v for v, _ in stored])[-1]]
        out.setdefault(name, []).extend(versions)
    return out


def refs(draft: Mapping[str, Any]) -> list[str]:
    """Every ``KEY@VERSION`` the draft's products give, in order."""
    return [f"{e['key']}@{v}" for e in draft.get("products", []) for v in e.get("versions") or []]


def status_of(vulnerability: Mapping[str, Any], ref: str) -> str:
    for category, listed in (vulnerability.get("product_status") or {}).items():
        if ref in listed:
            return str(category)
    return ""


def shown_products(
    vulnerability: Mapping[str, Any], remediation: Mapping[str, Any], known: list[str]
) -> str:
    """The remediation's "for which versions" field: empty when it is the default."""
    listed = list(remediation.get("products") or [])
    statuses = vulnerability.get("product_status") or {}
    affected = [r for c in AFFECTED for r in statuses.get(c, [])]
    if set(listed) == set(affected or known):
        return ""
    return " ".join(listed)


def _text(form: Mapping[str, str], name: str) -> str:
    return form.get(name, "").strip()


def _optional(form: Mapping[str, str], name: str) -> str | None:
    return _text(form, name) or None


def _products(form: Any, products: list[ProductChoice]) -> list[dict[str, Any]]:
    picked = set(form.getlist("version"))
    entries = []
    for product in products:
        versions = [v for v, _ in product.versions if f"{product.product_id}|{v}" in picked]
        extra = [v for v in _REFS.split(_text(form, f"extra_{product.product_id}")) if v]
        versions += [v for v in extra if v not in versions]
        if versions:
            entries.append({"key": product.key, "product": product.name, "versions": versions})
    return entries


def _vulnerability(form: Mapping[str, str], i: int, known: list[str]) -> dict[str, Any] | None:
    p = f"v{i}_"
    statuses: dict[str, list[str]] = {}
    for ref in known:
        category = _text(form, f"{p}status__{ref}")
        if category:
            statuses.setdefault(category, []).append(ref)
    texts = {
        name: _text(form, p + name)
        for name in ("title", "cve", "description", "cvss_v3", "cvss_v4", "discovered_by")
    }
    cwe_id, cwe_name = _text(form, f"{p}cwe_id"), _text(form, f"{p}cwe_name")
    threats = [
        {"category": category, "details": _text(form, f"{p}threat_{category}")}
        for category, _ in THREATS
        if _text(form, f"{p}threat_{category}")
    ]
    affected = [r for c in AFFECTED for r in statuses.get(c, [])]
    remediations = []
    for j in range(int(form.get(f"{p}remediation_rows", "0") or 0)):
        q = f"{p}r{j}_"
        details = _text(form, f"{q}details")
        if not details:
            continue
        listed = [r for r in _REFS.split(_text(form, f"{q}products")) if r]
        item: dict[str, Any] = {
            "category": _text(form, f"{q}category") or "vendor_fix",
            "details": details,
            # Empty: every affected version (every chosen one while no status is set, so a
            # draft keeps its remediation before the statuses are chosen).
            "products": listed or affected or known,
        }
        if url := _optional(form, f"{q}url"):
            item["url"] = url
        remediations.append(item)
    if not any(texts.values()) and not statuses and not remediations and not threats:
        return None
    out: dict[str, Any] = {
        "title": texts["title"],
        "description": texts["description"],
        "product_status": statuses,
        "remediations": remediations,
        "threats": threats,
    }
    for name in ("cve", "cvss_v3", "cvss_v4", "discovered_by"):
        if texts[name]:
            out[name] = texts[name]
    if cwe_id or cwe_name:
        out["cwe"] = {"id": cwe_id, "name": cwe_name}
    return out


def parse(
    form: Any, products: list[ProductChoice], history: list[Revision], now: str
) -> dict[str, Any]:
    """The advisory input the posted form describes (not validated yet); ``now`` dates the
    new revision until it is published (publishing dates it again)."""
    entries = _products(form, products)
    known = refs({"products": entries})
    vulnerabilities = [
        v
        for i in range(int(form.get("vulnerability_rows", "0") or 0))
        if (v := _vulnerability(form, i, known)) is not None
    ]
    notes = {name: _text(form, f"note_{name}") for name, _, _ in NOTE_FIELDS}
    publisher: dict[str, Any] = {
        "name": _text(form, "publisher_name"),
        "namespace": _text(form, "publisher_namespace"),
        "category": "vendor",
    }
    if contact := _optional(form, "publisher_contact"):
        publisher["contact_details"] = contact
    revisions: list[dict[str, Any]] = [
        r.model_dump(mode="json", exclude_none=True) for r in history
    ]
    if summary := _text(form, "revision_summary"):
        revisions.append(
            {
                "date": now,
                "summary": summary,
                "change": _text(form, "revision_change") or "minor",
            }
        )
    payload: dict[str, Any] = {
        "advisory_version": 1,
        "tracking_id": _text(form, "tracking_id"),
        "title": _text(form, "title"),
        "status": _text(form, "status") or "final",
        "tlp": _text(form, "tlp") or "WHITE",
        "lang": _text(form, "lang") or "en",
        "publisher": publisher,
        "products": entries,
        "notes": {k: v for k, v in notes.items() if v},
        "vulnerabilities": vulnerabilities,
        "revisions": revisions,
    }
    if canonical := _optional(form, "canonical_url"):
        payload["canonical_url"] = canonical
    return payload


@dataclass
class Parsed:
    payload: dict[str, Any]
    data: AdvisoryInput | None = None
    problems: list[str] = field(default_factory=list)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "advisory"


def validate(payload: dict[str, Any]) -> Parsed:
    try:
        return Parsed(payload, AdvisoryInput.model_validate(payload))
    except pydantic.ValidationError as e:
        problems = []
        for error in e.errors():
            loc = tuple(p for p in error["loc"] if isinstance(p, int | str))
            message = "required" if error["type"] == "missing" else error["msg"]
            problems.append(f"{_where(loc)}: {message}")
        return Parsed(payload, None, problems)
