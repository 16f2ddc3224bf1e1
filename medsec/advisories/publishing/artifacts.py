"""The files of an advisory: CSAF JSON, plain-language page, field safety notice (HTML,
PDF) — of a published revision (as published) or a preview of the draft."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.advisories.authoring.render import fsn_pdf, render_fsn_html, render_html
from medsec.advisories.provider.layout import csaf_file_name
from medsec.advisories.publishing import services
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.errors import Error, NotFound

#: ``version`` that asks for a preview of the draft instead of a published revision.
DRAFT = "draft"


class Artifact(enum.StrEnum):
    CSAF = "csaf.json"
    HTML = "advisory.html"
    FSN_HTML = "fsn.html"
    FSN_PDF = "fsn.pdf"

    @property
    def media_type(self) -> str:
        return {
            Artifact.CSAF: "application/json",
            Artifact.HTML: "text/html; charset=utf-8",
            Artifact.FSN_HTML: "text/html; charset=utf-8",
            Artifact.FSN_PDF: "application/pdf",
        }[self]


def parse_artifact(name: str) -> Artifact:
    try:
        return Artifact(name)
    except ValueError as e:
        raise NotFound(
            f"no advisory file {name!r}", hint=f"one of: {', '.join(a.value for a in Artifact)}"
        ) from e


@dataclass(frozen=True)
class File:
    body: bytes
    media_type: str
    filename: str
    published: bool


class DraftDoesNotBuild(Error):
    kind = "invalid-advisory"
    status = 422
    title = "The draft does not build"


def artifact(
    session: Session,
    actor: Actor,
    advisory_id: int,
    name: str,
    target: ProviderTarget,
    version: str | None = None,
) -> File:
    """A published revision's file (``version``, default the latest), or with
    ``version="draft"`` the draft's, as publishing it now would give (own advisory only)."""
    kind = parse_artifact(name)
    if version == DRAFT:
        advisory = services.own_advisory(session, actor, advisory_id)
        check = services.check(session, advisory, services.draft_of(advisory), target)
        if check.built is None:
            raise DraftDoesNotBuild(
                f"the draft of {advisory.tracking_id} does not build: " + "; ".join(check.problems),
                hint="check the draft and correct what it lists",
            )
        built = check.built
        texts = {
            Artifact.CSAF: json.dumps(built.document, indent=2, ensure_ascii=False) + "\n",
            Artifact.HTML: render_html(built),
        }
        fsn = render_fsn_html(built)
        stem, label, published = advisory.tracking_id, "draft", False
    else:
        advisory = services.visible_advisory(session, actor, advisory_id)
        if not advisory.revisions:
            raise NotFound(f"advisory {advisory_id} has no published revision")
        revision = (
            services.revision(session, actor, advisory_id, version)
            if version
            else advisory.revisions[-1]
        )
        texts = {Artifact.CSAF: revision.document, Artifact.HTML: revision.html}
        fsn = revision.fsn_html
        stem, label, published = advisory.tracking_id, revision.version, True
    texts[Artifact.FSN_HTML] = fsn
    body = fsn_pdf(fsn) if kind is Artifact.FSN_PDF else texts[kind].encode()
    base = csaf_file_name(stem).removesuffix(".json")
    suffix = {
        Artifact.CSAF: ".json",
        Artifact.HTML: ".html",
        Artifact.FSN_HTML: "-fsn.html",
        Artifact.FSN_PDF: "-fsn.pdf",
    }[kind]
    return File(body, kind.media_type, f"{base}-{label}{suffix}", published)
