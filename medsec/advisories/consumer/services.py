"""The hospital's CSAF subscriptions: subscribe (pin the key), fetch, read what was received,
the quarantine and its audited release, and the matches to the inventory.

Who may: reading needs ``inventory:read``, subscribing, fetching and releasing need
``inventory:write`` — the hospital staff who keep the inventory the advisories are matched
against — in a healthcare-provider organization. Every query filters by the actor's
organization; another organization's subscription does not exist for the actor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.advisories.consumer.discovery import Provider, discover, public_keys
from medsec.advisories.consumer.download import Downloader, DownloadError
from medsec.advisories.consumer.integrity import Reason
from medsec.advisories.consumer.matching import InventoryIndex
from medsec.advisories.consumer.models import (
    AdvisoryMatch,
    CsafQuarantine,
    CsafReceived,
    CsafSubscription,
)
from medsec.advisories.consumer.pipeline import (
    DocumentOutcome,
    Fetcher,
    FetchReport,
    Status,
    import_and_match,
)
from medsec.advisories.interfaces import CsafValidator
from medsec.advisories.signing.openpgp import key_info, load_certificate
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Conflict, Error, NotFound, PermissionDenied
from medsec.inventory.models import Asset
from medsec.vulns.sources.csaf import parse_advisory_bytes


class KeyNotPinned(Error):
    kind = "csaf-key-not-pinned"
    status = 422
    title = "The provider's key could not be pinned"


def require(actor: Actor, permission: Permission) -> None:
    actor.require(permission)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied(
            "only healthcare-provider organizations subscribe to advisories",
            hint="a manufacturer publishes advisories as a CSAF provider instead",
        )


def _fingerprint(value: str) -> str:
    fingerprint = "".join(value.split()).upper()
    if len(fingerprint) < 40 or any(c not in "0123456789ABCDEF" for c in fingerprint):
        raise KeyNotPinned(
            f"{value!r} is not an OpenPGP fingerprint",
            hint="40 hex digits (spaces allowed), as the provider publishes it out of band",
        )
    return fingerprint


def _pin(
    downloader: Downloader, provider: Provider, fingerprint: str, public_key: str | None
) -> str:
    """The armoured key whose fingerprint is ``fingerprint``: the one given, else the one
    the provider lists under that fingerprint."""
    if public_key:
        candidates = [("the key given", public_key.encode())]
    else:
        listed = [url for fp, url in public_keys(provider) if fp in (fingerprint, None)]
        if not listed:
            raise KeyNotPinned(
                f"{provider.metadata_url} lists no key with fingerprint {fingerprint}",
                hint="check the fingerprint with the manufacturer, or give the key file",
            )
        candidates = []
        for url in listed:
            try:
                candidates.append((url, downloader.get(url).content))
            except DownloadError as e:
                raise KeyNotPinned(e.message, hint="give the key file instead") from e
    for source, data in candidates:
        cert = load_certificate(data, source)
        if key_info(cert).fingerprint == fingerprint:
            return str(cert)
    raise KeyNotPinned(
        f"the key ({candidates[0][0]}) has fingerprint "
        f"{key_info(load_certificate(candidates[0][1])).fingerprint}, not {fingerprint}",
        hint="a different key is offered than the one you were told about: do not subscribe "
        "until the manufacturer confirms the fingerprint",
    )


def subscribe(
    session: Session,
    actor: Actor,
    downloader: Downloader,
    requested: str,
    fingerprint: str,
    public_key: str | None = None,
) -> CsafSubscription:
    """Find the provider (metadata URL, well-known URL, security.txt) and pin its key."""
    require(actor, Permission.INVENTORY_WRITE)
    wanted = _fingerprint(fingerprint)
    provider = discover(downloader, requested)
    duplicate = subscription_for(session, actor.organization_id, provider.metadata_url)
    if duplicate is not None:
        raise Conflict(
            f"already subscribed to {provider.metadata_url} (subscription {duplicate.id})"
        )
    armored = _pin(downloader, provider, wanted, public_key)
    return _add(
        session,
        actor.organization_id,
        provider,
        requested,
        wanted,
        armored,
        actor.context,
        created_by=actor.username,
    )


def subscription_for(
    session: Session, organization_id: int, metadata_url: str
) -> CsafSubscription | None:
    """The organization's subscription to the provider at ``metadata_url``, if any."""
    return session.scalar(
        select(CsafSubscription).where(
            CsafSubscription.organization_id == organization_id,
            CsafSubscription.metadata_url == metadata_url,
        )
    )


