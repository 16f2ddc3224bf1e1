"""The route table: every router of the service and the access policy of each route.

The app factory includes :data:`ROUTERS`; the authorization-matrix test walks the same
list, so a route cannot be added without the test seeing it.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from medsec.accounts import api as accounts_api
from medsec.audit import api as audit_api
from medsec.products import api as products_api

ROUTERS: list[APIRouter] = [
    accounts_api.router,
    audit_api.router,
    products_api.router,
    products_api.public_router,
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
    """The app's own API routes and every route of :data:`ROUTERS` (and ``extra``)."""
    for route in app.router.routes:
        if isinstance(route, APIRoute):
            yield route
    for router in [*ROUTERS, *(extra or [])]:
        for route in router.routes:
            if isinstance(route, APIRoute):
                yield route
