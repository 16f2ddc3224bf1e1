"""Vulnerability findings in the browser: the fleet page (counts by priority as an inline
SVG chart with its table, the list filterable by state, priority, KEV and site), an
asset's findings, a finding's evidence page with the triage form, and a product version's
findings with the manufacturer's VEX upload. Every form works without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.findings import decisions, services, vex
from medsec.findings.chart import priority_svg
from medsec.findings.services import FindingFilter
from medsec.inventory import services as inventory
from medsec.products import services as products
from medsec.vulns.findings import FindingState
from medsec.vulns.priority import Level
from medsec.vulns.vex.documents import MAX_VEX_BYTES
from medsec.vulns.vex.model import Justification, VexStatus
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

AssetReader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
Triager = Annotated[Viewer, page(Permission.FINDINGS_TRIAGE)]
ProductReader = Annotated[Viewer, page(Permission.PRODUCTS_READ)]
ProductWriter = Annotated[Viewer, page(Permission.PRODUCTS_WRITE)]
Text = Annotated[str, Query(max_length=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
PAGE_SIZE = 50


def _choice(enum: Any, value: str) -> Any:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def _filter(state: str, priority: str, kev: str, site: str, q: str) -> FindingFilter:
    return FindingFilter(
        state=_choice(FindingState, state),
        priority=_choice(Level, priority),
        kev={"yes": True, "no": False}.get(kev),
        site_id=int(site) if site.isdigit() and 0 < int(site) < 2**31 else None,
        open_only=state == "open",
        text=q.strip() or None,
    )


def _chart(by_priority: dict[Level, int], open_by: dict[Level, int], title: str) -> Markup:
    # Generated here from numbers and fixed labels only, every text escaped.
    return Markup(priority_svg(by_priority, open_by, title))  # noqa: S704


def _form_values(state: str, priority: str, kev: str, site: str, q: str) -> dict[str, str]:
    return {"state": state, "priority": priority, "kev": kev, "site": site, "q": q}


@router.get("/findings")
def fleet(
    request: Request,
    session: DbSession,
    viewer: AssetReader,
    state: Text = "",
    priority: Text = "",
    kev: Text = "",
    site: Text = "",
    q: Text = "",
    offset: Offset = 0,
) -> Response:
    where = _filter(state, priority, kev, site, q)
    found = services.fleet_findings(session, viewer.actor, where, offset, PAGE_SIZE)
    return render(
        request,
        "findings/fleet.html",
        viewer=viewer,
        found=found,
        chart=_chart(found.by_priority, found.open_by_priority, "Findings by priority, fleet"),
        sites=inventory.list_sites(session, viewer.actor),
        values=_form_values(state, priority, kev, site, q),
        states=["open", *(s.value for s in FindingState)],
        levels=[level.value for level in Level],
        base="/findings",
        export="/api/v1/findings/export",
        page_size=PAGE_SIZE,
    )


@router.get("/inventory/assets/{asset_id}/findings")
def asset(
    request: Request,
    session: DbSession,
    viewer: AssetReader,
    asset_id: int,
    state: Text = "",
    priority: Text = "",
    kev: Text = "",
    q: Text = "",
    offset: Offset = 0,
) -> Response:
    where = _filter(state, priority, kev, "", q)
    device = inventory.get_asset(session, viewer.actor, asset_id)
    found = services.asset_findings(session, viewer.actor, asset_id, where, offset, PAGE_SIZE)
    return render(
        request,
        "findings/asset.html",
        viewer=viewer,
        asset=device,
        found=found,
        chart=_chart(found.by_priority, found.open_by_priority, f"Findings of {device.serial}"),
        values=_form_values(state, priority, kev, "", q),
        states=["open", *(s.value for s in FindingState)],
        levels=[level.value for level in Level],
        base=f"/inventory/assets/{asset_id}/findings",
        export=f"/api/v1/assets/{asset_id}/findings/export",
        page_size=PAGE_SIZE,
    )


def _finding_page(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    asset_id: int,
    component_id: int,
    vulnerability: str,
    *,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    detail = services.finding(session, viewer.actor, asset_id, component_id, vulnerability)
    return render(
        request,
        "findings/finding.html",
        viewer=viewer,
        status=status,
        detail=detail,
        f=detail.item.finding,
        errors=errors or FormErrors(),
        can_triage=viewer.actor.can(Permission.FINDINGS_TRIAGE),
        statuses=[s.value for s in VexStatus],
        justifications=[j.value for j in Justification],
        action=f"/inventory/assets/{asset_id}/findings/{component_id}/{vulnerability}/triage",
    )


@router.get("/inventory/assets/{asset_id}/findings/{component_id}/{vulnerability}")
def finding(
    request: Request,
    session: DbSession,
    viewer: AssetReader,
    asset_id: int,
    component_id: int,
    vulnerability: str,
) -> Response:
    return _finding_page(request, session, viewer, asset_id, component_id, vulnerability)


@router.post("/inventory/assets/{asset_id}/findings/{component_id}/{vulnerability}/triage")
def triage(
    request: Request,
    session: DbSession,
    viewer: Triager,
    asset_id: int,
    component_id: int,
    vulnerability: str,
    status: Annotated[str, Form()] = "",
    justification: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    errors = FormErrors()
    chosen = _choice(VexStatus, status)
    if chosen is None:
        errors.add("status", "Choose the state of the finding.")
    why = _choice(Justification, justification)
    if justification and why is None:
        errors.add("justification", "Choose one of the listed justifications.")
    if not errors:
        try:
            decision = decisions.TriageDecision(chosen, why, note[:4000])
            decisions.record_triage(
                session, viewer.actor, asset_id, component_id, vulnerability, decision
            )
        except Error as e:
            discard(session, e)
            errors.add("justification" if "justification" in e.message else None, explain(e))
    if errors:
        return _finding_page(
            request, session, viewer, asset_id, component_id, vulnerability, errors=errors,
            status=422,
        )  # fmt: skip
    url = f"/inventory/assets/{asset_id}/findings/{component_id}/{vulnerability}"
    return see_other(url, "triage-recorded")


def _version_page(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    version_id: int,
    state: str = "",
    *,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    version = products.get_version(session, viewer.actor, version_id)
    where = _filter(state, "", "", "", "")
    found = services.version_findings(session, viewer.actor, version_id, where)
    own = version.product.organization_id == viewer.actor.organization_id
    title = f"Findings of {version.product.name} {version.version}"
    return render(
        request,
        "findings/version.html",
        viewer=viewer,
        status=status,
        version=version,
        found=found,
        documents=vex.documents(session, viewer.actor, version_id),
        chart=_chart(found.by_priority, found.open_by_priority, title),
        can_attach=own
        and viewer.actor.can(Permission.PRODUCTS_WRITE)
        and viewer.actor.organization_kind.is_manufacturer,
        errors=errors or FormErrors(),
        state=state,
        states=["open", *(s.value for s in FindingState)],
    )


@router.get("/versions/{version_id}/findings")
def version(
    request: Request, session: DbSession, viewer: ProductReader, version_id: int, state: Text = ""
) -> Response:
    return _version_page(request, session, viewer, version_id, state)


@router.post("/versions/{version_id}/vex")
async def version_vex(
    request: Request,
    session: DbSession,
    viewer: ProductWriter,
    version_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        vex.check_attachable(session, viewer.actor, version_id)
        if file is None or not file.filename:
            raise Error("choose a VEX file", hint="CycloneDX VEX, OpenVEX or CSAF VEX (JSON)")
        data = await file.read(MAX_VEX_BYTES + 1)
        vex.attach(session, viewer.actor, version_id, data, file.filename)
    except Error as e:
        discard(session, e)
        errors = FormErrors()
        errors.add("file", explain(e))
        problems = getattr(e, "problems", [])
        for p in problems[:20]:
            errors.add(None, str(p))
        return _version_page(request, session, viewer, version_id, errors=errors, status=e.status)
    return see_other(f"/versions/{version_id}/findings", "vex-attached")