def subscribe_pinned(
    session: Session,
    organization_id: int,
    provider: Provider,
    certificate: str,
    context: Context,
    *,
    created_by: str,
) -> CsafSubscription:
    """Subscribe ``organization_id`` to ``provider`` with a key pinned elsewhere already
    (the key of a feed subscription to the same manufacturer instance: the feed and the
    CSAF provider of an instance are signed with one key). Audited like :func:`subscribe`;
    the caller has checked the organization may subscribe and is not subscribed yet."""
    fingerprint = key_info(load_certificate(certificate.encode(), "the pinned key")).fingerprint
    return _add(
        session,
        organization_id,
        provider,
        provider.metadata_url,
        fingerprint,
        certificate,
        context,
        created_by=created_by,
    )


def _add(
    session: Session,
    organization_id: int,
    provider: Provider,
    requested: str,
    fingerprint: str,
    certificate: str,
    context: Context,
    *,
    created_by: str,
) -> CsafSubscription:
    """Store a subscription with its pinned key, audited."""
    row = CsafSubscription(
        organization_id=organization_id,
        requested=requested.strip()[:500],
        discovered_via=provider.via[:40],
        metadata_url=provider.metadata_url,
        publisher=provider.metadata.publisher.name[:300],
        key_fingerprint=fingerprint,
        public_key=certificate,
        created_by=created_by[:200],
    )
    session.add(row)
    session.flush()
    record(
        session,
        Tag.CSAF_SUBSCRIPTION_ADDED,
        context,
        target=f"csaf-subscription:{row.id}",
        organization_id=organization_id,
        details={"url": row.metadata_url, "via": row.discovered_via, "fingerprint": fingerprint},
    )
    return row


def list_subscriptions(session: Session, actor: Actor) -> Sequence[CsafSubscription]:
    require(actor, Permission.INVENTORY_READ)
    return session.scalars(
        select(CsafSubscription)
        .where(CsafSubscription.organization_id == actor.organization_id)
        .order_by(CsafSubscription.id)
    ).all()


def get_subscription(session: Session, actor: Actor, subscription_id: int) -> CsafSubscription:
    require(actor, Permission.INVENTORY_READ)
    row = session.get(CsafSubscription, subscription_id)
    if row is None or row.organization_id != actor.organization_id:
        raise NotFound(f"no CSAF subscription {subscription_id}")
    return row


def remove_subscription(session: Session, actor: Actor, subscription_id: int) -> None:
    """Stop following a provider (what was imported stays in the vulnerability store)."""
    require(actor, Permission.INVENTORY_WRITE)
    row = get_subscription(session, actor, subscription_id)
    session.query(CsafQuarantine).filter_by(subscription_id=row.id).delete()
    record(
        session,
        Tag.CSAF_SUBSCRIPTION_REMOVED,
        actor.context,
        target=f"csaf-subscription:{row.id}",
        details={"url": row.metadata_url},
    )
    session.delete(row)
    session.flush()


def fetch(
    session: Session,
    actor: Actor,
    downloader: Downloader,
    validator: CsafValidator,
    subscription_id: int,
    progress: Callable[[DocumentOutcome], None] | None = None,
) -> FetchReport:
    """Fetch now (what the worker does every hour)."""
    require(actor, Permission.INVENTORY_WRITE)
    row = get_subscription(session, actor, subscription_id)
    return Fetcher(session, downloader, validator, actor.context, progress).fetch(row)


def fetch_all(
    session: Session, downloader: Downloader, validator: CsafValidator, context: Context
) -> list[FetchReport]:
    """Every subscription of every organization (the worker's job)."""
    fetcher = Fetcher(session, downloader, validator, context)
    rows = session.scalars(select(CsafSubscription).order_by(CsafSubscription.id)).all()
    return [fetcher.fetch(row) for row in rows]


