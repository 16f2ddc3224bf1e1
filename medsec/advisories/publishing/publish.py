"""Publishing a revision of an advisory, and reaching every affected customer (§8).

:func:`publish` builds the draft as :func:`~medsec.advisories.publishing.services.check`
does, checks that the provider accepts it, keeps the revision — JSON, HTML page and field
safety notice — unchangeable, tells the customers, and once all that is committed writes
the CSAF JSON into the provider (signed there, served at ``/.well-known/csaf/``). The
customers it tells:

- every hospital organization that **holds** one of the advisory's products, and
- every one with **assets linked** to a profile version of a product version the advisory
  names (its inventory, ``assets.profile_version_id``),

one notification per member who manages holdings (``holdings:manage``), delivered by the
worker like every notification. Each organization is recorded as a recipient of the
revision, with why; its members acknowledge it (:func:`acknowledge`), and the manufacturer
sees who was told and who acknowledged (:func:`recipients`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization
from medsec.accounts.roles import Permission
from medsec.advisories.authoring.build import BuiltAdvisory, build_advisory
from medsec.advisories.authoring.render import render_fsn_html, render_html
from medsec.advisories.provider.layout import csaf_file_name
from medsec.advisories.publishing import services
from medsec.advisories.publishing.models import Advisory, AdvisoryRecipient, AdvisoryRevision
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.db.on_commit import on_commit
from medsec.errors import AuthenticationRequired, NotFound, PermissionDenied
from medsec.inventory.models import Asset
from medsec.notifications.services import notify_users
from medsec.notifications.services import recipients as members_with
from medsec.products.models import Holding, ProfileVersion

#: Notification topic of a published advisory revision.
TOPIC = "advisory-published"


def publish(
    session: Session,
    actor: Actor,
    advisory_id: int,
    target: ProviderTarget,
    *,
    now: dt.datetime | None = None,
) -> AdvisoryRevision:
    """Publish the draft as the advisory's next revision and notify the customers."""
    actor.require(Permission.PRODUCTS_PUBLISH)
    # Before looking the advisory up, as for every sensitive action.
    if not actor.recently_authenticated:
        raise AuthenticationRequired(
            "publishing needs a recent login", hint="log in again, then publish"
        )
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied("only manufacturer organizations publish advisories")
    advisory = services.own_advisory(session, actor, advisory_id, lock=True)
    now = (now or utcnow()).replace(microsecond=0)
    ready = services.ready_to_publish(advisory, services.draft_of(advisory), target, now)
    profiles = services.StoredProfiles(session, advisory.organization_id)
    built = build_advisory(ready, base=profiles, file=advisory.tracking_id, generated=now)
    text = json.dumps(built.document, indent=2, ensure_ascii=False) + "\n"
    tracking = built.document["document"]["tracking"]
    tlp = built.document["document"]["distribution"]["tlp"]["label"]
    name = _file_name(advisory.organization_id, advisory.tracking_id)
    sync(session, target)  # what an earlier write missed, before this one is checked
    target.check(name, text.encode())  # nothing is stored when the provider would refuse it
    url = target.document_url(advisory.tracking_id, tlp, int(tracking["initial_release_date"][:4]))
    revision = AdvisoryRevision(
        advisory_id=advisory.id,
        version=tracking["version"],
        status=tracking["status"],
        tlp=tlp,
        summary=tracking["revision_history"][-1]["summary"],
        document=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        html=render_html(built),
        fsn_html=render_fsn_html(built),
        published_by=actor.username,
        published_at=now,
    )
    session.add(revision)
    advisory.state = "published"
    advisory.title = ready.title[:300]
    advisory.draft = services.to_json(ready) | {
        "revisions": [
            {"date": r["date"], "number": r["number"], "summary": r["summary"]}
            for r in tracking["revision_history"]
        ]
    }
    advisory.updated_at = now
    session.flush()
    record(
        session,
        Tag.ADVISORY_PUBLISHED,
        actor.context,
        target=f"advisory:{advisory.id}",
        details={
            "tracking_id": advisory.tracking_id,
            "version": revision.version,
            "tlp": revision.tlp,
            "sha256": revision.sha256,
            "url": url,
        },
    )
    told = _notify(session, advisory, revision, _affected(session, advisory, built, profiles))
    record(
        session,
        Tag.ADVISORY_RECIPIENTS_NOTIFIED,
        actor.context,
        target=f"advisory:{advisory.id}",
        details={
            "version": revision.version,
            "organizations": [r.organization_id for r in told],
            "users": sum(r.users_notified for r in told),
        },
    )
    # The provider is written once the revision is committed, never before: a failed
    # commit leaves no published file.
    on_commit(session, lambda: target.write_committed({name: text.encode()}))
    session.refresh(advisory)
    return revision


