"""The hospital side: fetch a subscription's feed, verify it, store what is new.

Order of checks (nothing is stored before its check passes):

1. the index is fetched (with the ETag of the last complete fetch: ``304`` ends here)
   and its detached signature verified with the **pinned** certificate; a bad signature
   stores nothing and marks the subscription ``failed``;
2. each entry's URL must be on the feed's origin; the document is fetched and its size
   and SHA-256 compared with the index — a mismatch is **quarantined** with the reason
   and the document is dropped;
3. the document is read as what the entry says (a profile that validates and names the
   entry's product and version, an SBOM, a VEX document); a failure is quarantined too;
4. a profile becomes a published version of the product under the feed's publisher
   organization on this instance (created on the first fetch), held by the subscribing
   organization; it is compared with the previous received version; matching devices of
   the organization are counted and unlinked ones on that firmware linked; staff who
   read the inventory are notified. An SBOM or VEX attaches to its version.

Steps 1 and 2 are the network's (:mod:`medsec.feeds.download`) and only read the
database; steps 3 and 4 write what was downloaded in **one short transaction**, so no
write lock is held while a server answers (SQLite has one writer for the whole
instance). Each document is stored in a savepoint: one that fails is quarantined and
leaves nothing behind. Documents are written in batches of at most
:data:`BATCH_BYTES` downloaded bytes, each batch its own transaction.

A quarantined entry is tried again on the next fetch (the ETag is kept only when every
entry was stored), so a publisher that fixes its server needs no action here. Network
failures of single entries leave them for the next fetch as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts import services as accounts
from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Permission
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Error
from medsec.feeds.advisories import AdvisoryLeg, AdvisoryReport, follow
from medsec.feeds.download import (
    Downloaded,
    Quarantined,
    VerifiedIndex,
    download,
    verified_index,
)
from medsec.feeds.index import KIND_ORDER, FeedEntryDoc, FeedIndex, Kind
from medsec.feeds.interfaces import Transport
from medsec.feeds.models import FeedEntry, FeedSubscription
from medsec.findings import vex as findings_vex
from medsec.inventory import matching
from medsec.inventory.fields import EventKind
from medsec.inventory.models import Asset, AssetEvent
from medsec.notifications.services import notify
from medsec.products import services as products
from medsec.products.models import Holding, Product, ProfileVersion
from medsec.profiles.diff import diff_profiles
from medsec.profiles.lint import lint
from medsec.sbom import importing as sbom_importing
from medsec.sbom import services as sboms

EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
#: Downloaded bytes written per transaction (a first fetch of a large feed is written in
#: several, each complete; the ETag is kept by the last).
BATCH_BYTES = 64 * 1024 * 1024
#: Changes listed in a notification's text (the page lists them all).
NOTIFIED_CHANGES = 15


@dataclass
class FetchReport:
    subscription_id: int
    status: str = "ok"
    stored: list[str] = field(default_factory=list)
    unchanged: int = 0
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: The advisory leg (the feed's CSAF provider), None when not followed.
    advisories: AdvisoryReport | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "subscription_id": self.subscription_id,
            "status": self.status,
            "stored": self.stored,
            "unchanged": self.unchanged,
            "quarantined": [{"entry": k, "reason": r} for k, r in self.quarantined],
            "errors": self.errors,
            "advisories": self.advisories.to_json() if self.advisories else None,
        }


def publisher_organization(
    session: Session, subscription: FeedSubscription, index: FeedIndex, context: Context
) -> Organization:
    """The local organization holding the feed's products (shared by every subscription
    pinned to the same key)."""
    if subscription.publisher_organization_id is not None:
        found = session.get(Organization, subscription.publisher_organization_id)
        if found is not None:
            return found
    other = session.execute(
        select(FeedSubscription.publisher_organization_id)
        .where(
            FeedSubscription.fingerprint == subscription.fingerprint,
            FeedSubscription.publisher_organization_id.is_not(None),
        )
        .limit(1)
    ).scalar_one_or_none()
    organization = session.get(Organization, other) if other is not None else None
    if organization is None:
        name = index.publisher.name
        if session.execute(select(Organization.id).where(Organization.name == name)).first():
            name = f"{name[:170]} (feed {subscription.fingerprint[:8]})"
        organization = accounts.create_organization(
            session, name, OrganizationKind.MANUFACTURER, context
        )
    subscription.publisher_organization_id = organization.id
    return organization


def _version_of(
    session: Session, publisher: Organization, entry: FeedEntryDoc
) -> ProfileVersion | None:
    return session.execute(
        select(ProfileVersion)
        .join(Product, Product.id == ProfileVersion.product_id)
        .where(
            Product.organization_id == publisher.id,
            Product.name == entry.product,
            ProfileVersion.version == entry.version,
        )
    ).scalar_one_or_none()


@dataclass
class _Receipt:
    version: ProfileVersion
    previous: ProfileVersion | None = None
    changes: list[dict[str, str]] | None = None
    devices: int = 0


def _store_profile(
    session: Session,
    subscription: FeedSubscription,
    publisher: Organization,
    entry: FeedEntryDoc,
    content: bytes,
    context: Context,
) -> _Receipt:
    loaded = products.parse_upload(entry.filename, content)
    product_doc = loaded.profile.product
    if (product_doc.name, product_doc.version) != (entry.product, entry.version):
        raise Quarantined(
            f"the document is version {product_doc.version} of {product_doc.name}, "
            f"the index says version {entry.version} of {entry.product}"
        )
    sha256 = hashlib.sha256(content).hexdigest()
    existing = _version_of(session, publisher, entry)
    if existing is not None and existing.sha256 != sha256:
        raise Quarantined(
            f"version {entry.version} of {entry.product} was received before with other "
            f"content (SHA-256 {existing.sha256}); a published version never changes"
        )
    product = session.execute(
        select(Product).where(
            Product.organization_id == publisher.id, Product.name == entry.product
        )
    ).scalar_one_or_none()
    if product is None:
        product = Product(
            organization_id=publisher.id,
            name=entry.product,
            manufacturer=product_doc.manufacturer.name,
        )
        session.add(product)
        session.flush()
    version = existing
    if version is None:
        version = ProfileVersion(
            product_id=product.id,
            version=entry.version,
            status="published",
            filename=entry.filename[:200],
            source=content.decode("utf-8"),
            sha256=sha256,
            lint=lint(loaded).to_json(),
            uploaded_by=f"feed:{subscription.id}",
            published_at=entry.published or utcnow(),
        )
        session.add(version)
        session.flush()
    receipt = _Receipt(version=version)
    _hold(session, subscription.organization_id, product.id)
    receipt.previous = session.execute(
        select(ProfileVersion)
        .where(ProfileVersion.product_id == product.id, ProfileVersion.id < version.id)
        .order_by(ProfileVersion.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if receipt.previous is not None:
        old = products.profile_of(receipt.previous)
        receipt.changes = [c.as_json() for c in diff_profiles(old, loaded.profile)]
    receipt.devices = _match_assets(
        session, subscription.organization_id, version, product, context
    )
    return receipt


def _hold(session: Session, organization_id: int, product_id: int) -> None:
    held = session.execute(
        select(Holding.id).where(
            Holding.organization_id == organization_id, Holding.product_id == product_id
        )
    ).first()
    if not held:
        session.add(
            Holding(
                organization_id=organization_id, product_id=product_id, note="received from a feed"
            )
        )
        session.flush()


def _match_assets(
    session: Session,
    organization_id: int,
    version: ProfileVersion,
    product: Product,
    context: Context,
) -> int:
    """How many of the organization's devices are of the product; links the unlinked
    ones whose firmware is this version (``profile_link="matched"``)."""
    models = matching.models_of(version)
    candidate = matching.Candidate(
        version.id, product.manufacturer, product.name, models, version.version
    )
    devices = 0
    for asset in session.execute(
        select(Asset).where(Asset.organization_id == organization_id).order_by(Asset.id)
    ).scalars():
        if not matching.same_product(candidate, asset.vendor, asset.model):
            continue
        devices += 1
        hit = matching.match([candidate], asset.vendor, asset.model, asset.firmware_version)
        if asset.profile_version_id is None and hit is not None:
            asset.profile_version_id = version.id
            asset.profile_link = "matched"
            asset.updated_at = utcnow()
            session.add(
                AssetEvent(
                    asset_id=asset.id,
                    kind=EventKind.UPDATED.value,
                    old_value=None,
                    new_value=f"profile version {version.version} (received from a feed)",
                    source="feed",
                    actor="feed",
                )
            )
            record(
                session,
                Tag.ASSET_UPDATED,
                context,
                target=f"asset:{asset.id}",
                organization_id=organization_id,
                details={"profile_version": version.id, "link": "matched", "source": "feed"},
            )
    session.flush()
    return devices


def _attach(
    session: Session,
    subscription: FeedSubscription,
    publisher: Organization,
    entry: FeedEntryDoc,
    content: bytes,
) -> _Receipt:
    version = _version_of(session, publisher, entry)
    if version is None:
        raise Quarantined(
            f"no profile of version {entry.version} of {entry.product} was received",
            hint="the feed lists a document for a version whose profile is missing",
        )
    by = f"feed:{subscription.id}"
    if entry.kind is Kind.SBOM:
        owner = sboms.Owner(publisher.id, profile_version_id=version.id)
        stored = sboms.current(session, owner)
        if stored is not None and stored.sha256 != entry.sha256:
            raise Quarantined(
                f"the SBOM of version {entry.version} of {entry.product} was received before "
                f"with other content (SHA-256 {stored.sha256}); a published version's SBOM "
                "never changes"
            )
        if stored is None:
            source = sbom_importing.source_of_bytes(content, entry.filename)
            document = sbom_importing.document_of_bytes(content, entry.filename)
            sboms.store(session, owner, source, document, uploaded_by=by, origin="feed")
    elif not findings_vex.is_stored(session, version.id, content):
        # kept as the manufacturer's are: the statements annotate the hospital's findings,
        # the bytes are the version's VEX here too
        findings_vex.store_document(session, version, content, entry.filename, uploaded_by=by)
    return _Receipt(version=version)


def _row(session: Session, subscription: FeedSubscription, entry: FeedEntryDoc) -> FeedEntry | None:
    return session.execute(
        select(FeedEntry).where(
            FeedEntry.subscription_id == subscription.id,
            FeedEntry.entry_key == entry.key,
            FeedEntry.sha256 == entry.sha256,
        )
    ).scalar_one_or_none()


def _receive(
    session: Session,
    subscription: FeedSubscription,
    publisher: Organization,
    got: Downloaded,
    context: Context,
    report: FetchReport,
) -> None:
    """Store one downloaded entry in a savepoint, or record why it is quarantined."""
    entry, url = got.entry, got.url
    if got.error is not None:
        report.errors.append(f"{entry.key}: {got.error}")
        return
    receipt: _Receipt | None = None
    reason = got.reason
    if got.content is not None:
        try:
            with session.begin_nested():
                if entry.kind is Kind.PROFILE:
                    receipt = _store_profile(
                        session, subscription, publisher, entry, got.content, context
                    )
                else:
                    receipt = _attach(session, subscription, publisher, entry, got.content)
        except Error as e:
            reason = e.diagnostics()
    row = _row(session, subscription, entry)
    if row is None:
        row = FeedEntry(
            subscription_id=subscription.id, entry_key=entry.key[:700], sha256=entry.sha256
        )
        session.add(row)
    old_state, old_reason = row.state, row.reason
    row.product, row.version, row.kind = entry.product, entry.version, entry.kind.value
    row.url, row.size_bytes, row.published = url[:2000], entry.size, entry.published
    row.received_at = utcnow()
    if receipt is None:
        row.state, row.reason = "quarantined", reason
        report.quarantined.append((entry.key, reason or ""))
        session.flush()
        if (old_state, old_reason) != (row.state, row.reason):
            record(
                session,
                Tag.FEED_ENTRY_QUARANTINED,
                context,
                target=f"feed-subscription:{subscription.id}",
                organization_id=subscription.organization_id,
                details={"entry": entry.key, "url": row.url, "reason": reason},
            )
        return
    row.state, row.reason = "stored", None
    version = receipt.version
    row.profile_version_id = version.id
    row.previous_version_id = receipt.previous.id if receipt.previous is not None else None
    row.changes, row.devices = receipt.changes, receipt.devices
    session.flush()
    report.stored.append(entry.key)
    record(
        session,
        Tag.FEED_ENTRY_STORED,
        context,
        target=f"feed-subscription:{subscription.id}",
        organization_id=subscription.organization_id,
        details={
            "entry": entry.key,
            "sha256": entry.sha256,
            "profile_version": row.profile_version_id,
            "devices": row.devices,
        },
    )
    if entry.kind is Kind.PROFILE and receipt.devices:
        _notify(session, subscription, row, receipt)


def _notify(
    session: Session, subscription: FeedSubscription, row: FeedEntry, receipt: _Receipt
) -> None:
    version = receipt.version
    product = version.product
    count = receipt.devices
    lines = [
        f"{count} of your devices {'is' if count == 1 else 'are'} {product.manufacturer} "
        f"{product.name}."
    ]
    if receipt.previous is None:
        lines.append("This is the first version received from the feed.")
    else:
        changes = receipt.changes or []
        breaking = sum(1 for c in changes if c["severity"] == "breaking")
        lines.append(
            f"What changed since {receipt.previous.version}: {len(changes)} change(s), "
            f"{breaking} breaking."
        )
        lines += [f"- {c['severity']}: {c['message']}" for c in changes[:NOTIFIED_CHANGES]]
        if len(changes) > NOTIFIED_CHANGES:
            lines.append(f"… and {len(changes) - NOTIFIED_CHANGES} more")
    lines.append(f"Details: /feeds/entries/{row.id}")
    notify(
        session,
        subscription.organization_id,
        Permission.INVENTORY_READ,
        "feed-version",
        f"profile-version:{version.id}",
        f"New version {version.version} of {product.name}: {count} of your devices",
        "\n".join(lines),
    )


def _audit_fetch(
    session: Session, subscription: FeedSubscription, context: Context, details: dict[str, Any]
) -> None:
    record(
        session,
        Tag.FEED_FETCHED,
        context,
        target=f"feed-subscription:{subscription.id}",
        organization_id=subscription.organization_id,
        details=details,
    )


def _failed(
    session: Session, subscription: FeedSubscription, error: Error, context: Context
) -> FetchReport:
    subscription.last_fetched_at = utcnow()
    subscription.last_status, subscription.last_error = "failed", error.diagnostics()
    _audit_fetch(session, subscription, context, {"status": "failed", "error": error.message})
    return FetchReport(subscription.id, status="failed", errors=[error.diagnostics()])


def _pending(
    session: Session, subscription: FeedSubscription, index: FeedIndex, report: FetchReport
) -> list[FeedEntryDoc]:
    """The entries not stored yet, profiles before the documents of their version."""
    ordered = sorted(
        index.entries, key=lambda e: (e.product, KIND_ORDER[e.kind], e.published or EARLIEST)
    )
    stored = {
        (key, sha256)
        for key, sha256 in session.execute(
            select(FeedEntry.entry_key, FeedEntry.sha256).where(
                FeedEntry.subscription_id == subscription.id, FeedEntry.state == "stored"
            )
        )
    }
    pending = [e for e in ordered if (e.key[:700], e.sha256) not in stored]
    report.unchanged = len(ordered) - len(pending)
    return pending


def _store(
    session: Session,
    subscription: FeedSubscription,
    verified: VerifiedIndex,
    batch: list[Downloaded],
    context: Context,
    report: FetchReport,
) -> None:
    """One write transaction: the downloaded documents and the subscription's state."""
    index = verified.index
    subscription.last_fetched_at = utcnow()
    subscription.publisher_name = index.publisher.name
    if index.publisher.csaf_provider:
        provider = urljoin(subscription.url, index.publisher.csaf_provider)
        subscription.csaf_provider_url = provider[:2000]
    else:
        subscription.csaf_provider_url = None  # no advisory leg (any longer)
    session.flush()  # the write transaction starts here, before any savepoint
    publisher = publisher_organization(session, subscription, index, context)
    for got in batch:
        _receive(session, subscription, publisher, got, context, report)
    session.flush()


