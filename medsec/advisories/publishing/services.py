"""Drafts of advisories: create, edit, list, read, check.

Who sees what (enforced here, not only in routes):

- a manufacturer's members see their organization's advisories, drafts included; only
  members of a manufacturer organization write them;
- a hospital organization sees the published revisions of an advisory it was notified
  about (:mod:`medsec.advisories.publishing.recipients`), nothing else;
- another organization's advisory does not exist for anyone (404).

Revisions (CSAF 2.0 §3.2.1.12): the published revisions of an advisory are fixed — a draft
keeps them unchanged (numbers, dates, summaries) and adds at most one new revision, with
its summary and the kind of ``change`` (major, minor, patch) from which the builder
computes the next version. The new revision's date is the moment it is published.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.advisories.authoring.build import AdvisoryInvalid, BuiltAdvisory, build_advisory
from medsec.advisories.authoring.input import (
    AdvisoryInput,
    InputProblem,
    ProductEntry,
    Revision,
    Status,
)
from medsec.advisories.explain import explain
from medsec.advisories.publishing.models import Advisory, AdvisoryRecipient, AdvisoryRevision
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.advisories.readability import DEFAULT_TARGET_GRADE, ReadabilityReport, score_text
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Conflict, Error, NotFound, PermissionDenied
from medsec.products.models import Product, ProfileVersion
from medsec.products.services import profile_of
from medsec.profiles.loader import format_path
from medsec.profiles.psp import ProductSecurityProfile


class StoredProfiles:
    """:class:`~medsec.advisories.authoring.products.ProfileSource` of one organization's
    stored products: ``product`` names the product; a version's own profile version
    describes it when stored, else the newest published one (else the newest draft)."""

    def __init__(self, session: Session, organization_id: int) -> None:
        self.session = session
        self.organization_id = organization_id
        #: Entry key → the product it resolved to.
        self.by_key: dict[str, Product] = {}

    def _product(self, index: int, entry: ProductEntry) -> Product:
        if entry.product is None:
            raise InputProblem(
                ("products", index, "profile"),
                "the service describes products by their stored profiles, not by files",
                hint="name one of your organization's products with product: NAME",
            )
        product = self.session.execute(
            select(Product).where(
                Product.organization_id == self.organization_id, Product.name == entry.product
            )
        ).scalar_one_or_none()
        if product is None or not product.versions:
            names = self.session.execute(
                select(Product.name)
                .where(Product.organization_id == self.organization_id)
                .order_by(Product.name)
            ).scalars()
            raise InputProblem(
                ("products", index, "product"),
                f"your organization has no product {entry.product!r}",
                hint=f"your products: {', '.join(names) or 'none (upload a profile first)'}",
            )
        self.by_key[entry.key] = product
        return product

    def profile(
        self, index: int, entry: ProductEntry, version: str | None
    ) -> ProductSecurityProfile:
        versions = self._product(index, entry).versions
        exact = [v for v in versions if v.version == version]
        published = [v for v in versions if v.status == "published"]
        return profile_of((exact or published or versions)[-1])


def profile_versions(session: Session, organization_id: int) -> list[ProfileVersion]:
    """Every profile version of the organization's products (for the edit form)."""
    return list(
        session.execute(
            select(ProfileVersion)
            .join(Product, Product.id == ProfileVersion.product_id)
            .where(Product.organization_id == organization_id)
            .order_by(Product.name, ProfileVersion.id)
        ).scalars()
    )


# --------------------------------------------------------------------------- access


def _require_manufacturer(actor: Actor) -> None:
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied(
            "only manufacturer organizations write advisories",
            hint="a hospital finds the advisories it was sent under received advisories",
        )


def own_advisory(
    session: Session, actor: Actor, advisory_id: int, *, lock: bool = False
) -> Advisory:
    """An advisory of the actor's (manufacturer) organization; NotFound otherwise.
    ``lock``: hold its row until the transaction ends (``SELECT … FOR UPDATE`` where the
    database has it), so two publications of one advisory run one after the other."""
    actor.require(Permission.PRODUCTS_READ)
    _require_manufacturer(actor)
    advisory = session.get(
        Advisory, advisory_id, with_for_update=lock or None, populate_existing=lock
    )
    if advisory is None or advisory.organization_id != actor.organization_id:
        raise NotFound(f"no advisory {advisory_id}")
    return advisory


def visible_advisory(session: Session, actor: Actor, advisory_id: int) -> Advisory:
    """Own advisory, or a published one the actor's organization was notified about."""
    actor.require(Permission.PRODUCTS_READ)
    advisory = session.get(Advisory, advisory_id)
    if advisory is None:
        raise NotFound(f"no advisory {advisory_id}")
    if advisory.organization_id == actor.organization_id:
        return advisory
    told = session.execute(
        select(AdvisoryRecipient.id)
        .join(AdvisoryRevision, AdvisoryRevision.id == AdvisoryRecipient.revision_id)
        .where(
            AdvisoryRevision.advisory_id == advisory_id,
            AdvisoryRecipient.organization_id == actor.organization_id,
        )
    ).first()
    if told is None:
        raise NotFound(f"no advisory {advisory_id}")
    return advisory


