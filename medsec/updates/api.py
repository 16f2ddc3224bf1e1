"""``/api/v1`` routes for update releases, third-party patch lists and lifecycle notices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.errors import NotFound
from medsec.updates import services
from medsec.updates.schemas import (
    NoticeIn,
    NoticeOut,
    PatchListIn,
    PatchOut,
    ReleaseIn,
    ReleaseOut,
    SettingsIn,
)

router = APIRouter(prefix="/api/v1", tags=["updates"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.PRODUCTS_READ)]
Writer = Annotated[Actor, requires(Permission.UPDATES_WRITE)]
Publisher = Annotated[Actor, requires(Permission.UPDATES_PUBLISH)]


@router.get("/products/{product_id}/updates")
def list_releases(product_id: ObjectId, actor: Reader, session: DbSession) -> list[ReleaseOut]:
    """The product's releases in release order (for holders: the published ones)."""
    return [ReleaseOut.model_validate(r) for r in services.releases(session, actor, product_id)]


@router.post("/products/{product_id}/updates", status_code=201)
def create_release(
    product_id: ObjectId, body: ReleaseIn, actor: Writer, session: DbSession
) -> ReleaseOut:
    """Store a release manifest as a draft (a draft of the same kind and version is replaced)."""
    return ReleaseOut.model_validate(services.create_release(session, actor, product_id, body))


@router.get("/updates/{release_id}")
def get_release(release_id: ObjectId, actor: Reader, session: DbSession) -> ReleaseOut:
    return ReleaseOut.model_validate(services.get_release(session, actor, release_id))


@router.get("/updates/{release_id}/sbom")
def get_sbom(release_id: ObjectId, actor: Reader, session: DbSession) -> Response:
    """The SBOM of the new version, as uploaded (with its media type and sha256 ETag)."""
    release = services.get_release(session, actor, release_id)
    if release.sbom is None or release.sbom_media_type is None:
        raise NotFound(f"release {release_id} has no SBOM")
    return Response(
        release.sbom.encode(),
        media_type=release.sbom_media_type,
        headers={"ETag": f'"{release.sbom_sha256}"'},
    )


@router.post("/updates/{release_id}/publish")
def publish_release(release_id: ObjectId, actor: Publisher, session: DbSession) -> ReleaseOut:
    """Publish a draft to the holders of the product (needs a recent login)."""
    return ReleaseOut.model_validate(services.publish_release(session, actor, release_id))


@router.get("/profile-versions/{version_id}/third-party-patches")
def list_patches(version_id: ObjectId, actor: Reader, session: DbSession) -> list[PatchOut]:
    return [PatchOut.model_validate(p) for p in services.patches(session, actor, version_id)]


@router.put("/profile-versions/{version_id}/third-party-patches")
def import_patches(
    version_id: ObjectId, body: PatchListIn, actor: Writer, session: DbSession
) -> list[PatchOut]:
    """Add or update entries by (kind, identifier); answers the whole list."""
    services.import_patches(session, actor, version_id, body)
    return [PatchOut.model_validate(p) for p in services.patches(session, actor, version_id)]


@router.get("/profile-versions/{version_id}/lifecycle-notice")
def get_notice(version_id: ObjectId, actor: Reader, session: DbSession) -> NoticeOut:
    return NoticeOut.model_validate(services.get_notice(session, actor, version_id))


@router.put("/profile-versions/{version_id}/lifecycle-notice")
def set_notice(
    version_id: ObjectId, body: NoticeIn, actor: Writer, session: DbSession
) -> NoticeOut:
    """Save the notice; its publication date is computed from the lead time."""
    return NoticeOut.model_validate(services.set_notice(session, actor, version_id, body))


@router.post("/profile-versions/{version_id}/lifecycle-notice/publish")
def publish_notice(version_id: ObjectId, actor: Publisher, session: DbSession) -> NoticeOut:
    """Publish the notice now instead of on its publication date."""
    return NoticeOut.model_validate(services.publish_notice(session, actor, version_id))


@router.put("/organization/update-settings")
def set_settings(body: SettingsIn, actor: Publisher, session: DbSession) -> SettingsIn:
    """The organization's default notice lead time in months."""
    found = services.set_lead_months(session, actor, body.notice_lead_months)
    return SettingsIn(notice_lead_months=found.notice_lead_months)
