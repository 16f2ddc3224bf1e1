"""No route is shadowed by an earlier one: a request for a route's own path reaches it.

Starlette tries routes in order, so ``GET /advisories/{advisory_id}`` registered before
``GET /advisories/subscriptions`` answered the subscriptions page with a 422 (the
word is not an advisory id). Regression test for that bug, and for any later one like it.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import SecretStr
from starlette.routing import Match

from medsec.app import create_app
from medsec.settings import Settings


def _served() -> list[APIRoute]:
    """The app's routes in the order a request meets them."""
    settings = Settings(
        data_dir=Path(tempfile.gettempdir()) / "medsec-route-order",
        database_url="sqlite:///:memory:",
        secret_key=SecretStr("q" * 48),
    )
    app = create_app(settings)
    return [
        c.original_route
        for c in iter_route_contexts(app.router.routes)
        if isinstance(c.original_route, APIRoute)
    ]


def _example_path(template: str) -> str:
    """The template with each parameter filled (a number, or a path for ``:path``)."""
    return re.sub(
        r"\{(\w+)(?::(\w+))?\}", lambda m: "a/b.json" if m.group(2) == "path" else "1", template
    )


def test_every_route_is_reached_by_its_own_path() -> None:
    routes = _served()
    shadowed = []
    for route in routes:
        for method in sorted(route.methods or ()):
            path = _example_path(route.path)
            scope = {"type": "http", "path": path, "method": method, "root_path": ""}
            first = next(r for r in routes if r.matches(scope)[0] is Match.FULL)
            if first is not route:
                shadowed.append(f"{method} {route.path} is taken by {first.path}")
    assert not shadowed, shadowed