def list_advisories(session: Session, actor: Actor) -> Sequence[Advisory]:
    """The organization's advisories, most recently changed first."""
    actor.require(Permission.PRODUCTS_READ)
    _require_manufacturer(actor)
    return (
        session.execute(
            select(Advisory)
            .where(Advisory.organization_id == actor.organization_id)
            .order_by(Advisory.updated_at.desc(), Advisory.id.desc())
        )
        .scalars()
        .all()
    )


def revision(session: Session, actor: Actor, advisory_id: int, version: str) -> AdvisoryRevision:
    advisory = visible_advisory(session, actor, advisory_id)
    found = next((r for r in advisory.revisions if r.version == version), None)
    if found is None:
        raise NotFound(f"advisory {advisory.tracking_id} has no published version {version}")
    return found


# --------------------------------------------------------------------------- drafts


def draft_of(advisory: Advisory) -> AdvisoryInput:
    """The stored draft (it was valid when saved)."""
    return AdvisoryInput.model_validate(advisory.draft)


def to_json(data: AdvisoryInput) -> dict[str, Any]:
    dumped: dict[str, Any] = data.model_dump(mode="json", exclude_none=True)
    return dumped


def published_history(advisory: Advisory) -> list[Revision]:
    """The revision history of the last published revision (numbers explicit)."""
    if not advisory.revisions:
        return []
    document = json.loads(advisory.revisions[-1].document)
    return [
        Revision.model_validate({"date": r["date"], "summary": r["summary"], "number": r["number"]})
        for r in document["document"]["tracking"]["revision_history"]
    ]


def _keep_history(advisory: Advisory, data: AdvisoryInput) -> AdvisoryInput:
    """The draft with the published revisions as published; Conflict if it changes them."""
    history = published_history(advisory)
    if not history:
        return data
    if data.tracking_id != advisory.tracking_id:
        raise Conflict(
            f"{advisory.tracking_id} is published; its tracking ID cannot change",
            hint="write a new advisory for another tracking ID",
        )
    for index, published in enumerate(history):
        given = data.revisions[index] if index < len(data.revisions) else None
        if given is None or (given.date, given.summary) != (published.date, published.summary):
            raise Conflict(
                f"revisions[{index}] ({published.number}) is published and cannot change",
                hint="keep the published revisions as they are and add one new revision",
            )
    payload = to_json(data) | {
        "revisions": [to_json_revision(r) for r in [*history, *data.revisions[len(history) :]]]
    }
    return AdvisoryInput.model_validate(payload)


def to_json_revision(revision: Revision) -> dict[str, Any]:
    dumped: dict[str, Any] = revision.model_dump(mode="json", exclude_none=True)
    return dumped


def create(session: Session, actor: Actor, data: AdvisoryInput) -> Advisory:
    actor.require(Permission.PRODUCTS_WRITE)
    _require_manufacturer(actor)
    taken = session.execute(
        select(Advisory.id).where(
            Advisory.organization_id == actor.organization_id,
            Advisory.tracking_id == data.tracking_id,
        )
    ).first()
    if taken is not None:
        raise Conflict(
            f"your organization already has an advisory {data.tracking_id}",
            hint="choose another tracking ID, or edit that advisory",
        )
    advisory = Advisory(
        organization_id=actor.organization_id,
        tracking_id=data.tracking_id,
        title=data.title[:300],
        draft=to_json(data),
        created_by=actor.username,
    )
    session.add(advisory)
    session.flush()
    _saved(session, actor, advisory, "created")
    return advisory


def update(session: Session, actor: Actor, advisory_id: int, data: AdvisoryInput) -> Advisory:
    actor.require(Permission.PRODUCTS_WRITE)
    _require_manufacturer(actor)
    advisory = own_advisory(session, actor, advisory_id)
    data = _keep_history(advisory, data)
    if data.tracking_id != advisory.tracking_id:
        clash = session.execute(
            select(Advisory.id).where(
                Advisory.organization_id == actor.organization_id,
                Advisory.tracking_id == data.tracking_id,
                Advisory.id != advisory.id,
            )
        ).first()
        if clash is not None:
            raise Conflict(f"your organization already has an advisory {data.tracking_id}")
    advisory.tracking_id = data.tracking_id
    advisory.title = data.title[:300]
    advisory.draft = to_json(data)
    advisory.updated_at = utcnow()
    session.flush()
    _saved(session, actor, advisory, "updated")
    return advisory


