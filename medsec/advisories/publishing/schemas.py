"""API shapes of advisories kept in the service (the input is
:class:`~medsec.advisories.authoring.input.AdvisoryInput` itself)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from medsec.advisories.publishing.models import Advisory, AdvisoryRevision
from medsec.advisories.publishing.publish import Received, RecipientView
from medsec.advisories.publishing.services import Check


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: str
    status: str
    tlp: str
    summary: str
    sha256: str
    published_at: dt.datetime
    published_by: str | None

    @classmethod
    def of(cls, revision: AdvisoryRevision) -> RevisionOut:
        return cls.model_validate(revision)


class AdvisoryOut(BaseModel):
    id: int
    tracking_id: str
    title: str
    #: ``draft`` (never published) or ``published``.
    state: str
    #: The latest published version, if any.
    version: str | None
    #: The draft was changed after the latest publication.
    unpublished_changes: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    revisions: list[RevisionOut]
    #: The draft: the advisory input (the same model as ``medsec csaf new`` reads).
    draft: dict[str, Any]

    @classmethod
    def of(cls, advisory: Advisory) -> AdvisoryOut:
        last = advisory.revisions[-1] if advisory.revisions else None
        return cls(
            id=advisory.id,
            tracking_id=advisory.tracking_id,
            title=advisory.title,
            state=advisory.state,
            version=last.version if last else None,
            unpublished_changes=last is None or advisory.updated_at > last.published_at,
            created_at=advisory.created_at,
            updated_at=advisory.updated_at,
            revisions=[RevisionOut.of(r) for r in advisory.revisions],
            draft=advisory.draft,
        )


class CheckOut(BaseModel):
    """What publishing the draft now would give."""

    publishable: bool
    #: The version publishing would give the new revision.
    version: str | None
    problems: list[str]
    blockers: list[str]
    #: Validation of the built document (optional and informative findings included).
    validation: dict[str, Any] | None
    #: Per note: ``field``, ``label`` and the readability report.
    readability: list[dict[str, Any]]

    @classmethod
    def of(cls, check: Check) -> CheckOut:
        built = check.built
        return cls(
            publishable=check.publishable,
            version=built.document["document"]["tracking"]["version"] if built else None,
            problems=check.problems,
            blockers=check.blockers,
            validation=built.validation.to_json() if built else None,
            readability=[
                {"field": r.field, "label": r.label, **r.report.to_json()}
                for r in check.readability
            ],
        )


class RecipientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organization: str
    version: str
    holds: bool
    assets: int
    users_notified: int
    notified_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None

    @classmethod
    def of(cls, view: RecipientView) -> RecipientOut:
        return cls.model_validate(view)


class ReceivedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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

    @classmethod
    def of(cls, item: Received) -> ReceivedOut:
        return cls.model_validate(item)
