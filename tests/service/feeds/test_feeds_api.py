"""The feeds API as a hospital's integration and a manufacturer's pipeline call it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from medsec.feeds import api as feeds_api

from .conftest import World


@pytest.fixture
def api(world: World) -> Iterator[Any]:
    app = world.transport.client.app
    app.dependency_overrides[feeds_api.transport] = lambda: world.transport  # type: ignore[attr-defined]
    yield world.transport.client
    app.dependency_overrides.clear()  # type: ignore[attr-defined]


def bearer(world: World, who: str) -> dict[str, str]:
    _, value = world.make.token(world.users[who])
    return {"Authorization": f"Bearer {value}"}


def test_subscribe_fetch_read_and_remove(world: World, api: Any) -> None:
    world.publish("4.2.1", sbom=True)
    hospital = bearer(world, "analyst")
    created = api.post(
        "/api/v1/feed-subscriptions",
        headers=hospital,
        json={"url": world.feed_url, "key": world.key},
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["last_status"] == "never" and len(subscription["fingerprint"]) == 40
    again = api.post(
        "/api/v1/feed-subscriptions",
        headers=hospital,
        json={"url": world.feed_url, "key": world.key},
    )
    assert again.status_code == 409

    base = f"/api/v1/feed-subscriptions/{subscription['id']}"
    report = api.post(f"{base}/fetch", headers=hospital).json()
    assert report["status"] == "ok" and len(report["stored"]) == 2
    entries = api.get(f"{base}/entries", headers=hospital).json()
    assert [e["kind"] for e in entries] == ["sbom", "profile"], "newest first"
    assert (
        api.get(f"{base}/entries", headers=hospital, params={"state": "quarantined"}).json() == []
    )
    detail = api.get(f"/api/v1/feed-entries/{entries[1]['id']}", headers=hospital).json()
    assert detail["changes"] is None and detail["previous_version_id"] is None
    assert api.get(base, headers=hospital).json()["last_status"] == "ok"

    assert api.delete(base, headers=hospital).status_code == 204
    assert api.get(base, headers=hospital).status_code == 404
    # The versions it delivered stay:
    version = api.get(f"/api/v1/profile-versions/{detail['profile_version_id']}", headers=hospital)
    assert version.status_code == 200 and version.json()["status"] == "published"


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"url": "http://psirt.example/index.json", "key": "x"}, 400, "https://"),
        ({"url": "https://psirt.example/index.json", "key": "x"}, 400, "not an OpenPGP public key"),
        ({"url": "https://psirt.example/index.json"}, 422, "key"),
    ],
)
def test_a_bad_subscription_is_a_problem_saying_why(
    world: World, api: Any, body: dict[str, str], status: int, says: str
) -> None:
    response = api.post("/api/v1/feed-subscriptions", headers=bearer(world, "analyst"), json=body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert says in response.text