def _saved(session: Session, actor: Actor, advisory: Advisory, how: str) -> None:
    record(
        session,
        Tag.ADVISORY_SAVED,
        actor.context,
        target=f"advisory:{advisory.id}",
        details={"tracking_id": advisory.tracking_id, "draft": how},
    )


# --------------------------------------------------------------------------- checking


def ready_to_publish(
    advisory: Advisory, data: AdvisoryInput, target: ProviderTarget, now: dt.datetime
) -> AdvisoryInput:
    """The input as publishing builds it: the published history, the new revision dated
    ``now``, and (unless given) the provider's URL of the document as its ``self``
    reference. Conflict if there is nothing to publish or the status is ``draft``."""
    history = published_history(advisory)
    new = data.revisions[len(history) :]
    if not new:
        raise Conflict(
            f"{advisory.tracking_id} {history[-1].number} is published and the draft adds "
            "no revision",
            hint="add a revision saying what changed (summary, and major/minor/patch)",
        )
    if len(new) > 1:
        raise Conflict(
            f"the draft adds {len(new)} revisions; a publication adds one",
            hint="merge the new revisions into one",
        )
    if data.status is Status.DRAFT:
        raise Conflict(
            "the advisory's status is draft; a published advisory is interim or final",
            hint="set the status to final (or interim while you are still investigating)",
        )
    payload = to_json(data)
    first = history[0].date if history else now
    payload["revisions"] = [to_json_revision(r) for r in history] + [
        to_json_revision(new[0]) | {"date": now.isoformat()}
    ]
    if data.canonical_url is None:
        payload["canonical_url"] = target.document_url(data.tracking_id, data.tlp, first.year)
    return AdvisoryInput.model_validate(payload)


@dataclass(frozen=True)
class NoteReadability:
    field: str  #: where in the input: ``notes.summary``, ``vulnerabilities[0].description``
    label: str
    report: ReadabilityReport


_NOTE_LABELS = {
    "summary": "Summary",
    "details": "Details",
    "update_benefits_and_risks": "Benefits and risks of updating",
    "compensating_controls": "Compensating controls until an update is installed",
}


def readability(
    data: AdvisoryInput, target_grade: float = DEFAULT_TARGET_GRADE
) -> list[NoteReadability]:
    """Readability of every text the author writes for people (§3), each on its own."""
    found = [
        NoteReadability(f"notes.{field}", label, score_text(text, target_grade=target_grade))
        for field, label in _NOTE_LABELS.items()
        if (text := getattr(data.notes, field))
    ]
    for v, vuln in enumerate(data.vulnerabilities):
        name = vuln.cve or vuln.title
        found.append(
            NoteReadability(
                f"vulnerabilities[{v}].description",
                f"{name}: description",
                score_text(vuln.description, target_grade=target_grade),
            )
        )
        found += [
            NoteReadability(
                f"vulnerabilities[{v}].remediations[{r}].details",
                f"{name}: remediation {r + 1}",
                score_text(rem.details, target_grade=target_grade),
            )
            for r, rem in enumerate(vuln.remediations)
        ]
    return found


@dataclass(frozen=True)
class Check:
    """What publishing the draft now would give: the built advisory or the problems."""

    built: BuiltAdvisory | None
    #: Why the advisory cannot be built (input problems, failed mandatory tests).
    problems: list[str]
    #: Why publishing would refuse it although it builds (status, nothing new, no TLS).
    blockers: list[str]
    readability: list[NoteReadability]

    @property
    def publishable(self) -> bool:
        return self.built is not None and not self.blockers


def problems_of(error: Error) -> list[str]:
    """An error of building an advisory as the lines a form or an API answer lists."""
    if isinstance(error, InputProblem):
        hint = f" ({error.hint})" if error.hint else ""
        return [f"{format_path(error.path)}: {error.problem}{hint}"]
    if isinstance(error, AdvisoryInvalid):
        return [explain(f, error.document) for f in error.result.errors]
    return [error.diagnostics()]


def check(
    session: Session,
    advisory: Advisory,
    data: AdvisoryInput,
    target: ProviderTarget,
    *,
    now: dt.datetime | None = None,
    target_grade: float = DEFAULT_TARGET_GRADE,
) -> Check:
    """Build ``data`` as publishing would (nothing is stored)."""
    now = now or utcnow()
    blockers: list[str] = []
    try:
        ready = ready_to_publish(advisory, data, target, now)
    except Conflict as e:
        blockers.append(e.diagnostics())
        ready = data
    profiles = StoredProfiles(session, advisory.organization_id)
    built: BuiltAdvisory | None = None
    problems: list[str] = []
    try:
        built = build_advisory(ready, base=profiles, file=advisory.tracking_id, generated=now)
    except Error as e:
        problems = problems_of(e)
    return Check(built, problems, blockers, readability(data, target_grade))
