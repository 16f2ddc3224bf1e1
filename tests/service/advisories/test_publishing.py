"""Advisories in the service: a manufacturer keeps a draft built from its stored profiles,
checks it, publishes it into the CSAF provider (signed, served at /.well-known/csaf/), and
every hospital holding the product or assets of its versions is notified and acknowledges.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from medsec.accounts.roles import OrganizationKind, Role
from medsec.advisories.authoring.input import AdvisoryInput
from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.check import check_provider
from medsec.advisories.publishing import publish, services
from medsec.advisories.publishing.demo import example_input
from medsec.advisories.publishing.models import AdvisoryRevision
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.advisories.signing.openpgp import KeyStore, load_certificate, verify_detached
from medsec.advisories.validation import default_validator
from medsec.audit.models import AuditEvent
from medsec.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied
from medsec.inventory.models import Asset
from medsec.notifications import services as notifications
from medsec.notifications.models import Notification
from medsec.service import Instance

SITE = "https://psirt.example.com"
PUMP = "Northwind LVP 3000"


@dataclasses.dataclass
class World:
    make: Any
    psirt: Any
    target: ProviderTarget
    holder: Any  # an analyst of a hospital that holds the pump
    owner: Any  # an analyst of a hospital with a pump asset linked, without a holding
    stranger: Any  # an analyst of a hospital with neither
    versions: dict[str, int]


@pytest.fixture
def world(make: Any, instance: Instance) -> World:
    instance.settings.base_url = SITE
    KeyStore(instance.settings.data_dir, instance.settings.resolved_secret_key()).create(
        "Northwind PSIRT <psirt@northwind.example>"
    )
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    versions = {}
    for number in ("4.2.0", "4.2.1", "4.2.2"):
        versions[number] = make.publish(psirt, make.upload(psirt, name=PUMP, version=number)).id
    hospitals = [make.organization(OrganizationKind.HEALTHCARE_PROVIDER) for _ in range(3)]
    holder, owner, stranger = (make.actor(make.user(h, Role.SECURITY_ANALYST)) for h in hospitals)
    with make.session() as session:
        from medsec.products.models import ProfileVersion

        pump = session.get(ProfileVersion, versions["4.2.1"])
        assert pump is not None
        pump_product = pump.product_id
    make.hold(holder, pump_product)
    site = make.site(owner)
    asset = make.asset(owner, site.id)
    with make.session() as session:
        row = session.get(Asset, asset.id)
        assert row is not None
        row.profile_version_id = versions["4.2.0"]
    return World(make, psirt, ProviderTarget.from_settings(instance.settings), holder, owner,
                 stranger, versions)  # fmt: skip


def draft(w: World, **changes: Any) -> int:
    data = example_input(PUMP) | changes
    with w.make.session() as session:
        return services.create(session, w.psirt, AdvisoryInput.model_validate(data)).id


def publish_now(w: World, advisory_id: int) -> AdvisoryRevision:
    with w.make.session() as session:
        return publish.publish(session, w.psirt, advisory_id, w.target)


def test_a_draft_checks_clean_with_the_products_from_the_stored_profiles(world: World) -> None:
    advisory_id = draft(world)
    with world.make.session() as session:
        advisory = services.own_advisory(session, world.psirt, advisory_id)
        found = services.check(session, advisory, services.draft_of(advisory), world.target)
    assert found.problems == [] and found.blockers == []
    assert found.publishable
    assert found.built is not None
    document = found.built.document
    assert document["document"]["tracking"]["version"] == "1.0.0"
    [leaf] = [
        b["product"]
        for b in document["product_tree"]["branches"][0]["branches"][0]["branches"]
        if b["name"] == "4.2.0"
    ]
    # The 4.2.0 profile describes 4.2.0: its own purl and CPE, not the 4.2.1 ones.
    assert leaf["product_identification_helper"]["purl"] == "pkg:generic/northwind/lvp-3000@4.2.0"
    assert document["document"]["references"][0]["url"] == (
        f"{SITE}/.well-known/csaf/white/{document['document']['tracking']['initial_release_date'][:4]}"
        "/nwis-2026-004.json"
    )
    assert {r.field for r in found.readability} >= {"notes.summary", "notes.details"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"products": [{"key": "lvp", "product": "Unknown pump"}]},
            "products[0].product: your organization has no product 'Unknown pump'",
        ),
        (
            {"products": [{"key": "lvp", "profile": "pump.yaml"}]},
            "products[0].profile: the service describes products by their stored profiles",
        ),
    ],
)
def test_a_draft_naming_what_the_service_does_not_have_lists_the_problem(
    world: World, change: dict[str, Any], problem: str
) -> None:
    advisory_id = draft(world, **change)
    with world.make.session() as session:
        advisory = services.own_advisory(session, world.psirt, advisory_id)
        found = services.check(session, advisory, services.draft_of(advisory), world.target)
    assert not found.publishable
    assert [p for p in found.problems if p.startswith(problem)], found.problems


def test_publishing_signs_the_document_into_the_provider_and_notifies_the_customers(
    world: World, client: TestClient, instance: Instance
) -> None:
    advisory_id = draft(world)
    revision = publish_now(world, advisory_id)
    assert (revision.version, revision.status, revision.tlp) == ("1.0.0", "final", "WHITE")

    # The provider serves it, hashed and signed with the instance key.
    year = json.loads(revision.document)["document"]["tracking"]["initial_release_date"][:4]
    path = f"/.well-known/csaf/white/{year}/nwis-2026-004.json"
    served = client.get(path)
    assert served.status_code == 200
    assert served.content == revision.document.encode()
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    key = client.get(metadata["public_openpgp_keys"][0]["url"].removeprefix(SITE))
    signature = client.get(f"{path}.asc").content
    fingerprint = verify_detached(served.content, signature, [load_certificate(key.content)])
    assert fingerprint == metadata["public_openpgp_keys"][0]["fingerprint"]
    report = check_provider(provider_dir(instance.settings.data_dir), validator=default_validator())
    failed = [r.number for r in report.results if r.status.value == "fail"]
    assert failed == [], report.to_json()

    # The holder and the hospital with a linked asset were told; the stranger was not.
    with world.make.session() as session:
        told = publish.recipients(session, world.psirt, advisory_id)
        pending = session.execute(
            select(Notification).where(Notification.topic == publish.TOPIC)
        ).scalars()
        notified_orgs = {n.organization_id for n in pending}
    assert {(r.holds, r.assets, r.users_notified, r.acknowledged_at) for r in told} == {
        (True, 0, 1, None),
        (False, 1, 1, None),
    }
    assert notified_orgs == {world.holder.organization_id, world.owner.organization_id}

    # The worker delivers; the hospital reads it among its notifications and acknowledges.
    with world.make.session() as session:
        notifications.deliver_pending(session)
    with world.make.session() as session:
        [note] = notifications.mine(session, world.holder)
        assert note.subject.startswith("NWIS-2026-004 1.0.0 from Northwind: ")
        [seen] = publish.received(session, world.holder)
        assert seen.acknowledged_at is None
        acknowledged = publish.acknowledge(session, world.holder, advisory_id)
        assert acknowledged.acknowledged_by == world.holder.username
        publish.acknowledge(session, world.holder, advisory_id)  # again: nothing changes
        assert publish.received(session, world.stranger) == []
        with pytest.raises(NotFound):
            publish.acknowledge(session, world.stranger, advisory_id)
    with world.make.session() as session:
        told = publish.recipients(session, world.psirt, advisory_id)
        acks = {r.holds: r.acknowledged_by for r in told}
        tags = [
            e.tag
            for e in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
            if e.tag.startswith("advisories:")
        ]
    assert acks == {True: world.holder.username, False: None}
    assert tags == [
        "advisories:advisory:saved",
        "advisories:csaf:published",
        "advisories:recipients:notified",
        "advisories:advisory:acknowledged",
    ]


def test_a_new_revision_keeps_the_published_one_and_bumps_the_version(world: World) -> None:
    advisory_id = draft(world)
    first = publish_now(world, advisory_id)
    with world.make.session() as session:
        advisory = services.own_advisory(session, world.psirt, advisory_id)
        data = services.to_json(services.draft_of(advisory))
        data["notes"]["compensating_controls"] = "Let only the pump server reach the pumps."
        data["revisions"].append(
            {"date": "2030-01-01T00:00:00Z", "summary": "Added controls.", "change": "minor"}
        )
        services.update(session, world.psirt, advisory_id, AdvisoryInput.model_validate(data))
    second = publish_now(world, advisory_id)
    assert (first.version, second.version) == ("1.0.0", "1.1.0")
    with world.make.session() as session:
        kept = session.get(AdvisoryRevision, first.id)
        assert kept is not None and kept.document == first.document
        history = json.loads(second.document)["document"]["tracking"]["revision_history"]
        # Each revision notifies again: the holder is a recipient of both.
        assert len(publish.recipients(session, world.psirt, advisory_id)) == 4
    assert [h["number"] for h in history] == ["1.0.0", "1.1.0"]
    assert (
        history[0]["date"]
        == json.loads(first.document)["document"]["tracking"]["revision_history"][0]["date"]
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["revisions"].__setitem__(0, d["revisions"][0] | {"summary": "Rewritten."}),
         "revisions[0] (1.0.0) is published and cannot change"),
        (lambda d: d.__setitem__("tracking_id", "NWIS-2026-999"),
         "its tracking ID cannot change"),
    ],
)  # fmt: skip
def test_a_published_revision_cannot_be_rewritten(world: World, edit: Any, message: str) -> None:
    advisory_id = draft(world)
    publish_now(world, advisory_id)
    with world.make.session() as session:
        advisory = services.own_advisory(session, world.psirt, advisory_id)
        data = services.to_json(services.draft_of(advisory))
        edit(data)
        with pytest.raises(Conflict, match=re.escape(message)):
            services.update(session, world.psirt, advisory_id, AdvisoryInput.model_validate(data))


def test_publishing_again_without_a_new_revision_is_refused(world: World) -> None:
    advisory_id = draft(world)
    publish_now(world, advisory_id)
    with pytest.raises(Conflict, match="adds no revision"):
        publish_now(world, advisory_id)


def test_a_draft_status_is_not_published(world: World) -> None:
    advisory_id = draft(world, status="draft")
    with pytest.raises(Conflict, match="status is draft"):
        publish_now(world, advisory_id)


def test_publishing_needs_a_recent_login_and_a_manufacturer(world: World) -> None:
    advisory_id = draft(world)
    with world.make.session() as session:
        stale = dataclasses.replace(world.psirt, recently_authenticated=False)
        with pytest.raises(AuthenticationRequired):
            publish.publish(session, stale, advisory_id, world.target)
        hospital = dataclasses.replace(world.holder, recently_authenticated=True)
        with pytest.raises(PermissionDenied):
            publish.publish(session, hospital, advisory_id, world.target)


def test_another_organization_s_advisory_does_not_exist(world: World) -> None:
    advisory_id = draft(world)
    other = world.make.organization(OrganizationKind.MANUFACTURER)
    rival = world.make.actor(world.make.user(other, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    with world.make.session() as session:
        with pytest.raises(NotFound):
            services.own_advisory(session, rival, advisory_id)
        with pytest.raises(NotFound):
            publish.publish(session, rival, advisory_id, world.target)
        assert services.list_advisories(session, rival) == []


def test_without_tls_or_a_key_nothing_is_published(world: World, instance: Instance) -> None:
    advisory_id = draft(world)
    plain = ProviderTarget(world.target.data_dir, "http://psirt.example.com", b"x" * 48)
    with pytest.raises(Conflict, match="needs an https:// address"):
        publish_now(dataclasses.replace(world, target=plain), advisory_id)
    keyless = ProviderTarget(world.target.data_dir / "elsewhere", SITE, b"x" * 48)
    with pytest.raises(Conflict, match="no CSAF signing key"):
        publish_now(dataclasses.replace(world, target=keyless), advisory_id)
    with world.make.session() as session:
        advisory = services.own_advisory(session, world.psirt, advisory_id)
        assert (advisory.state, advisory.revisions) == ("draft", [])
    assert not (provider_dir(instance.settings.data_dir)).exists()


def test_an_amber_advisory_is_only_in_the_restricted_tree(
    world: World, client: TestClient, auth_header: Any
) -> None:
    advisory_id = draft(world, tlp="AMBER")
    revision = publish_now(world, advisory_id)
    year = json.loads(revision.document)["document"]["tracking"]["initial_release_date"][:4]
    name = f"amber/{year}/nwis-2026-004.json"
    assert client.get(f"/.well-known/csaf/{name}").status_code == 404
    assert client.get(f"/.well-known/csaf/restricted/{name}").status_code == 401
    with world.make.session() as session:
        from medsec.accounts.models import User

        user = session.get(User, world.holder.user_id)
    _, token = world.make.token(user)
    served = client.get(f"/.well-known/csaf/restricted/{name}", headers=auth_header(token))
    assert served.status_code == 200 and served.content == revision.document.encode()


def test_two_publications_of_one_advisory_run_one_after_the_other(
    world: World, database_kind: str
) -> None:
    """Regression: both requests built 1.0.0 and the second failed on the unique version."""
    if database_kind != "postgresql":
        pytest.skip("SQLite has no row locks; a SQLite instance serves one writer at a time")
    import concurrent.futures

    advisory_id = draft(world)

    def attempt() -> str:
        try:
            return publish_now(world, advisory_id).version
        except Conflict as e:
            return e.message

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: attempt(), range(2)))
    assert outcomes[0] == "1.0.0"
    assert "adds no revision" in outcomes[1]


# --------------------------------------------------------------------------- provider order
# The database is the record of a publication, and the CSAF provider follows it: the
# document reaches the provider only after the revision is committed; a commit that fails
# leaves no file; a write that fails after the commit is caught up from the database.

NAME = "nwis-2026-004.json"


def _published_files(instance: Instance) -> list[Path]:
    root = provider_dir(instance.settings.data_dir)
    return sorted(root.rglob(NAME)) if root.exists() else []


def test_a_commit_that_fails_leaves_no_file_in_the_provider(
    world: World, instance: Instance
) -> None:
    advisory_id = draft(world)

    def fail(_session: Session) -> None:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"), world.make.session() as session:
        event.listen(session, "before_commit", fail)
        publish.publish(session, world.psirt, advisory_id, world.target)
    assert _published_files(instance) == []
    assert list(world.target.documents.glob("*.json")) == []
    with world.make.session() as session:
        advisory = services.own_advisory(session, world.psirt, advisory_id)
        assert (advisory.state, advisory.revisions) == ("draft", [])
    # publishing again works, and writes the file once committed
    revision = publish_now(world, advisory_id)
    assert [p.read_bytes() for p in _published_files(instance)] == [revision.document.encode()]


def test_a_write_that_fails_after_the_commit_is_caught_up_from_the_database(
    world: World, instance: Instance, client: TestClient, caplog: Any
) -> None:
    advisory_id = draft(world)
    key = KeyStore(instance.settings.data_dir, instance.settings.resolved_secret_key())
    aside = key.secret_path.with_name("aside")
    with world.make.session() as session:
        revision = publish.publish(session, world.psirt, advisory_id, world.target)
        shutil.move(key.secret_path, aside)  # the build after the commit cannot sign
    shutil.move(aside, key.secret_path)
    assert "could not be written" in caplog.text
    with world.make.session() as session:  # the publication stands
        assert services.own_advisory(session, world.psirt, advisory_id).state == "published"
    assert _published_files(instance) == []
    assert list(world.target.documents.glob("*.json")) == []  # as the provider was built

    with world.make.session() as session:
        assert publish.sync(session, world.target) is True
        assert publish.sync(session, world.target) is False  # nothing left to write
    year = json.loads(revision.document)["document"]["tracking"]["initial_release_date"][:4]
    served = client.get(f"/.well-known/csaf/white/{year}/{NAME}")
    assert served.status_code == 200 and served.content == revision.document.encode()


def test_a_later_revision_written_first_is_not_replaced_by_an_earlier_one(
    world: World, instance: Instance
) -> None:
    """Two publications whose commits and writes crossed: the later revision stays."""
    advisory_id = draft(world)
    first = publish_now(world, advisory_id)
    with world.make.session() as session:
        advisory = services.own_advisory(session, world.psirt, advisory_id)
        data = services.to_json(services.draft_of(advisory))
        data["revisions"].append(
            {"date": "2030-01-01T00:00:00Z", "summary": "Added controls.", "change": "minor"}
        )
        services.update(session, world.psirt, advisory_id, AdvisoryInput.model_validate(data))
    second = publish_now(world, advisory_id)
    name = next(world.target.documents.glob("*.json")).name
    assert world.target.write({name: first.document.encode()}) is False
    assert [p.read_bytes() for p in _published_files(instance)] == [second.document.encode()]
