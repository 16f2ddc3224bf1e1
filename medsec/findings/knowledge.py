"""What the service knows about vulnerabilities, loaded once per process and per change.

:func:`load` reads the vulnerability store (OSV records into an
:class:`~medsec.vulns.matcher.Index`, NVD CVEs for CPE matching, the KEV catalog).
:class:`Knowledge` also remembers, per distinct package (ecosystem, name, version, CPE),
what matched: a fleet of ten thousand devices over a few hundred SBOMs holds far fewer
distinct packages than component rows, and each is matched once.

:func:`fingerprint` is a cheap query whose answer changes whenever an import changes the
store (rows added or removed, a record updated: ``imported_at`` moves, a new KEV catalog);
the cache (:mod:`medsec.findings.cache`) compares it on every request, so an import by
``medsec vulns import`` in another process is seen on the next page view.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.sbom.model import Component
from medsec.vulns.cpe import parse_cpe
from medsec.vulns.errors import InvalidCpe
from medsec.vulns.findings import matches_of, package_of
from medsec.vulns.matcher import Index, Match
from medsec.vulns.models import KevEntryRow, VulnRecord
from medsec.vulns.packages import Package
from medsec.vulns.records import Record
from medsec.vulns.sources.kev import KevCatalog
from medsec.vulns.sources.nvd import NvdCve

Fingerprint = tuple[Any, ...]


@functools.lru_cache(maxsize=1 << 20)
def package_identity(
    purl: str | None, cpe: str | None, name: str, version: str | None
) -> Package | None:
    """:func:`~medsec.vulns.findings.package_of` of a component with these identifiers,
    remembered: parsing purls is most of the cost of a fleet re-match otherwise, and the
    same components are asked about on every re-match."""
    return package_of(
        Component(ref=None, type=None, name=name, version=version, purl=purl, cpe=cpe)
    )


@functools.lru_cache(maxsize=1 << 16)
def cpe_product(cpe: str) -> tuple[str, str] | None:
    """The (vendor, product) of a CPE 2.3 name, case-folded: the key NVD configurations
    are looked up by (None for a CPE that does not parse)."""
    try:
        parsed = parse_cpe(cpe)
    except InvalidCpe:
        return None
    return parsed.vendor.casefold(), parsed.product.casefold()


def fingerprint(session: Session) -> Fingerprint:
    """Changes whenever the vulnerability store does."""
    records = session.execute(
        select(
            func.count(VulnRecord.id),
            func.max(VulnRecord.id),
            func.max(VulnRecord.imported_at),
            func.max(VulnRecord.modified),
        )
    ).one()
    kev = session.execute(
        select(
            func.count(KevEntryRow.cve_id),
            func.max(KevEntryRow.catalog_version),
            func.max(KevEntryRow.date_added),
        )
    ).one()
    return (*records, *kev)


def kev_catalog(session: Session) -> KevCatalog | None:
    """The stored KEV catalog (None when none was imported)."""
    rows = session.scalars(select(KevEntryRow).order_by(KevEntryRow.cve_id)).all()
    if not rows:
        return None
    entries = [
        {
            "cveID": r.cve_id,
            "vendorProject": r.vendor_project,
            "product": r.product,
            "vulnerabilityName": r.vulnerability_name,
            "dateAdded": r.date_added.isoformat(),
            "shortDescription": "",
            "requiredAction": r.required_action,
            "dueDate": r.due_date.isoformat() if r.due_date else None,
            "knownRansomwareCampaignUse": r.known_ransomware_campaign_use,
        }
        for r in rows
    ]
    return KevCatalog.model_validate(
        {
            "catalogVersion": max(r.catalog_version for r in rows),
            "dateReleased": "1970-01-01T00:00:00Z",
            "count": len(entries),
            "vulnerabilities": entries,
        }
    )


@dataclass
class Knowledge:
    """The store as the matcher uses it, with the matches of every package asked so far."""

    fingerprint: Fingerprint
    index: Index
    cves: Sequence[NvdCve] = ()
    kev: KevCatalog | None = None
    summaries: dict[str, str] = field(default_factory=dict)
    _memo: dict[tuple[str | None, str, str | None, str | None], list[Match]] = field(
        default_factory=dict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def matches(self, package: Package | None) -> list[Match]:
        """The matches of ``package``, computed once per distinct package."""
        if package is None:
            return []
        key = (package.ecosystem, package.name, package.version, package.cpe)
        found = self._memo.get(key)
        if found is None:
            try:
                found = matches_of(self.index, self.cves, package)
            except InvalidCpe:
                # A component's CPE that does not parse must not fail the fleet: it is
                # matched by its purl alone.
                found = matches_of(self.index, self.cves, replace(package, cpe=None))
            with self._lock:
                self._memo[key] = found
        return found

    def matcher(self, component: Component) -> list[Match]:
        """:func:`medsec.vulns.findings.scan`'s ``matcher``."""
        return self.matches(
            package_identity(component.purl, component.cpe, component.name, component.version)
        )

    @property
    def distinct_packages(self) -> int:
        return len(self._memo)


def load(session: Session, stamp: Fingerprint | None = None) -> Knowledge:
    """Read the whole store (every non-withdrawn OSV record, every NVD CVE, KEV)."""
    stamp = stamp if stamp is not None else fingerprint(session)
    index = Index()
    summaries: dict[str, str] = {}
    cves: list[NvdCve] = []
    rows = session.execute(
        select(VulnRecord.source, VulnRecord.document).where(VulnRecord.withdrawn.is_(None))
    )
    for source, document in rows:
        if source == "osv":
            record = Record.model_validate(document)
            index.add(record)
            if record.summary:
                summaries[record.id] = record.summary
        elif source == "nvd":
            cves.append(NvdCve.model_validate(document))
    return Knowledge(stamp, index, tuple(cves), kev_catalog(session), summaries)
