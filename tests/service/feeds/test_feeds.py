"""A manufacturer's signed feed and a hospital's subscription to it, on one instance
(the two-instance journey over loopback is tests/e2e/test_feeds_journey.py)."""

from __future__ import annotations

import json
from typing import Any

import pysequoia
import pytest
from sqlalchemy import select

from medsec.accounts.models import Organization
from medsec.advisories.signing.openpgp import load_certificate, verify_detached
from medsec.errors import Error, NotFound, PermissionDenied
from medsec.feeds import subscriptions
from medsec.feeds import vex as feed_vex
from medsec.feeds.models import FeedEntry, FeedSubscription
from medsec.findings import vex
from medsec.findings.models import VexDocumentRow, VexStatementRow
from medsec.inventory.models import Asset
from medsec.notifications.models import Notification
from medsec.products.models import Holding, Product, ProfileVersion
from medsec.sbom.models import StoredSbom

from .conftest import MODEL, ORIGIN, VENDOR, World

OPENVEX = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://northwind.example/vex/lvp-3000-4.2.1",
    "author": "Northwind PSIRT",
    "timestamp": "2026-03-02T00:00:00Z",
    "version": 1,
    "statements": [
        {
            "vulnerability": {"name": "CVE-2024-3596"},
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "products": [{"@id": "pkg:generic/northwind/lvp-3000@4.2.1"}],
        }
    ],
}


def changed_profile(world: World, version: str) -> str:
    """The example profile at ``version`` with the syslog port moved (a customer-visible
    change the diff reports)."""
    text = world.make.profile_text(version=version)
    assert "default_port: 6514" in text
    return text.replace("default_port: 6514", "default_port: 6600")


def index_of(world: World) -> dict[str, Any]:
    path = world.feed_url.removeprefix(ORIGIN)
    response = world.transport.client.get(path)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def asset(world: World, firmware: str, serial: str) -> Asset:
    site = world.make.site(world.analyst)
    return world.make.asset(  # type: ignore[no-any-return]
        world.analyst, site.id, serial, vendor=VENDOR, model=MODEL, firmware_version=firmware
    )


# --------------------------------------------------------------------------- publishing


def test_the_index_lists_published_versions_with_hashes_and_is_signed(world: World) -> None:
    world.publish("4.2.1", sbom=True)
    world.make.upload(world.psirt, version="5.0.0-draft")  # a draft: not in the feed
    index = index_of(world)
    kinds = [(e["product"], e["version"], e["kind"]) for e in index["entries"]]
    assert kinds == [
        ("Northwind LVP 3000", "4.2.1", "profile"),
        ("Northwind LVP 3000", "4.2.1", "sbom"),
    ]
    for entry in index["entries"]:
        document = world.transport.client.get(entry["url"])
        assert document.status_code == 200
        assert len(document.content) == entry["size"]
        import hashlib

        assert hashlib.sha256(document.content).hexdigest() == entry["sha256"]
    slug_path = world.feed_url.removeprefix(ORIGIN)
    body = world.transport.client.get(slug_path).content
    signature = world.transport.client.get(slug_path + ".asc").content
    key = world.transport.client.get(slug_path.replace("index.json", "key.asc")).content
    fingerprint = verify_detached(body, signature, [load_certificate(key)])
    assert fingerprint == index["publisher"]["key_fingerprint"]


def test_the_index_answers_304_to_its_etag_and_changes_with_a_publication(world: World) -> None:
    world.publish("4.2.1")
    path = world.feed_url.removeprefix(ORIGIN)
    first = world.transport.client.get(path)
    etag = first.headers["etag"]
    assert world.transport.client.get(path, headers={"If-None-Match": etag}).status_code == 304
    world.publish("4.2.2")
    again = world.transport.client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag


@pytest.mark.parametrize(
    "path", ["/public/feeds/nobody/index.json", "/public/feeds/nobody/key.asc"]
)
def test_an_unknown_feed_is_not_found(world: World, path: str) -> None:
    response = world.transport.client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_document_of_an_unpublished_version_is_not_served(world: World) -> None:
    draft = world.make.upload(world.psirt, version="9.9.9")
    slug_path = world.feed_url.removeprefix(ORIGIN).removesuffix("index.json")
    assert world.transport.client.get(f"{slug_path}versions/{draft.id}/profile").status_code == 404


# --------------------------------------------------------------------------- receiving


