"""Feeds no medsec instance would publish, signed with the pinned key all the same: a
subscriber checks every entry on its own and quarantines what does not hold."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from medsec.advisories.signing.openpgp import KeyStore
from medsec.feeds import receiving, subscriptions
from medsec.feeds.index import FeedEntryDoc, FeedIndex, Kind, Publisher, index_bytes
from medsec.feeds.interfaces import Fetched, FetchFailed
from medsec.feeds.models import FeedEntry
from medsec.products.models import ProfileVersion

from .conftest import World

FEED = "https://psirt.example/public/feeds/acme/index.json"


@dataclass
class DictTransport:
    documents: dict[str, bytes] = field(default_factory=dict)

    def get(self, url: str, *, max_bytes: int, etag: str | None = None) -> Fetched:
        if url not in self.documents:
            raise FetchFailed(f"{url}: the server answered 404")
        return Fetched(200, self.documents[url])


def serve(world: World, entries: list[tuple[FeedEntryDoc, bytes]]) -> DictTransport:
    index = FeedIndex(
        publisher=Publisher(name="Acme", slug="acme"), entries=[e for e, _ in entries]
    )
    body = index_bytes(index)
    settings = world.instance.settings
    signer = KeyStore(settings.data_dir, settings.resolved_secret_key()).signer()
    transport = DictTransport({FEED: body, FEED + ".asc": signer.sign_detached(body).encode()})
    for entry, content in entries:
        transport.documents[receiving.urljoin(FEED, entry.url)] = content
    return transport


def profile_entry(world: World, content: bytes, **changes: object) -> FeedEntryDoc:
    values: dict[str, object] = {
        "product": "Northwind LVP 3000",
        "manufacturer": "Northwind Infusion Systems",
        "version": "4.2.1",
        "kind": Kind.PROFILE,
        "url": "/public/feeds/acme/versions/1/profile",
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "filename": "pump.yaml",
    }
    return FeedEntryDoc.model_validate(values | changes)


def fetch(world: World, transport: DictTransport) -> receiving.FetchReport:
    with world.make.session() as session:
        found = subscriptions.subscribe(session, world.analyst, FEED, world.key.encode())
        return receiving.fetch(session, found, transport, world.analyst.context)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"url": "https://elsewhere.example/pump.yaml"}, "is not on the feed's origin"),
        ({"product": "Another Pump"}, "the index says version 4.2.1 of Another Pump"),
        ({"version": "9.9"}, "the index says version 9.9"),
        ({"size": 10**9}, "more than the 2097152 allowed"),
    ],
)
def test_an_entry_that_does_not_hold_is_quarantined(
    world: World, changes: dict[str, object], reason: str
) -> None:
    content = world.make.profile_text().encode()
    entry = profile_entry(world, content, **changes)
    transport = serve(world, [(entry, content)])
    if "url" in changes:
        transport.documents[str(changes["url"])] = content
    report = fetch(world, transport)
    assert report.status == "partial"
    [(key, why)] = report.quarantined
    assert reason in why, why
    with world.make.session() as session:
        assert (
            session.execute(
                select(ProfileVersion).where(ProfileVersion.uploaded_by.like("feed:%"))
            ).first()
            is None
        )
        row = session.execute(select(FeedEntry)).scalar_one()
        assert (row.state, row.entry_key) == ("quarantined", key)


def test_a_document_missing_on_the_server_is_left_for_the_next_fetch(world: World) -> None:
    content = world.make.profile_text().encode()
    entry = profile_entry(world, content)
    transport = serve(world, [(entry, content)])
    del transport.documents[receiving.urljoin(FEED, entry.url)]
    report = fetch(world, transport)
    assert report.status == "partial" and report.quarantined == []
    assert "404" in report.errors[0]
    with world.make.session() as session:
        assert session.execute(select(FeedEntry)).first() is None, "nothing recorded yet"


def test_a_document_that_is_not_a_profile_is_quarantined_with_its_problems(world: World) -> None:
    content = b"psp_version: 1\nproduct: {}\n"
    transport = serve(world, [(profile_entry(world, content), content)])
    report = fetch(world, transport)
    [(_, why)] = report.quarantined
    assert "pump.yaml" in why, why
