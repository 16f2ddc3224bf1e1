"""How a feed fetch uses the database: every download (and its checks) happens with no
write lock held — SQLite has one writer for the whole instance — and what was downloaded
is written in one short transaction, all of it or nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, select

from medsec.feeds import receiving, subscriptions
from medsec.feeds.interfaces import Fetched
from medsec.feeds.models import FeedEntry, FeedSubscription
from medsec.findings import vex
from medsec.findings.models import VexDocumentRow
from medsec.products.models import Product, ProfileVersion

from .conftest import AppTransport, World
from .test_feeds import OPENVEX


@dataclass
class LockProbe:
    """Before each answer, asks whether a write lock is held on the database."""

    inner: AppTransport
    write_locked: Callable[[], bool]
    locked: list[str] = field(default_factory=list)

    def get(self, url: str, *, max_bytes: int, etag: str | None = None) -> Fetched:
        if self.write_locked():
            self.locked.append(url)
        return self.inner.get(url, max_bytes=max_bytes, etag=etag)


def _publish_with_documents(world: World) -> None:
    version_id = world.publish("4.2.1", sbom=True)
    with world.make.session() as session:
        vex.attach(session, world.psirt, version_id, json.dumps(OPENVEX).encode(), "lvp.vex.json")


def test_no_write_lock_is_held_while_the_feed_is_downloaded(
    world: World, write_locked: Callable[[], bool]
) -> None:
    _publish_with_documents(world)
    subscription_id = world.subscribe()
    probe = LockProbe(world.transport, write_locked)
    with world.make.session() as session:
        found = subscriptions.for_fetch(session, world.analyst, subscription_id)
        found.last_error = "a write of the caller's (as an API token's last use is)"
        session.flush()
        report = receiving.fetch(session, found, probe, world.analyst.context)
    assert len(report.stored) == 3, report.to_json()
    assert len(probe.inner.requested) == 5  # index, signature, profile, SBOM, VEX
    assert probe.locked == []


def test_a_write_that_fails_leaves_nothing_of_the_fetch(world: World) -> None:
    """The documents are written in one transaction: a failure while storing the last one
    (here the database refuses its entry row) undoes the profile and SBOM stored before it."""
    _publish_with_documents(world)
    subscription_id = world.subscribe()

    def refuse_vex(_mapper: Any, _connection: Any, row: FeedEntry) -> None:
        if row.kind == "vex":
            raise RuntimeError("the disk is full")

    event.listen(FeedEntry, "before_insert", refuse_vex)
    try:
        with pytest.raises(RuntimeError, match="disk is full"):
            world.fetch(subscription_id)
    finally:
        event.remove(FeedEntry, "before_insert", refuse_vex)
    with world.make.session() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert subscription is not None
        assert (subscription.last_status, subscription.etag) == ("never", None)
        assert subscription.publisher_organization_id is None
        assert session.execute(select(FeedEntry)).first() is None
        received = select(ProfileVersion).where(
            ProfileVersion.uploaded_by == f"feed:{subscription_id}"
        )
        assert session.execute(received).first() is None
        assert (
            session.execute(
                select(VexDocumentRow).where(
                    VexDocumentRow.uploaded_by == f"feed:{subscription_id}"
                )
            ).first()
            is None
        )
    # the next fetch stores everything
    assert len(world.fetch(subscription_id).stored) == 3
    with world.make.session() as session:
        assert session.scalar(select(Product.id).where(Product.name == "Northwind LVP 3000"))


def test_a_large_first_fetch_is_written_in_batches_each_complete(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction per batch of downloaded bytes (here: each document); the ETag is
    kept by the last, so an interrupted fetch would be resumed in full."""
    _publish_with_documents(world)
    subscription_id = world.subscribe()
    monkeypatch.setattr(receiving, "BATCH_BYTES", 1)
    report = world.fetch(subscription_id)
    assert (report.status, len(report.stored)) == ("ok", 3)
    with world.make.session() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert subscription is not None and subscription.etag is not None
        states = session.scalars(select(FeedEntry.state)).all()
        assert states == ["stored"] * 3
    assert world.fetch(subscription_id).status == "unchanged"