def test_a_hospital_receives_verifies_stores_matches_and_is_notified(world: World) -> None:
    on_old = asset(world, "4.2.1", "SN-OLD")
    on_new = asset(world, "4.2.2", "SN-NEW")
    world.publish("4.2.1", sbom=True)
    subscription_id = world.subscribe()

    report = world.fetch(subscription_id)
    assert report.status == "ok", report.to_json()
    assert report.stored == ["Northwind LVP 3000/4.2.1/profile", "Northwind LVP 3000/4.2.1/sbom"]

    with world.make.session() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert subscription is not None and subscription.publisher_name == world.manufacturer_name
        publisher = session.get(Organization, subscription.publisher_organization_id)
        assert publisher is not None and publisher.kind == "manufacturer"
        product = session.execute(
            select(Product).where(Product.organization_id == publisher.id)
        ).scalar_one()
        version = session.execute(
            select(ProfileVersion).where(ProfileVersion.product_id == product.id)
        ).scalar_one()
        assert (version.version, version.status) == ("4.2.1", "published")
        sbom = session.execute(
            select(StoredSbom).where(StoredSbom.profile_version_id == version.id)
        ).scalar_one()
        assert sbom.source == "feed" and sbom.component_count > 0
        held = session.execute(
            select(Holding).where(Holding.organization_id == world.analyst.organization_id)
        ).scalar_one()
        assert held.product_id == product.id
        linked = session.get(Asset, on_old.id)
        assert linked is not None and linked.profile_version_id == version.id
        assert linked.profile_link == "matched"
        unlinked = session.get(Asset, on_new.id)
        assert unlinked is not None and unlinked.profile_version_id is None
        first = (
            session.execute(select(Notification).where(Notification.topic == "feed-version"))
            .scalars()
            .all()
        )
        assert {n.subject for n in first} == {
            "New version 4.2.1 of Northwind LVP 3000: 2 of your devices"
        }
        assert len(first) == 2, "both hospital users who read the inventory"

    world.publish("4.2.2", changed_profile(world, "4.2.2"))
    report = world.fetch(subscription_id)
    assert report.stored == ["Northwind LVP 3000/4.2.2/profile"]
    assert report.unchanged == 2
    with world.make.session() as session:
        entry = session.execute(
            select(FeedEntry).where(FeedEntry.entry_key == "Northwind LVP 3000/4.2.2/profile")
        ).scalar_one()
        assert entry.state == "stored" and entry.devices == 2
        assert entry.previous_version_id is not None
        messages = [c["message"] for c in entry.changes or []]
        assert any("6514" in m and "6600" in m for m in messages), messages
        newly = session.get(Asset, on_new.id)
        assert newly is not None and newly.profile_version_id == entry.profile_version_id
        second = (
            session.execute(
                select(Notification).where(
                    Notification.topic == "feed-version", Notification.subject.contains("4.2.2")
                )
            )
            .scalars()
            .all()
        )
        assert second and "What changed since 4.2.1" in (second[0].body or "")
        assert "6600" in (second[0].body or "")


def test_an_unchanged_feed_answers_304_and_stores_nothing(world: World) -> None:
    world.publish("4.2.1")
    subscription_id = world.subscribe()
    assert world.fetch(subscription_id).status == "ok"
    world.transport.requested.clear()
    report = world.fetch(subscription_id)
    assert report.status == "unchanged"
    assert world.transport.requested == [world.feed_url.removeprefix(ORIGIN)], "no documents"


def test_a_tampered_entry_is_quarantined_and_never_stored(world: World) -> None:
    world.publish("4.2.1", sbom=True)
    subscription_id = world.subscribe()

    def tamper(path: str, body: bytes) -> bytes:
        return body.replace(b"6514", b"6515") if path.endswith("/profile") else body

    world.transport.tamper = tamper
    report = world.fetch(subscription_id)
    assert report.status == "partial"
    reasons = dict(report.quarantined)
    assert "SHA-256" in reasons["Northwind LVP 3000/4.2.1/profile"]
    assert "no profile of version 4.2.1" in reasons["Northwind LVP 3000/4.2.1/sbom"]
    with world.make.session() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert subscription is not None
        versions = (
            session.execute(
                select(ProfileVersion)
                .join(Product)
                .where(Product.organization_id == subscription.publisher_organization_id)
            )
            .scalars()
            .all()
        )
        assert versions == []
        states = {e.entry_key: e.state for e in subscription.entries}
        assert set(states.values()) == {"quarantined"}
        assert subscription.last_status == "partial" and subscription.etag is None

    world.transport.tamper = None  # the publisher's server is fixed
    report = world.fetch(subscription_id)
    assert report.status == "ok" and len(report.stored) == 2
    with world.make.session() as session:
        rows = (
            session.execute(select(FeedEntry).where(FeedEntry.subscription_id == subscription_id))
            .scalars()
            .all()
        )
        assert [(r.state, r.reason) for r in rows] == [("stored", None), ("stored", None)]


