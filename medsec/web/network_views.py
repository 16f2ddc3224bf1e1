"""A site's network in the browser: the zone diagram (server-side SVG) with its conduit
table, the authorized flow map per asset or zone, to-dos and conflicts, firewall rule
downloads, the conn.log upload and the violations of the latest check. No JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.errors import DocumentError, Error
from medsec.flows import services as flow_checks
from medsec.inventory import services as inventory
from medsec.network import services
from medsec.network.api import DOWNLOADS, MAX_SITE_FILE_BYTES
from medsec.network.diagram import conduit_label, conflict_pairs, zone_diagram
from medsec.network.firewall.targets import Target
from medsec.network.flowmap import FlowMap
from medsec.network.site_import import import_site
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
Writer = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]


def _page(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    site_id: ObjectId,
    *,
    asset: str | None = None,
    zone: str | None = None,
    upload_error: str | None = None,
    import_error: str | None = None,
    status: int = 200,
) -> Response:
    actor = viewer.actor
    site = inventory.get_site(session, actor, site_id)
    fmap: FlowMap | None = None
    problem: str | None = None
    try:
        fmap = services.flowmap(session, actor, site.id)
    except Error as e:
        problem = explain(e)
    shown = fmap
    if fmap is not None and asset and fmap.site.asset(asset) is not None:
        shown = fmap.for_asset(asset)
    elif fmap is not None and zone and zone in {z.name for z in fmap.site.zones}:
        shown = fmap.for_zone(zone)
    return render(
        request,
        "network/site.html",
        viewer=viewer,
        status=status,
        site=site,
        fmap=fmap,
        shown=shown,
        asset=asset or "",
        zone=zone or "",
        problem=problem,
        diagram=Markup(zone_diagram(fmap.site, fmap.conflicts)) if fmap else None,  # noqa: S704 — built with html.escape
        conduit_label=conduit_label,
        conflict_pairs=conflict_pairs(fmap.conflicts) if fmap else {},
        targets=list(Target),
        latest=flow_checks.latest_check(session, actor, site.id),
        upload_error=upload_error,
        import_error=import_error,
        can_write=actor.can(Permission.INVENTORY_WRITE),
        max_upload=flow_checks.MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@router.get("/inventory/sites/{site_id}/network")
def site_network(
    request: Request,
    session: DbSession,
    viewer: Reader,
    site_id: ObjectId,
    asset: str | None = None,
    zone: str | None = None,
) -> Response:
    return _page(request, session, viewer, site_id, asset=asset, zone=zone)


@router.get("/inventory/sites/{site_id}/network/rules/{target}")
def rules_download(
    session: DbSession, viewer: Reader, site_id: ObjectId, target: Target
) -> Response:
    text = services.firewall(session, viewer.actor, site_id, target)
    suffix, media = DOWNLOADS[target]
    return Response(
        text,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="site-{site_id}.{suffix}"'},
    )


@router.get("/inventory/sites/{site_id}/network/site.yaml")
def site_file_download(session: DbSession, viewer: Reader, site_id: ObjectId) -> Response:
    _, text = services.export_site(session, viewer.actor, site_id)
    return Response(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="site-{site_id}.yaml"'},
    )


@router.post("/inventory/sites/{site_id}/network/flow-checks")
async def upload_flows(
    request: Request,
    session: DbSession,
    viewer: Writer,
    site_id: ObjectId,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check an uploaded conn.log or nfdump CSV; show its violations on the site page."""
    if file is None or not file.filename:
        return _page(
            request, session, viewer, site_id, upload_error="Choose a log file.", status=422
        )
    try:
        content = await file.read(flow_checks.MAX_UPLOAD_BYTES + 1)
        flow_checks.check_upload(session, viewer.actor, site_id, file.filename, content)
    except Error as e:
        discard(session, e)
        return _page(request, session, viewer, site_id, upload_error=explain(e), status=422)
    return see_other(f"/inventory/sites/{site_id}/network#violations", "flows-checked")


@router.post("/inventory/sites/{site_id}/network/site-file")
async def upload_site_file(
    request: Request,
    session: DbSession,
    viewer: Writer,
    site_id: ObjectId,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Import a site file into the site, all or nothing."""
    if file is None or not file.filename:
        return _page(
            request, session, viewer, site_id, import_error="Choose a site file.", status=422
        )
    try:
        text = (await file.read(MAX_SITE_FILE_BYTES + 1)).decode("utf-8", errors="replace")
        if len(text) > MAX_SITE_FILE_BYTES:
            raise Error(f"{file.filename}: a site file is at most {MAX_SITE_FILE_BYTES} bytes")
        import_site(session, viewer.actor, site_id, text, file.filename)
    except Error as e:
        discard(session, e)
        message = e.diagnostics() if isinstance(e, DocumentError) else explain(e)
        return _page(request, session, viewer, site_id, import_error=message, status=422)
    return see_other(f"/inventory/sites/{site_id}/network", "site-file-imported")
