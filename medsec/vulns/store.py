"""The vulnerability store in the service database: import sources, rebuild the index.

An import reads and validates the whole source first, then writes in the caller's
transaction (``Database.session()``): a bad record or an unsafe archive leaves the store
as it was. Re-importing is idempotent; a record with a newer ``modified`` replaces the
stored one; a withdrawn record is kept (for the audit trail) but never matches.

>>> from medsec.db.engine import Database
>>> from medsec.db import migrate
>>> import tempfile, pathlib, json
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> url = f"sqlite:///{d / 'm.db'}"
>>> migrate.upgrade(url)
>>> _ = (d / "r.json").write_text(json.dumps({"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z",
...     "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"}, "versions": ["1.0"]}]}))
>>> db = Database(url)
>>> with db.session() as s:
...     import_osv(s, list(read_records(d / "r.json")))
ImportResult(added=1, updated=0, unchanged=0, withdrawn=0)
>>> with db.session() as s:
...     import_osv(s, list(read_records(d / "r.json")))
ImportResult(added=0, updated=0, unchanged=1, withdrawn=0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from packageurl import PackageURL
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from medsec.db.base import utcnow
from medsec.errors import Error
from medsec.vulns.cpe import parse_cpe
from medsec.vulns.matcher import Index, package_key
from medsec.vulns.models import KevEntryRow, VulnAffected, VulnRecord
from medsec.vulns.records import Record
from medsec.vulns.sources.csaf import CsafAdvisory, CsafProduct, parse_advisory
from medsec.vulns.sources.kev import KevCatalog
from medsec.vulns.sources.nvd import NvdCve
from medsec.vulns.sources.osv import read_records

__all__ = [
    "ImportResult",
    "csaf_keys",
    "import_csaf",
    "import_kev",
    "import_nvd",
    "import_osv",
    "load_csaf",
    "load_index",
    "read_records",
]


@dataclass(frozen=True)
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Records (new or updated) that are withdrawn.
    withdrawn: int = 0


def _existing(session: Session, source: str) -> dict[str, VulnRecord]:
    rows = session.scalars(select(VulnRecord).where(VulnRecord.source == source))
    return {r.record_id: r for r in rows}


def import_osv(session: Session, records: Sequence[Record]) -> ImportResult:
    """Store ``records`` (already read and validated in full)."""
    existing = _existing(session, "osv")
    added = updated = unchanged = withdrawn = 0
    latest: dict[str, Record] = {}
    for r in records:  # a source listing one id twice: keep the newest
        if r.id not in latest or r.modified > latest[r.id].modified:
            latest[r.id] = r
    for record in latest.values():
        row = existing.get(record.id)
        if row is not None and record.modified <= row.modified:
            unchanged += 1
            continue
        document = record.model_dump(mode="json", exclude_none=True)
        if row is None:
            row = VulnRecord(source="osv", record_id=record.id)
            session.add(row)
            added += 1
        else:
            row.affected.clear()
            row.imported_at = utcnow()  # the findings cache notices updates by this
            updated += 1
        row.modified = record.modified
        row.withdrawn = record.withdrawn
        row.aliases = list(record.aliases)
        row.document = document
        withdrawn += record.is_withdrawn
        for i, affected in enumerate(record.affected):
            if affected.package is not None:
                eco, name = package_key(affected.package.ecosystem, affected.package.name)
                row.affected.append(VulnAffected(ecosystem=eco, name_key=name, affected_index=i))
    session.flush()
    return ImportResult(added, updated, unchanged, withdrawn)


def import_nvd(session: Session, cves: Sequence[NvdCve]) -> ImportResult:
    """Store NVD CVEs (for CPE matching); ``lastModified`` decides updates."""
    existing = _existing(session, "nvd")
    added = updated = unchanged = withdrawn = 0
    for cve in cves:
        row = existing.get(cve.id)
        modified = cve.last_modified or cve.published
        if modified is None:
            modified = datetime(1970, 1, 1, tzinfo=UTC)
        if modified.tzinfo is None:
            modified = modified.replace(tzinfo=UTC)  # NVD timestamps are UTC without offset
        if row is not None and modified <= row.modified:
            unchanged += 1
            continue
        if row is None:
            row = VulnRecord(source="nvd", record_id=cve.id, aliases=[])
            session.add(row)
            existing[cve.id] = row
            added += 1
        else:
            row.imported_at = utcnow()
            updated += 1
        row.modified = modified
        row.withdrawn = modified if cve.is_withdrawn else None
        row.document = cve.model_dump(mode="json", by_alias=True, exclude_none=True)
        withdrawn += cve.is_withdrawn
    session.flush()
    return ImportResult(added, updated, unchanged, withdrawn)


def import_kev(session: Session, catalog: KevCatalog) -> ImportResult:
    """Replace the stored KEV catalog with ``catalog`` (entries absent from it are removed)."""
    existing = {r.cve_id: r for r in session.scalars(select(KevEntryRow))}
    added = updated = 0
    for e in catalog.vulnerabilities:
        row = existing.pop(e.cve_id, None)
        values = {
            "vendor_project": e.vendor_project,
            "product": e.product,
            "vulnerability_name": e.vulnerability_name,
            "date_added": e.date_added,
            "due_date": e.due_date,
            "required_action": e.required_action,
            "known_ransomware_campaign_use": e.known_ransomware_campaign_use,
            "catalog_version": catalog.catalog_version,
        }
        if row is None:
            session.add(KevEntryRow(cve_id=e.cve_id, **values))
            added += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            updated += 1
    if existing:
        session.execute(delete(KevEntryRow).where(KevEntryRow.cve_id.in_(list(existing))))
    session.flush()
    unchanged = len(catalog.vulnerabilities) - added - updated
    return ImportResult(added, updated, unchanged, 0)


def csaf_keys(product: CsafProduct) -> list[tuple[str, str]]:
    """The ``vuln_affected`` keys a CSAF product is found under: its purl (``purl:<type>``,
    ``namespace/name``), its CPE (``cpe``, ``vendor:product``) and its vendor and product
    name (``csaf-name``, ``vendor/product``, lower-cased and single-spaced)."""
    keys: list[tuple[str, str]] = []
    if product.purl:
        try:
            purl = PackageURL.from_string(product.purl)
            name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
            keys.append((f"purl:{purl.type}", name.casefold()))
        except ValueError:
            pass  # CSAF test 6.1.13 reports it; the product still matches by name
    if product.cpe:
        try:
            cpe = parse_cpe(product.cpe)
            keys.append(("cpe", f"{cpe.vendor}:{cpe.product}".casefold()))
        except Error:
            pass
    if product.vendor and product.product_name:
        vendor = " ".join(product.vendor.casefold().split())
        name = " ".join(product.product_name.casefold().split())
        keys.append(("csaf-name", f"{vendor}/{name}"))
    return keys


def import_csaf(session: Session, advisories: Sequence[CsafAdvisory]) -> ImportResult:
    """Store CSAF advisories (already read and validated in full), one record each, keyed
    by publisher namespace and tracking id; a newer ``current_release_date`` replaces the
    stored record, the same or an older one leaves it (re-import is idempotent)."""
    ids = {a.record_id for a in advisories}
    existing = {
        r.record_id: r
        for r in session.scalars(
            select(VulnRecord).where(VulnRecord.source == "csaf", VulnRecord.record_id.in_(ids))
        )
    } if ids else {}  # fmt: skip
    latest: dict[str, CsafAdvisory] = {}
    for a in advisories:
        if a.record_id not in latest or a.modified > latest[a.record_id].modified:
            latest[a.record_id] = a
    added = updated = unchanged = 0
    for advisory in latest.values():
        row = existing.get(advisory.record_id)
        if row is not None and advisory.modified <= _aware(row.modified):
            unchanged += 1
            continue
        if row is None:
            row = VulnRecord(source="csaf", record_id=advisory.record_id)
            session.add(row)
            added += 1
        else:
            row.affected.clear()
            updated += 1
        row.modified = advisory.modified
        row.withdrawn = None
        row.aliases = list(advisory.cves)
        row.document = dict(advisory.document)
        seen: set[tuple[str, str]] = set()
        for i, product_id in enumerate(sorted(advisory.products)):
            for key in csaf_keys(advisory.products[product_id]):
                if key not in seen:
                    seen.add(key)
                    row.affected.append(
                        VulnAffected(ecosystem=key[0], name_key=key[1][:400], affected_index=i)
                    )
    session.flush()
    return ImportResult(added, updated, unchanged, 0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_csaf(session: Session) -> list[CsafAdvisory]:
    """Every stored CSAF advisory, parsed again from the stored document."""
    rows = session.execute(
        select(VulnRecord.record_id, VulnRecord.document).where(VulnRecord.source == "csaf")
    )
    return [parse_advisory(document, record_id) for record_id, document in rows]


def load_index(session: Session) -> Index:
    """An :class:`Index` of every stored, non-withdrawn OSV record."""
    index = Index()
    rows = session.scalars(
        select(VulnRecord.document).where(
            VulnRecord.source == "osv", VulnRecord.withdrawn.is_(None)
        )
    )
    for document in rows:
        index.add(Record.model_validate(document))
    return index