def test_a_document_that_says_another_version_is_quarantined(world: World) -> None:
    world.publish("4.2.1")
    subscription_id = world.subscribe()
    index = index_of(world)
    entry = index["entries"][0]
    forged = world.make.profile_text(version="4.2.9").encode()
    import hashlib

    entry.update(size=len(forged), sha256=hashlib.sha256(forged).hexdigest())
    # A consistent-looking index (hash and size match the forged document) that is not
    # signed by the pinned key is refused before any entry is read:
    index_body = json.dumps(index).encode()

    def tamper(path: str, body: bytes) -> bytes:
        if path.endswith("index.json"):
            return index_body
        return forged if path.endswith("/profile") else body

    world.transport.tamper = tamper
    report = world.fetch(subscription_id)
    assert report.status == "failed" and "does not verify" in report.errors[0]
    with world.make.session() as session:
        assert session.execute(select(FeedEntry)).first() is None


def test_an_index_signed_by_another_key_stores_nothing(world: World) -> None:
    world.publish("4.2.1")
    other = pysequoia.Tsk.generate(
        "Mallory <m@example>", cipher_suite=pysequoia.CipherSuite.Cv25519
    )
    with world.make.session() as session:
        found = subscriptions.subscribe(
            session, world.analyst, world.feed_url, str(other.extract_certificate()).encode()
        )
        subscription_id = found.id
    report = world.fetch(subscription_id)
    assert report.status == "failed"
    with world.make.session() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert subscription is not None and subscription.last_status == "failed"
        assert "signature" in (subscription.last_error or "")
        assert subscription.publisher_organization_id is None
        assert session.execute(select(FeedEntry)).first() is None


def test_vex_is_carried_and_replaced(world: World) -> None:
    version_id = world.publish("4.2.1")
    with world.make.session() as session:
        vex.attach(session, world.psirt, version_id, json.dumps(OPENVEX).encode(), "lvp.vex.json")
    subscription_id = world.subscribe()
    assert world.fetch(subscription_id).stored[-1] == "Northwind LVP 3000/4.2.1/vex"
    revised = {
        **OPENVEX,
        "version": 2,
        "statements": [
            *OPENVEX["statements"],
            {  # type: ignore[list-item]
                "vulnerability": {"name": "CVE-2025-0001"},
                "status": "fixed",
                "products": [{"@id": "pkg:generic/northwind/lvp-3000@4.2.1"}],
            },
        ],
    }
    with world.make.session() as session:
        vex.attach(session, world.psirt, version_id, json.dumps(revised).encode(), "lvp.vex.json")
    assert world.fetch(subscription_id).stored == ["Northwind LVP 3000/4.2.1/vex"]
    with world.make.session() as session:
        copies = session.scalars(
            select(VexDocumentRow)
            .where(VexDocumentRow.uploaded_by == f"feed:{subscription_id}")
            .order_by(VexDocumentRow.id)
        ).all()
        assert [c.statement_count for c in copies] == [1, 2]
        # one row per document keeps statements and bytes; the newest is the version's VEX
        received = feed_vex.current(session, copies[-1].profile_version_id)
        assert received is not None and received.id == copies[-1].id
        assert received.format == "openvex"
        assert received.document == json.dumps(revised).encode()
        # both documents' statements reach the subscriber's findings
        statements = session.scalars(
            select(VexStatementRow.vulnerability).where(
                VexStatementRow.profile_version_id == received.profile_version_id
            )
        ).all()
        assert sorted(statements) == ["CVE-2024-3596", "CVE-2024-3596", "CVE-2025-0001"]


def test_an_invalid_vex_is_refused_with_its_place(world: World) -> None:
    version_id = world.publish("4.2.1")
    with world.make.session() as session, pytest.raises(Error) as caught:
        vex.attach(session, world.psirt, version_id, b'{"statements": 1}', "bad.json")
    assert "bad.json" in caught.value.diagnostics()


@pytest.mark.parametrize(
    ("metadata", "announced"),
    [
        (
            '{"canonical_url": "https://psirt.example/.well-known/csaf/provider-metadata.json"}',
            "https://psirt.example/.well-known/csaf/provider-metadata.json",
        ),
        ("{}", "http://testserver/.well-known/csaf/provider-metadata.json"),
        ("not json", "http://testserver/.well-known/csaf/provider-metadata.json"),
        (None, None),
    ],
)
def test_the_csaf_provider_url_is_kept_on_the_subscription(
    world: World, metadata: str | None, announced: str | None
) -> None:
    if metadata is not None:
        folder = world.instance.settings.data_dir / "csaf" / "provider" / "public"
        folder.mkdir(parents=True)
        (folder / "provider-metadata.json").write_text(metadata)
    world.publish("4.2.1")
    subscription_id = world.subscribe()
    world.fetch(subscription_id)
    with world.make.session() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert subscription is not None
        assert subscription.csaf_provider_url == announced


