"""The advisory leg of a feed: the index names the manufacturer instance's CSAF provider, and
the hospital's feed fetch subscribes to it once, pinned to the key the feed subscription
pinned, and fetches it — the advisory is imported, matched to the hospital's pump and
notified. No provider in the index, no CSAF subscription; a provider signing with another
key than the feed's is not followed on the feed's word."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.advisories.consumer import services as consumer
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.consumer.models import AdvisoryMatch, CsafSubscription
from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.build import build_provider
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator
from medsec.audit.models import AuditEvent
from medsec.feeds import receiving, subscriptions
from medsec.feeds.advisories import AdvisoryLeg
from medsec.feeds.models import FeedSubscription
from medsec.notifications.models import Notification
from medsec.service import Instance

from ..conftest import FAST_HASHER, settings_for
from .conftest import ORIGIN, World

FIXTURE = Path(__file__).resolve().parents[2] / "advisories" / "fixtures" / "exm-2026-001.json"
PROVIDER = f"{ORIGIN}/.well-known/csaf/provider-metadata.json"


@pytest.fixture
def instance(database_url: str, tmp_path: Path) -> Iterator[Instance]:
    """The test instance at the feed's loopback origin, so its provider is reachable."""
    settings = settings_for(tmp_path, database_url).model_copy(update={"base_url": ORIGIN})
    inst = Instance.from_settings(settings)
    inst.auth = dataclasses.replace(inst.auth, hasher=FAST_HASHER)
    try:
        yield inst
    finally:
        inst.db.dispose()


class Forward(httpx.BaseTransport):
    """The CSAF downloader's requests, answered by the instance's app."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.client.request(request.method, request.url.path)
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        return httpx.Response(answer.status_code, headers=headers, content=answer.content)


def build(world: World, tmp_path: Path, store: KeyStore | None = None) -> None:
    """The instance's CSAF provider with one advisory (Example Medical's Example Pump 1.0),
    signed with the instance key (the feed's) unless ``store`` is another key."""
    settings = world.instance.settings
    signing = store or KeyStore(settings.data_dir, settings.resolved_secret_key())
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / FIXTURE.name).write_text(FIXTURE.read_text())
    build_provider(
        docs,
        provider_dir(settings.data_dir),
        base_url=ORIGIN,
        signer=signing.signer(),
        validator=default_validator(),
    )


@pytest.fixture
def leg(world: World) -> Iterator[AdvisoryLeg]:
    with http_client(Forward(world.transport.client)) as client:
        yield AdvisoryLeg(Downloader(client), default_validator())


@pytest.fixture
def pump(world: World) -> int:
    """The hospital's pump the advisory concerns."""
    site = world.make.site(world.analyst)
    asset = world.make.asset(
        world.analyst,
        site.id,
        "EX-0001",
        vendor="Example Medical",
        model="Example Pump",
        firmware_version="1.0",
    )
    return int(asset.id)


def fetch(world: World, subscription_id: int, leg: AdvisoryLeg) -> receiving.FetchReport:
    with world.make.session() as session:
        found = subscriptions.for_fetch(session, world.analyst, subscription_id)
        return receiving.fetch(session, found, world.transport, world.analyst.context, leg)


def csaf_subscriptions(world: World) -> list[CsafSubscription]:
    with world.make.session() as session:
        rows = session.scalars(
            select(CsafSubscription).where(
                CsafSubscription.organization_id == world.analyst.organization_id
            )
        ).all()
        session.expunge_all()
        return list(rows)


def test_the_feeds_provider_is_subscribed_once_with_the_feeds_key_and_fetched(
    world: World, leg: AdvisoryLeg, pump: int, tmp_path: Path
) -> None:
    build(world, tmp_path)
    world.publish("4.2.1")
    subscription_id = world.subscribe()

    report = fetch(world, subscription_id, leg)

    assert report.status == "ok", report.to_json()
    leg_report = report.advisories
    assert leg_report is not None
    assert (leg_report.provider_url, leg_report.created, leg_report.error) == (
        PROVIDER,
        True,
        None,
    )
    assert leg_report.counts is not None
    assert (leg_report.counts["imported"], leg_report.counts["newMatches"]) == (1, 1)
    with world.make.session() as session:
        feed = session.get(FeedSubscription, subscription_id)
        assert feed is not None
        feed_key = (feed.fingerprint, feed.certificate)
        [match] = session.scalars(select(AdvisoryMatch)).all()
        assert (match.asset_id, match.organization_id) == (pump, world.analyst.organization_id)
        notes = session.scalars(
            select(Notification).where(Notification.topic == "advisory-match")
        ).all()
        assert world.analyst.user_id in {n.user_id for n in notes}
        [added] = session.scalars(
            select(AuditEvent).where(AuditEvent.tag == "advisories:subscription:added")
        ).all()
        assert added.organization_id == world.analyst.organization_id
    [row] = csaf_subscriptions(world)
    assert row.id == leg_report.csaf_subscription_id
    assert (row.key_fingerprint, row.public_key) == feed_key, "pinned to the feed's key"
    assert (row.metadata_url, row.created_by) == (PROVIDER, f"feed:{subscription_id}")

    # the next version: the same CSAF subscription, fetched again, nothing new
    world.publish("4.2.2")
    again = fetch(world, subscription_id, leg).advisories
    assert again is not None
    assert (again.created, again.fetched, again.csaf_subscription_id) == (False, True, row.id)
    assert again.counts is not None and again.counts["unchanged"] == 1
    # nothing changed in the feed: the provider is left to the hourly csaf.fetch
    quiet = fetch(world, subscription_id, leg)
    assert quiet.status == "unchanged" and quiet.advisories is not None
    assert (quiet.advisories.created, quiet.advisories.fetched) == (False, False)
    assert [r.id for r in csaf_subscriptions(world)] == [row.id], "never a second one"


def test_no_provider_in_the_index_no_csaf_subscription(world: World, leg: AdvisoryLeg) -> None:
    world.publish("4.2.1")
    subscription_id = world.subscribe()

    report = fetch(world, subscription_id, leg)

    assert report.status == "ok" and report.advisories is None
    assert csaf_subscriptions(world) == []


def test_a_subscription_added_by_hand_is_kept_not_repinned(
    world: World, leg: AdvisoryLeg, tmp_path: Path
) -> None:
    build(world, tmp_path)
    world.publish("4.2.1")
    subscription_id = world.subscribe()
    with world.make.session() as session:
        fingerprint = KeyStore(
            world.instance.settings.data_dir, world.instance.settings.resolved_secret_key()
        ).info()
        manual = consumer.subscribe(
            session, world.analyst, leg.downloader, PROVIDER, fingerprint.fingerprint
        )
        manual_id = manual.id

    report = fetch(world, subscription_id, leg).advisories

    assert report is not None and report.error is None
    assert (report.created, report.csaf_subscription_id) == (False, manual_id)
    [row] = csaf_subscriptions(world)
    assert (row.id, row.created_by) == (manual_id, world.analyst.username)


def test_a_provider_signing_with_another_key_is_not_followed(
    world: World, leg: AdvisoryLeg, tmp_path: Path
) -> None:
    other = KeyStore(tmp_path / "other", b"o" * 48)
    other.create("Someone Else <psirt@else.example>")
    build(world, tmp_path, other)
    world.publish("4.2.1")
    subscription_id = world.subscribe()

    report = fetch(world, subscription_id, leg)

    assert report.status == "ok", "the feed's versions are stored all the same"
    assert report.advisories is not None and report.advisories.error is not None
    assert "not the feed's" in report.advisories.error
    assert csaf_subscriptions(world) == []