def _file_name(organization_id: int, tracking_id: str) -> str:
    """The advisory's file in the provider's documents folder."""
    return f"{organization_id}-{csaf_file_name(tracking_id)}"


def sync(session: Session, target: ProviderTarget) -> bool:
    """Write into the provider the latest revision of every published advisory it lacks
    (a write that failed after its commit) and rebuild; whether anything was written.
    Run before every publication and by ``medsec csaf provider sync``."""
    latest = select(func.max(AdvisoryRevision.id)).group_by(AdvisoryRevision.advisory_id)
    rows = session.execute(
        select(Advisory.organization_id, Advisory.tracking_id, AdvisoryRevision.document)
        .join(AdvisoryRevision, AdvisoryRevision.advisory_id == Advisory.id)
        .where(AdvisoryRevision.id.in_(latest))
    ).all()
    documents = {_file_name(org, tracking): doc.encode() for org, tracking, doc in rows}
    return bool(documents) and target.write(documents)


@dataclass
class _Reach:
    holds: bool = False
    assets: int = 0


def _affected(
    session: Session, advisory: Advisory, built: BuiltAdvisory, profiles: services.StoredProfiles
) -> dict[int, _Reach]:
    """Hospital organizations by id: which hold a product, how many assets they have."""
    versions: dict[int, set[str]] = {}
    for product in built.products.values():
        stored = profiles.by_key[product.key]
        versions.setdefault(stored.id, set()).add(product.version)
    reach: dict[int, _Reach] = {}
    holders = session.execute(
        select(Holding.organization_id).where(Holding.product_id.in_(versions))
    ).scalars()
    for org_id in holders:
        reach.setdefault(org_id, _Reach()).holds = True
    linked = [
        v.id
        for v in session.execute(
            select(ProfileVersion).where(ProfileVersion.product_id.in_(versions))
        ).scalars()
        if v.version in versions[v.product_id]
    ]
    if linked:
        counts = session.execute(
            select(Asset.organization_id, func.count(Asset.id))
            .where(Asset.profile_version_id.in_(linked))
            .group_by(Asset.organization_id)
        ).all()
        for org_id, count in counts:
            reach.setdefault(org_id, _Reach()).assets = int(count)
    reach.pop(advisory.organization_id, None)
    return reach