def received(session: Session, actor: Actor, subscription_id: int) -> Sequence[CsafReceived]:
    row = get_subscription(session, actor, subscription_id)
    return session.scalars(
        select(CsafReceived)
        .where(CsafReceived.subscription_id == row.id)
        .order_by(CsafReceived.changed_at.desc(), CsafReceived.id.desc())
    ).all()


def quarantined(
    session: Session, actor: Actor, *, include_released: bool = False
) -> Sequence[CsafQuarantine]:
    require(actor, Permission.INVENTORY_READ)
    query = select(CsafQuarantine).where(CsafQuarantine.organization_id == actor.organization_id)
    if not include_released:
        query = query.where(
            CsafQuarantine.released_at.is_(None), CsafQuarantine.superseded_at.is_(None)
        )
    return session.scalars(query.order_by(CsafQuarantine.id.desc())).all()


def releasable(row: CsafQuarantine) -> bool:
    """Whether an analyst may still release the quarantined document."""
    return Reason(row.reason).releasable and row.released_at is None and row.superseded_at is None


def get_quarantined(session: Session, actor: Actor, quarantine_id: int) -> CsafQuarantine:
    require(actor, Permission.INVENTORY_READ)
    row = session.get(CsafQuarantine, quarantine_id)
    if row is None or row.organization_id != actor.organization_id:
        raise NotFound(f"no quarantined document {quarantine_id}")
    return row


def release(session: Session, actor: Actor, quarantine_id: int, note: str) -> DocumentOutcome:
    """Import a document that failed mandatory tests, by an analyst's explicit decision
    (with the reason given in ``note``; audited). Tampered documents cannot be released."""
    require(actor, Permission.INVENTORY_WRITE)
    row = get_quarantined(session, actor, quarantine_id)
    if not Reason(row.reason).releasable:
        raise Conflict(
            f"quarantined document {row.id} cannot be released: {row.reason}",
            hint=Reason(row.reason).meaning + "; ask the provider to publish it again",
        )
    if row.released_at is not None:
        raise Conflict(f"quarantined document {row.id} was released already")
    if row.superseded_at is not None:
        raise Conflict(
            f"quarantined document {row.id} is superseded: a newer version was imported",
            hint="the newer version is in the vulnerability store already",
        )
    if not note.strip():
        raise Error(
            "say why the document is released despite its findings",
            hint="the note is kept in the audit log, e.g. 'only 6.1.8 fails; products match'",
        )
    advisory = parse_advisory_bytes((row.content or "").encode(), row.url)
    index = InventoryIndex.load(session, row.organization_id)
    new = import_and_match(session, index, row.organization_id, advisory)
    row.released_at, row.released_by, row.release_note = utcnow(), actor.username, note.strip()
    state = session.scalar(
        select(CsafReceived).where(
            CsafReceived.subscription_id == row.subscription_id, CsafReceived.url == row.url
        )
    )
    if state is not None and state.sha256 == row.sha256:
        state.status = Status.RELEASED
    record(
        session,
        Tag.CSAF_DOCUMENT_RELEASED,
        actor.context,
        target=f"csaf-quarantine:{row.id}",
        details={
            "url": row.url,
            "tracking_id": row.tracking_id,
            "findings": [f.get("testId") for f in row.findings],
            "note": row.release_note,
            "new_matches": new,
        },
    )
    session.flush()
    return DocumentOutcome(row.url, Status.RELEASED, advisory.tracking_id, new_matches=new)


def matches(
    session: Session, actor: Actor, *, limit: int = 500
) -> Sequence[tuple[AdvisoryMatch, Asset]]:
    """The organization's devices that advisories concern, newest first."""
    require(actor, Permission.INVENTORY_READ)
    rows = session.execute(
        select(AdvisoryMatch, Asset)
        .join(Asset, Asset.id == AdvisoryMatch.asset_id)
        .where(AdvisoryMatch.organization_id == actor.organization_id)
        .order_by(AdvisoryMatch.first_seen.desc(), AdvisoryMatch.id.desc())
        .limit(limit)
    ).all()
    return [(m, a) for m, a in rows]