def _finish(
    session: Session, subscription: FeedSubscription, etag: str | None, report: FetchReport
) -> None:
    if report.quarantined or report.errors:
        subscription.etag = None  # try those again next time, even if the index is unchanged
        report.status = "partial"
        subscription.last_error = "; ".join(
            [f"{k}: quarantined" for k, _ in report.quarantined] + report.errors
        )
    else:
        subscription.etag = etag
        subscription.last_error = None
    subscription.last_status = report.status
    session.flush()


def fetch(
    session: Session,
    subscription: FeedSubscription,
    transport: Transport,
    context: Context,
    advisories: AdvisoryLeg | None = None,
) -> FetchReport:
    """Fetch, verify and store what is new; the subscription's status says how it went.

    The fetch runs its own transactions in ``session``: it commits what the caller did
    before, downloads and checks with nothing written, then stores in one short
    transaction (a batch of :data:`BATCH_BYTES` each) that it commits. An error
    while storing propagates with that transaction rolled back: nothing of it is kept.

    With ``advisories``, the CSAF provider the index names is followed too (subscribed to
    with the feed's key on the first fetch, fetched when the feed brought something new):
    :mod:`medsec.feeds.advisories`, after the feed's documents are committed."""
    session.commit()  # no write of the caller's is held while servers answer
    report = FetchReport(subscription.id)
    try:
        verified = verified_index(subscription, transport)
    except Error as e:
        report = _failed(session, subscription, e, context)
        session.commit()
        return report
    if verified is None:
        subscription.last_fetched_at = utcnow()
        subscription.last_status, subscription.last_error = "unchanged", None
        report.status = "unchanged"
        session.commit()
        if advisories is not None:  # a provider not reached last time is tried again
            report.advisories = follow(session, subscription, advisories, context, changed=False)
        return report
    batch: list[Downloaded] = []
    for entry in _pending(session, subscription, verified.index, report):
        batch.append(download(subscription, entry, transport))
        if sum(d.size for d in batch) >= BATCH_BYTES:
            _store(session, subscription, verified, batch, context, report)
            session.commit()
            batch = []
    _store(session, subscription, verified, batch, context, report)
    _finish(session, subscription, verified.etag, report)
    _audit_fetch(
        session,
        subscription,
        context,
        {
            "status": report.status,
            "stored": len(report.stored),
            "quarantined": len(report.quarantined),
            "errors": len(report.errors),
        },
    )
    session.commit()
    if advisories is not None:
        changed = bool(report.stored)
        report.advisories = follow(session, subscription, advisories, context, changed=changed)
    return report