# --------------------------------------------------------------------------- who


def test_another_hospital_sees_no_subscription_of_this_one(world: World) -> None:
    subscription_id = world.subscribe()
    from medsec.accounts.roles import OrganizationKind, Role

    other = world.make.organization(OrganizationKind.HEALTHCARE_PROVIDER)
    stranger = world.make.actor(world.make.user(other, Role.SECURITY_ANALYST))
    with world.make.session() as session:
        assert subscriptions.list_subscriptions(session, stranger) == []
        with pytest.raises(NotFound):
            subscriptions.get(session, stranger, subscription_id)
        with pytest.raises(NotFound):
            subscriptions.for_fetch(session, stranger, subscription_id)


def test_a_manufacturer_does_not_subscribe(world: World) -> None:
    with world.make.session() as session, pytest.raises(PermissionDenied):
        subscriptions.subscribe(session, world.psirt, world.feed_url, world.key.encode())


def test_a_secret_key_is_refused_as_the_pinned_key(world: World) -> None:
    secret = str(pysequoia.Tsk.generate("x <x@example>")).encode()
    with world.make.session() as session, pytest.raises(Error, match="secret key"):
        subscriptions.subscribe(session, world.analyst, world.feed_url, secret)


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://psirt.example/public/feeds/acme/index.json", True),
        ("http://127.0.0.1:8000/public/feeds/acme/index.json", True),
        ("http://localhost/public/feeds/acme/index.json", True),
        ("http://[::1]:9/public/feeds/acme/index.json", True),
        ("http://psirt.example/public/feeds/acme/index.json", False),  # cleartext off-host
        ("file:///etc/passwd", False),
        ("ftp://psirt.example/index.json", False),
        ("https://user:pw@psirt.example/index.json", False),
        ("https://psirt.example/index.json#x", False),
        ("not a url", False),
    ],
)
def test_feed_urls(url: str, accepted: bool) -> None:
    if accepted:
        assert subscriptions.check_url(url) == url
    else:
        with pytest.raises(Error):
            subscriptions.check_url(url)


def test_what_a_hospital_received_is_not_republished_as_its_own_feed(world: World) -> None:
    world.publish("4.2.1")
    subscription_id = world.subscribe()
    world.fetch(subscription_id)
    from medsec.audit.models import AuditEvent
    from medsec.feeds.publishing import slug_of

    with world.make.session() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert subscription is not None
        publisher = session.get(Organization, subscription.publisher_organization_id)
        assert publisher is not None
        assert publisher.name.startswith(world.manufacturer_name + " (feed ")
        created = session.execute(
            select(AuditEvent.tag).where(AuditEvent.target == f"organization:{publisher.id}")
        ).scalars()
        assert list(created) == ["accounts:organization:created"]
    response = world.transport.client.get(f"/public/feeds/{slug_of(publisher.name)}/index.json")
    assert response.status_code == 404


def test_the_signature_is_fetched_beside_the_index_even_with_a_query_string() -> None:
    from medsec.feeds.download import signature_url

    assert signature_url("https://a.example/f/index.json?x=1") == (
        "https://a.example/f/index.json.asc?x=1"
    )


def test_a_published_versions_sbom_that_changes_is_quarantined(world: World) -> None:
    from medsec.sbom import importing, services

    from .conftest import SBOM

    version_id = world.publish("4.2.1", sbom=True)
    subscription_id = world.subscribe()
    assert world.fetch(subscription_id).status == "ok"
    changed = SBOM.read_bytes().replace(b'"version": "3.0.13"', b'"version": "3.0.14"', 1)
    assert changed != SBOM.read_bytes()
    with world.make.session() as session:  # what the manufacturer's service never allows
        owner = services.Owner(world.psirt.organization_id, profile_version_id=version_id)
        services.store(
            session,
            owner,
            importing.source_of_bytes(changed, "sbom.json"),
            importing.document_of_bytes(changed, "sbom.json"),
            uploaded_by="x",
        )
    report = world.fetch(subscription_id)
    [(key, why)] = report.quarantined
    assert key.endswith("/sbom") and "received before with other content" in why
