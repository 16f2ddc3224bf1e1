"""One fetch of one subscription: list the provider's documents, then for each document
download (conditional GET) → hash → signature (pinned key) → read → mandatory tests →
import into the vulnerability store → match to the inventory → notify new matches.

The network and the authenticity checks come first, with nothing written: documents are
taken in batches of :data:`WRITE_BATCH`, downloaded (in threads) and their hash and
signature checked; then the batch is written — read, tested, imported, matched,
quarantined — in one short transaction that the fetch commits, while the next batch
downloads. So no database write lock is held while a provider answers (SQLite has one
writer for the whole instance). The fetch commits what its session held before, too.

A document that fails a check is quarantined (with the reason, and the findings for a
failed mandatory test) and never imported; the rest of the fetch goes on. A quarantined
document is downloaded again at the next fetch (its validators are not kept), so a
transient tampering in transit heals; the same bytes are not quarantined twice.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pysequoia
from sqlalchemy import update
from sqlalchemy.orm import Session

from medsec.accounts.roles import Permission
from medsec.advisories.consumer.discovery import DocumentRef, list_documents, read_metadata
from medsec.advisories.consumer.download import Downloader, DownloadError, Fetched
from medsec.advisories.consumer.integrity import (
    ALGORITHMS,
    Reason,
    Tampered,
    check_hash,
    check_signature,
)
from medsec.advisories.consumer.matching import Found, InventoryIndex
from medsec.advisories.consumer.models import (
    AdvisoryMatch,
    CsafQuarantine,
    CsafReceived,
    CsafSubscription,
)
from medsec.advisories.document import parse_csaf_text
from medsec.advisories.explain import explain
from medsec.advisories.interfaces import CsafValidator, Preset
from medsec.advisories.signing.openpgp import load_certificate
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Error
from medsec.notifications.services import notify
from medsec.vulns.sources.csaf import CsafAdvisory, parse_advisory
from medsec.vulns.store import import_csaf

#: The topic of the notification sent when an advisory newly concerns devices.
MATCH_TOPIC = "advisory-match"
#: Downloads in flight at once (per fetch): enough to hide the network's latency behind
#: the checks, few enough not to hammer a provider.
DOWNLOAD_THREADS = 4
#: Advisories written to the vulnerability store per query.
STORE_BATCH = 200
#: Documents downloaded and checked before each write transaction.
WRITE_BATCH = 32


class Status(enum.StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"
    QUARANTINED = "quarantined"
    RELEASED = "released"
    #: Could not be downloaded this time (the provider is asked again next time).
    FAILED = "failed"


@dataclass(frozen=True)
class DocumentOutcome:
    url: str
    status: Status
    tracking_id: str | None = None
    reason: str | None = None
    detail: str | None = None
    new_matches: int = 0

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, enum.Enum) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class FetchReport:
    subscription_id: int
    documents: tuple[DocumentOutcome, ...] = ()
    #: Distributions that could not be read (the others were).
    problems: tuple[str, ...] = ()
    #: Why nothing could be fetched (the provider metadata could not be read).
    error: str | None = None
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "subscriptionId": self.subscription_id,
            "error": self.error,
            "problems": list(self.problems),
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "documents": [d.to_json() for d in self.documents],
        }


@dataclass
class Fetcher:
    """The parts a fetch needs; one per fetch (it caches the inventory index)."""

    session: Session
    downloader: Downloader
    validator: CsafValidator
    context: Context
    #: Called after each document (progress bars).
    progress: Callable[[DocumentOutcome], None] | None = None
    _indexes: dict[int, InventoryIndex] = field(default_factory=dict)
    #: Advisories checked and matched, written to the store in batches (one query each).
    _to_store: list[CsafAdvisory] = field(default_factory=list)

    def index(self, organization_id: int) -> InventoryIndex:
        if organization_id not in self._indexes:
            self._indexes[organization_id] = InventoryIndex.load(self.session, organization_id)
        return self._indexes[organization_id]

    # -- one subscription ---------------------------------------------------------------
    def fetch(self, subscription: CsafSubscription) -> FetchReport:
        started = time.perf_counter()
        self.session.commit()  # no write of the caller's is held while the provider answers
        try:
            provider = read_metadata(self.downloader, subscription.metadata_url, "url")
            refs, problems = list_documents(self.downloader, provider)
        except Error as e:
            report = FetchReport(subscription.id, error=e.message, seconds=0.0)
            self._finish(subscription, report, started)
            return report
        pinned = load_certificate(subscription.public_key.encode(), "the pinned key")
        states = {r.url: r for r in subscription.documents}
        validators = {url: (r.etag, r.last_modified) for url, r in states.items()}
        outcomes = []
        # Downloads (document, hash, signature) run in threads, a batch ahead; the
        # authenticity checks follow with nothing written; then the batch is read,
        # tested, imported and matched here, in order, in one transaction.
        with ThreadPoolExecutor(DOWNLOAD_THREADS, thread_name_prefix="csaf-download") as pool:

            def submit(batch: list[DocumentRef]) -> list[tuple[DocumentRef, Future[Downloaded]]]:
                return [
                    (
                        ref,
                        pool.submit(
                            download, self.downloader, ref, *validators.get(ref.url, (None, None))
                        ),
                    )
                    for ref in batch
                ]

            batches = (refs[i : i + WRITE_BATCH] for i in range(0, len(refs), WRITE_BATCH))
            pending = submit(next(batches, []))
            while pending:
                checked = [
                    (ref, got, verified(ref, states.get(ref.url), pinned, got))
                    for ref, got in ((ref, future.result()) for ref, future in pending)
                ]
                pending = submit(next(batches, []))  # downloads while this batch is written
                for ref, got, tampered in checked:
                    outcome = self.document(subscription, ref, states.get(ref.url), got, tampered)
                    outcomes.append(outcome)
                    if self.progress:
                        self.progress(outcome)
                self.store()
                self.session.commit()
        report = FetchReport(subscription.id, tuple(outcomes), tuple(problems))
        return self._finish(subscription, report, started)

    def _finish(
        self, subscription: CsafSubscription, report: FetchReport, started: float
    ) -> FetchReport:
        counts: dict[str, int] = {s.value: 0 for s in Status}
        for d in report.documents:
            counts[d.status.value] += 1
        counts["newMatches"] = sum(d.new_matches for d in report.documents)
        report = FetchReport(
            report.subscription_id, report.documents, report.problems, report.error,
            time.perf_counter() - started, counts,
        )  # fmt: skip
        subscription.last_fetch_at = utcnow()
        subscription.last_fetch_status = "failed" if report.error else "ok"
        subscription.last_error = report.error or ("; ".join(report.problems) or None)
        record(
            self.session,
            Tag.CSAF_SUBSCRIPTION_FETCHED,
            self.context,
            target=f"csaf-subscription:{subscription.id}",
            organization_id=subscription.organization_id,
            details={"counts": counts, "error": report.error, "problems": list(report.problems)},
        )
        self.session.flush()
        return report

    # -- one document -------------------------------------------------------------------
    def document(
        self,
        subscription: CsafSubscription,
        ref: DocumentRef,
        state: CsafReceived | None,
        got: Downloaded,
        tampered: Tampered | None,
    ) -> DocumentOutcome:
        """Write what one downloaded document means; ``tampered``: why its hash or
        signature failed (:func:`verified`, checked before the write)."""
        fetched = got.document
        if fetched is None:
            return DocumentOutcome(ref.url, Status.FAILED, detail=got.error)
        if fetched.not_modified and state is not None:
            return DocumentOutcome(ref.url, Status.UNCHANGED, state.tracking_id)
        data = fetched.content
        sha256 = hashlib.sha256(data).hexdigest()
        if state is not None and state.sha256 == sha256:
            if state.status == Status.QUARANTINED:
                return DocumentOutcome(
                    ref.url, Status.UNCHANGED, state.tracking_id, detail="still quarantined"
                )
            state.etag, state.last_modified = fetched.etag, fetched.last_modified
            return DocumentOutcome(ref.url, Status.UNCHANGED, state.tracking_id)
        if state is None:
            state = CsafReceived(subscription_id=subscription.id, url=ref.url, status="new")
            self.session.add(state)
            subscription.documents.append(state)
        state.sha256, state.changed_at = sha256, utcnow()
        if tampered is not None:
            return self.quarantine(subscription, state, data, tampered.reason, tampered.message)
        try:
            document = parse_csaf_text(data.decode("utf-8").removeprefix("\ufeff"), ref.url)
        except UnicodeDecodeError as e:
            detail = f"{ref.url}: not UTF-8 text (byte {e.start})"
            return self.quarantine(subscription, state, data, Reason.UNREADABLE, detail)
        except Error as e:
            return self.quarantine(subscription, state, data, Reason.UNREADABLE, e.diagnostics())
        meta = document.get("document")
        tracking = meta.get("tracking") if isinstance(meta, dict) else None
        if isinstance(tracking, dict):
            state.tracking_id = str(tracking.get("id", ""))[:200] or None
            state.document_version = str(tracking.get("version", ""))[:40] or None
        result = self.validator.validate(document, file=ref.url, preset=Preset.MANDATORY)
        if result.errors:
            findings = [{**f.to_json(), "explanation": explain(f, document)} for f in result.errors]
            detail = f"{len(result.errors)} mandatory test(s) failed: " + ", ".join(
                sorted({f.test_id for f in result.errors})
            )
            return self.quarantine(
                subscription, state, data, Reason.MANDATORY_TESTS, detail, findings
            )
        try:
            advisory = parse_advisory(document, ref.url)
        except Error as e:
            return self.quarantine(subscription, state, data, Reason.UNREADABLE, e.diagnostics())
        new = self.import_and_match(subscription.organization_id, advisory)
        state.etag, state.last_modified = fetched.etag, fetched.last_modified
        state.status = Status.IMPORTED
        self.session.execute(
            update(CsafQuarantine)
            .where(
                CsafQuarantine.subscription_id == subscription.id,
                CsafQuarantine.url == ref.url,
                CsafQuarantine.released_at.is_(None),
                CsafQuarantine.superseded_at.is_(None),
            )
            .values(superseded_at=utcnow())
        )
        return DocumentOutcome(ref.url, Status.IMPORTED, advisory.tracking_id, new_matches=new)

    def quarantine(
        self,
        subscription: CsafSubscription,
        state: CsafReceived,
        data: bytes,
        reason: Reason,
        detail: str,
        findings: list[dict[str, Any]] | None = None,
    ) -> DocumentOutcome:
        state.status = Status.QUARANTINED
        state.etag = state.last_modified = None  # download again next time
        row = CsafQuarantine(
            organization_id=subscription.organization_id,
            subscription_id=subscription.id,
            url=state.url,
            reason=reason.value,
            detail=detail,
            findings=findings or [],
            sha256=state.sha256 or hashlib.sha256(data).hexdigest(),
            content=data.decode("utf-8", "replace"),
            tracking_id=state.tracking_id,
        )
        self.session.add(row)
        self.session.flush()
        record(
            self.session,
            Tag.CSAF_DOCUMENT_QUARANTINED,
            self.context,
            target=f"csaf-quarantine:{row.id}",
            organization_id=subscription.organization_id,
            details={"url": state.url, "reason": reason.value, "detail": detail[:500]},
        )
        return DocumentOutcome(state.url, Status.QUARANTINED, row.tracking_id, reason.value, detail)

    # -- import and match ---------------------------------------------------------------
    def import_and_match(self, organization_id: int, advisory: CsafAdvisory) -> int:
        """Match now (the notification names the new matches); store in a batch."""
        self._to_store.append(advisory)
        if len(self._to_store) >= STORE_BATCH:
            self.store()
        found = self.index(organization_id).match(advisory)
        return len(record_matches(self.session, organization_id, advisory, found))

    def store(self) -> None:
        if self._to_store:
            import_csaf(self.session, self._to_store)
            self._to_store.clear()


@dataclass(frozen=True)
class Downloaded:
    """What was downloaded for one document (in a download thread)."""

    document: Fetched | None
    error: str | None = None
    #: (algorithm, text of the hash file): the first of SHA-512, SHA-256 the provider serves.
    hash_file: tuple[str, str] | None = None
    signature: bytes | None = None
    signature_error: str | None = None


def download(
    downloader: Downloader, ref: DocumentRef, etag: str | None, last_modified: str | None
) -> Downloaded:
    """The document (conditional GET) and, when it changed, its hash file and signature."""
    try:
        fetched = downloader.get(ref.url, etag=etag, last_modified=last_modified)
    except DownloadError as e:
        return Downloaded(None, e.message)
    if fetched.not_modified:
        return Downloaded(fetched)
    hash_file = None
    for algorithm, url in sorted(ref.hashes, key=lambda h: h[0] != "sha512"):
        if algorithm in ALGORITHMS:
            try:
                hash_file = (algorithm, downloader.text(url))
                break
            except DownloadError:
                continue  # the signature still proves integrity
    if ref.signature is None:
        return Downloaded(fetched, hash_file=hash_file, signature_error="no signature is listed")
    try:
        signature = downloader.get(ref.signature).content
    except DownloadError as e:
        return Downloaded(fetched, hash_file=hash_file, signature_error=e.message)
    return Downloaded(fetched, hash_file=hash_file, signature=signature)


def verified(
    ref: DocumentRef, state: CsafReceived | None, pinned: pysequoia.Cert, got: Downloaded
) -> Tampered | None:
    """Why a changed document is not authentic (None when it is, or has not changed):
    :func:`authentic`, before anything is written."""
    fetched = got.document
    if fetched is None or fetched.not_modified:
        return None
    if state is not None and state.sha256 == hashlib.sha256(fetched.content).hexdigest():
        return None
    try:
        authentic(ref, fetched.content, pinned, got)
    except Tampered as e:
        return e
    return None


def authentic(ref: DocumentRef, data: bytes, pinned: pysequoia.Cert, got: Downloaded) -> None:
    """Hash file first, then the signature against the pinned key; :class:`Tampered` else."""
    if got.hash_file is not None:
        check_hash(data, got.hash_file[1], got.hash_file[0], ref.url)
    if got.signature is None:
        raise Tampered(Reason.SIGNATURE_MISSING, f"{ref.url}: {got.signature_error}")
    check_signature(data, got.signature, pinned, ref.url)


def import_and_match(
    session: Session, index: InventoryIndex, organization_id: int, advisory: CsafAdvisory
) -> int:
    """Store the advisory and record its matches; the number of new matches."""
    import_csaf(session, [advisory])
    return len(record_matches(session, organization_id, advisory, index.match(advisory)))


def record_matches(
    session: Session, organization_id: int, advisory: CsafAdvisory, found: list[Found]
) -> list[AdvisoryMatch]:
    """Keep the advisory's matches of the organization current; notify the new ones.

    A match the advisory no longer makes (a new revision lists the product as fixed) is
    removed; the matches still made are refreshed."""
    existing = {
        (m.asset_id, m.vulnerability, m.product_id): m
        for m in session.query(AdvisoryMatch).filter_by(
            organization_id=organization_id, record_id=advisory.record_id
        )
    }
    now = utcnow()
    new: list[AdvisoryMatch] = []
    for f in found:
        key = (f.device.asset_id, f.vulnerability, f.product.product_id)
        row = existing.pop(key, None)
        if row is None:
            row = AdvisoryMatch(
                organization_id=organization_id,
                asset_id=f.device.asset_id,
                record_id=advisory.record_id,
                vulnerability=f.vulnerability,
                product_id=f.product.product_id,
                first_seen=now,
            )
            session.add(row)
            new.append(row)
        row.tracking_id = advisory.tracking_id
        row.product_name = f.product.name[:400]
        row.status, row.confidence, row.matched_on = f.status, f.confidence, f.matched_on[:400]
        row.base_score, row.remediation, row.last_seen = f.base_score, f.remediation, now
    for gone in existing.values():
        session.delete(gone)
    session.flush()
    if new:
        devices = {f.device.asset_id: f.device for f in found}
        lines = [
            f"- {devices[m.asset_id].vendor} {devices[m.asset_id].model} "
            f"(serial {devices[m.asset_id].serial}): {m.vulnerability}, {m.status}, "
            f"{m.confidence} match"
            for m in new[:25]
        ]
        if len(new) > 25:
            lines.append(f"… and {len(new) - 25} more")
        notify(
            session,
            organization_id,
            Permission.INVENTORY_READ,
            MATCH_TOPIC,
            f"csaf:{advisory.tracking_id}"[:80],
            f"{advisory.tracking_id}: {advisory.title} concerns "
            f"{len({m.asset_id for m in new})} device(s) of your inventory",
            "\n".join(lines),
        )
    return new