def _notify(
    session: Session,
    advisory: Advisory,
    revision: AdvisoryRevision,
    reach: dict[int, _Reach],
) -> list[AdvisoryRecipient]:
    publisher = session.get(Organization, advisory.organization_id)
    name = publisher.name if publisher else "the manufacturer"
    subject = f"{advisory.tracking_id} {revision.version} from {name}: {advisory.title}"
    body = (
        f"{revision.summary}\n\nRead it and acknowledge it under Advisories → Received "
        f"(/advisories/received/{advisory.id})."
    )
    rows = []
    for org_id in sorted(reach):
        users = members_with(session, org_id, Permission.HOLDINGS_MANAGE)
        notify_users(session, users, TOPIC, f"advisory:{advisory.id}", subject, body)
        row = AdvisoryRecipient(
            revision_id=revision.id,
            organization_id=org_id,
            holds=reach[org_id].holds,
            assets=reach[org_id].assets,
            users_notified=len(users),
            notified_at=revision.published_at,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class RecipientView:
    organization: str
    version: str
    holds: bool
    assets: int
    users_notified: int
    notified_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None


def recipients(session: Session, actor: Actor, advisory_id: int) -> list[RecipientView]:
    """Who was told about each revision of the organization's own advisory, newest first."""
    advisory = services.own_advisory(session, actor, advisory_id)
    rows = session.execute(
        select(AdvisoryRecipient, AdvisoryRevision.version, Organization.name)
        .join(AdvisoryRevision, AdvisoryRevision.id == AdvisoryRecipient.revision_id)
        .join(Organization, Organization.id == AdvisoryRecipient.organization_id)
        .where(AdvisoryRevision.advisory_id == advisory.id)
        .order_by(AdvisoryRevision.id.desc(), Organization.name)
    ).all()
    return [
        RecipientView(
            name,
            version,
            row.holds,
            row.assets,
            row.users_notified,
            row.notified_at,
            row.acknowledged_at,
            row.acknowledged_by,
        )
        for row, version, name in rows
    ]


@dataclass(frozen=True)
class Received:
    """A published advisory as the notified hospital sees it (its latest revision)."""

    advisory_id: int
    tracking_id: str
    title: str
    publisher: str
    version: str
    tlp: str
    summary: str
    published_at: dt.datetime
    holds: bool
    assets: int
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None


def _latest_recipient_rows(
    session: Session, organization_id: int, advisory_id: int | None = None
) -> Sequence[tuple[AdvisoryRecipient, AdvisoryRevision, Advisory, str]]:
    latest = (
        select(func.max(AdvisoryRecipient.id))
        .where(AdvisoryRecipient.organization_id == organization_id)
        .join(AdvisoryRevision, AdvisoryRevision.id == AdvisoryRecipient.revision_id)
        .group_by(AdvisoryRevision.advisory_id)
    )
    stmt = (
        select(AdvisoryRecipient, AdvisoryRevision, Advisory, Organization.name)
        .join(AdvisoryRevision, AdvisoryRevision.id == AdvisoryRecipient.revision_id)
        .join(Advisory, Advisory.id == AdvisoryRevision.advisory_id)
        .join(Organization, Organization.id == Advisory.organization_id)
        .where(AdvisoryRecipient.id.in_(latest))
        .order_by(AdvisoryRevision.published_at.desc(), AdvisoryRecipient.id.desc())
    )
    if advisory_id is not None:
        stmt = stmt.where(Advisory.id == advisory_id)
    return [(r, v, a, n) for r, v, a, n in session.execute(stmt).all()]


def received(session: Session, actor: Actor) -> list[Received]:
    """The advisories the actor's organization was notified about, newest first."""
    actor.require(Permission.PRODUCTS_READ)
    return [
        Received(
            advisory.id,
            advisory.tracking_id,
            advisory.title,
            publisher,
            rev.version,
            rev.tlp,
            rev.summary,
            rev.published_at,
            row.holds,
            row.assets,
            row.acknowledged_at,
            row.acknowledged_by,
        )
        for row, rev, advisory, publisher in _latest_recipient_rows(session, actor.organization_id)
    ]


def received_one(session: Session, actor: Actor, advisory_id: int) -> Received:
    for item in received(session, actor):
        if item.advisory_id == advisory_id:
            return item
    raise NotFound(f"no advisory {advisory_id}")


def acknowledge(session: Session, actor: Actor, advisory_id: int) -> Received:
    """The organization confirms it read the latest revision it was told about (once;
    acknowledging again changes nothing)."""
    actor.require(Permission.HOLDINGS_MANAGE)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied("only healthcare-provider organizations acknowledge advisories")
    rows = _latest_recipient_rows(session, actor.organization_id, advisory_id)
    if not rows:
        raise NotFound(f"no advisory {advisory_id}")
    row, rev, advisory, _ = rows[0]
    if row.acknowledged_at is None:
        row.acknowledged_at = utcnow()
        row.acknowledged_by = actor.username
        session.flush()
        record(
            session,
            Tag.ADVISORY_ACKNOWLEDGED,
            actor.context,
            target=f"advisory:{advisory.id}",
            details={"tracking_id": advisory.tracking_id, "version": rev.version},
        )
    return received_one(session, actor, advisory_id)
