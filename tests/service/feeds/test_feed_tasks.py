"""The worker's ``feeds.poll`` job."""

from __future__ import annotations

import datetime as dt

import pytest

from medsec.feeds import tasks
from medsec.worker import tasks as worker_tasks
from medsec.worker.queue import build_huey

from .conftest import World


@pytest.mark.parametrize(
    ("at", "runs"),
    [
        (dt.datetime(2026, 12, 3, 16, 45), True),
        (dt.datetime(2026, 12, 3, 17, 0), True),
        (dt.datetime(2026, 12, 3, 16, 46), False),
    ],
)
def test_the_poll_runs_every_quarter_hour(world: World, at: dt.datetime, runs: bool) -> None:
    huey = build_huey(world.instance.settings)
    worker_tasks.register(huey, world.instance)
    periodic = {t.__name__: t for t in huey._registry._periodic_tasks}
    assert periodic["feeds.poll"]().validate_datetime(at) is runs


def test_a_poll_fetches_every_subscription_each_in_its_own_transaction(world: World) -> None:
    world.publish("4.2.1")
    good = world.subscribe()
    from medsec.feeds import subscriptions

    with world.make.session() as session:
        broken = subscriptions.subscribe(
            session,
            world.analyst,
            "http://127.0.0.1:9/public/feeds/gone/index.json",
            world.key.encode(),
        ).id
    reports = {r.subscription_id: r for r in tasks.poll(world.instance, world.transport)}
    assert reports[good].status == "ok" and reports[good].stored
    assert reports[broken].status == "failed"
    again = {r.subscription_id: r.status for r in tasks.poll(world.instance, world.transport)}
    assert again == {good: "unchanged", broken: "failed"}
