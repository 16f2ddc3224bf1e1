"""The manufacturer's priority stated in its CSAF advisories, for a hospital's devices
(the ``manufacturer priority`` factor of :mod:`medsec.vulns.priority`, with
:mod:`medsec.findings.context`'s update releases).

**Which advisories**: the CSAF advisories of the vulnerability store (received through a
subscription, :mod:`medsec.advisories.consumer`, or imported with ``medsec vulns import
csaf``) and the advisories published on this instance that the hospital was told about
(the latest revision it was told of, :mod:`medsec.advisories.publishing`) — those whose
publisher is the manufacturer (``document.publisher.category`` ``vendor``: a
coordinator's or a researcher's severity is not the manufacturer's priority). The same
advisory from both places counts once (the later ``current_release_date``).

**Which devices**: those an advisory's products concern, matched as the CSAF consumer
matches them (:class:`~medsec.advisories.consumer.matching.InventoryIndex`: the purl or
CPE of the device's linked profile, else its vendor, model and firmware), for a status
that concerns the device (affected, under investigation).

**Which priority**, for one vulnerability of the advisory and the device's product, the
first of:

1. a ``threats`` entry of category ``impact`` for that product whose ``details`` are, or
   begin with, a level — ``Critical``, ``High`` or ``Important``, ``Medium`` or
   ``Moderate``, ``Low`` (case-blind; the highest when several);
2. the document's ``aggregate_severity.text``, read the same way.

The advisory's CVSS ``scores`` are not read here: they are severity, which the CVSS
factor counts already. The priority applies to the vulnerability's id and its aliases;
the factor names the advisory (``advisory NW-2026-01 version 2 of Northwind: impact
threat "High"``).

>>> doc = {"document": {"aggregate_severity": {"text": "Moderate"}},
...        "vulnerabilities": [{"threats": [
...            {"category": "impact", "details": "High: the pump stops", "product_ids": ["P"]}]}]}
>>> stated_level(doc, 0, "P")
(<Level.HIGH: 'high'>, 'impact threat "High: the pump stops"')
>>> stated_level(doc, 0, "Q")
(<Level.MEDIUM: 'medium'>, 'aggregate severity "Moderate"')
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.advisories.consumer.matching import InventoryIndex
from medsec.advisories.publishing.models import AdvisoryRecipient, AdvisoryRevision
from medsec.errors import Error
from medsec.findings.context import Priorities, keep_highest, level_of
from medsec.vulns.models import VulnRecord
from medsec.vulns.priority import Level, Stated
from medsec.vulns.sources.csaf import CsafAdvisory, parse_advisory
from medsec.vulns.store import load_csaf

_FIRST_WORD = re.compile(r"[A-Za-z]+")


def _level_in(text: object) -> Level | None:
    """The level a text is, or begins with (``High: the pump stops`` is high)."""
    if not isinstance(text, str):
        return None
    level = level_of(text)
    if level is None and (word := _FIRST_WORD.match(text.strip())):
        level = level_of(word.group())
    return level


def _group_members(document: Mapping[str, Any]) -> dict[str, list[str]]:
    tree = document.get("product_tree")
    groups = tree.get("product_groups") if isinstance(tree, dict) else None
    found: dict[str, list[str]] = {}
    for g in groups if isinstance(groups, list) else ():
        if isinstance(g, dict) and isinstance(g.get("product_ids"), list):
            found[str(g.get("group_id"))] = [str(p) for p in g["product_ids"]]
    return found


def _products_of(entry: Mapping[str, Any], groups: Mapping[str, list[str]]) -> set[str]:
    ids = {str(p) for p in entry.get("product_ids") or ()}
    for g in entry.get("group_ids") or ():
        ids.update(groups.get(str(g), ()))
    return ids


def stated_level(
    document: Mapping[str, Any], vulnerability: int, product_id: str
) -> tuple[Level, str] | None:
    """The priority the advisory ``document`` states for its ``vulnerability``-th
    vulnerability on ``product_id``, and what said so (see the module's rule)."""
    vulns = document.get("vulnerabilities")
    raw = vulns[vulnerability] if isinstance(vulns, list) and len(vulns) > vulnerability else {}
    threats = raw.get("threats") if isinstance(raw, dict) else None
    groups = _group_members(document)
    best: tuple[Level, str] | None = None
    for t in threats if isinstance(threats, list) else ():
        if not isinstance(t, dict) or t.get("category") != "impact":
            continue
        if product_id not in _products_of(t, groups):
            continue
        level = _level_in(t.get("details"))
        if level is not None and (best is None or best[0].rank < level.rank):
            best = (level, f"impact threat {json.dumps(t['details'], ensure_ascii=False)}")
    if best is not None:
        return best
    meta = document.get("document")
    aggregate = meta.get("aggregate_severity") if isinstance(meta, dict) else None
    text = aggregate.get("text") if isinstance(aggregate, dict) else None
    level = _level_in(text)
    if level is None:
        return None
    return level, f"aggregate severity {json.dumps(text, ensure_ascii=False)}"


def _by_manufacturer(advisory: CsafAdvisory) -> bool:
    publisher = advisory.document.get("document", {}).get("publisher", {})
    return isinstance(publisher, dict) and publisher.get("category") == "vendor"


def published_to(session: Session, organization_id: int) -> list[CsafAdvisory]:
    """The advisories published on this instance that the organization was told about:
    of each, the latest revision it was told of."""
    latest = (
        select(func.max(AdvisoryRevision.id))
        .join(AdvisoryRecipient, AdvisoryRecipient.revision_id == AdvisoryRevision.id)
        .where(AdvisoryRecipient.organization_id == organization_id)
        .group_by(AdvisoryRevision.advisory_id)
    )
    rows = session.execute(
        select(AdvisoryRevision.id, AdvisoryRevision.document).where(
            AdvisoryRevision.id.in_(latest)
        )
    )
    found = []
    for revision_id, text in rows:
        try:
            found.append(parse_advisory(json.loads(text), f"advisory revision {revision_id}"))
        except (Error, ValueError):
            continue  # published by this instance, so valid; an old format is skipped
    return found


def advisories(session: Session, organization_id: int) -> list[CsafAdvisory]:
    """The manufacturers' advisories that count for the organization (see above)."""
    latest: dict[str, CsafAdvisory] = {}
    for a in [*load_csaf(session), *published_to(session, organization_id)]:
        if not _by_manufacturer(a):
            continue
        kept = latest.get(a.record_id)
        if kept is None or kept.modified < a.modified:
            latest[a.record_id] = a
    return sorted(latest.values(), key=lambda a: a.record_id)


def by_asset(session: Session, organization_id: int) -> dict[int, Priorities]:
    """By asset id: the manufacturer's priority of each vulnerability id (and alias) its
    advisories state for the asset's product (assets without any are absent)."""
    found: dict[int, dict[str, Stated]] = {}
    wanted = advisories(session, organization_id)
    if not wanted:
        return {}
    index = InventoryIndex.load(session, organization_id)
    for advisory in wanted:
        position = {v.id: (n, v) for n, v in enumerate(advisory.vulnerabilities)}
        for hit in index.match(advisory):
            n, v = position[hit.vulnerability]
            level = stated_level(advisory.document, n, hit.product.product_id)
            if level is None:
                continue
            source = (
                f"advisory {advisory.tracking_id} version {advisory.version} of "
                f"{advisory.publisher}: {level[1]}"
            )
            stated = Stated(level[0], source)
            by_id = found.setdefault(hit.device.asset_id, {})
            for vulnerability in (v.id, *v.aliases):
                keep_highest(by_id, vulnerability, stated)
    return {a: Priorities(v) for a, v in found.items() if v}


def fingerprint(session: Session, organization_id: int) -> tuple[object, ...]:
    """Changes when a CSAF advisory is stored or updated, or the organization is told of
    a published revision."""
    stored = session.execute(
        select(
            func.count(VulnRecord.id),
            func.max(VulnRecord.id),
            func.max(VulnRecord.imported_at),
            func.max(VulnRecord.modified),
        ).where(VulnRecord.source == "csaf")
    ).one()
    told = session.execute(
        select(func.count(AdvisoryRecipient.id), func.max(AdvisoryRecipient.id)).where(
            AdvisoryRecipient.organization_id == organization_id
        )
    ).one()
    return (*stored, *told)
