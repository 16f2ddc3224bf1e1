"""The route table: every router of the service and the access policy of each route.

The app factory includes :data:`ROUTERS`; the authorization-matrix test walks the same
list, so a route cannot be added without the test seeing it.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from medsec.accounts import api as accounts_api
from medsec.advisories.consumer import api as csaf_consumer_api
from medsec.advisories.provider import api as csaf_provider_api
from medsec.advisories.publishing import api as advisories_api
from medsec.audit import api as audit_api
from medsec.disclosure import api as disclosure_api
from medsec.education import api as education_api
from medsec.escalation import api as escalation_api
from medsec.feeds import api as feeds_api
from medsec.findings import api as findings_api
from medsec.inventory import api as inventory_api
from medsec.mds2 import api as mds2_api
from medsec.monitoring import api as monitoring_api
from medsec.network import api as network_api
from medsec.notifications import api as notifications_api
from medsec.products import api as products_api
from medsec.sbom import api as sbom_api
from medsec.updates import api as updates_api
from medsec.updates import planning_api as update_planning_api
from medsec.web import views as web_views

ROUTERS: list[APIRouter] = [
    accounts_api.router,
    audit_api.router,
    products_api.router,
    products_api.public_router,
    mds2_api.router,
    updates_api.router,
    inventory_api.router,
    csaf_provider_api.router,
    disclosure_api.router,
    disclosure_api.wellknown_router,
    update_planning_api.router,
    network_api.router,
    sbom_api.router,
    monitoring_api.router,
    escalation_api.router,
    education_api.router,
    notifications_api.router,
    feeds_api.router,
    feeds_api.public_router,
    advisories_api.router,
    csaf_consumer_api.router,
    findings_api.router,
    *web_views.ROUTERS,
]


def _policies(dependant: Dependant) -> Iterator[str]:
    for dep in dependant.dependencies:
        policy = getattr(dep.call, "medsec_policy", None)
        if isinstance(policy, str):
            yield policy
        yield from _policies(dep)


def policy_of(route: APIRoute) -> str | None:
    """``public``, ``authenticated`` or ``permission:<name>``; None if undeclared."""
    found = sorted(set(_policies(route.dependant)))
    return found[0] if len(found) == 1 else (None if not found else "conflict:" + ",".join(found))


def iter_routes(app: FastAPI, extra: list[APIRouter] | None = None) -> Iterator[APIRoute]:
    """Each API route once: every route the app serves — health checks, the API routers,
    the HTML pages — and any route of :data:`ROUTERS` or ``extra`` it does not include.

    FastAPI keeps an included router as one wrapper entry in ``app.router.routes``;
    ``fastapi.routing.iter_route_contexts`` (what FastAPI's OpenAPI generator uses) opens
    them. Routers are included without an extra prefix or dependencies, so each route's
    own path and declared policy are the ones that apply.
    """
    seen: set[tuple[str, frozenset[str]]] = set()
    served = [context.original_route for context in iter_route_contexts(app.router.routes)]
    listed = [route for router in [*ROUTERS, *(extra or [])] for route in router.routes]
    for route in [*served, *listed]:
        if isinstance(route, APIRoute):
            key = (route.path, frozenset(route.methods or ()))
            if key not in seen:
                seen.add(key)
                yield route
