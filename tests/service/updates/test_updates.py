"""Update releases, patch lists and lifecycle notices in the service: drafts and
publishing (immutable from then on), what a holding hospital sees, the audit trail, the
publication date of notices and the worker that publishes them when due."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from medsec.accounts.roles import OrganizationKind, Role
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context
from medsec.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied
from medsec.service import Instance
from medsec.updates import services as updates
from medsec.updates.manifest import load_patches, load_release
from medsec.updates.schemas import NoticeIn, PatchListIn, ReleaseIn
from medsec.worker import tasks
from medsec.worker.queue import build_huey

REPO = Path(__file__).resolve().parents[3]
RELEASE = REPO / "examples" / "updates" / "lvp-3000-4.2.2.yaml"
PATCHES = REPO / "examples" / "updates" / "lvp-3000-patches.yaml"


@dataclasses.dataclass
class Setup:
    psirt: Any
    hospital: Any
    stranger: Any
    version_id: int
    product_id: int


@pytest.fixture
def world(make: Any) -> Setup:
    maker = make.organization(OrganizationKind.MANUFACTURER, name="Northwind")
    psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    version = make.publish(psirt, make.upload(psirt))
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Clinic")
    hospital = make.actor(make.user(clinic, Role.CLINICAL_ENGINEER))
    make.hold(hospital, version.product_id)
    other = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="Elsewhere")
    stranger = make.actor(make.user(other, Role.CLINICAL_ENGINEER))
    return Setup(psirt, hospital, stranger, version.id, version.product_id)


def manifest(**changes: Any) -> ReleaseIn:
    return load_release(RELEASE).model_copy(update=changes)


def test_a_release_is_a_draft_until_published_then_immutable(make: Any, world: Setup) -> None:
    with make.session() as session:
        draft = updates.create_release(session, world.psirt, world.product_id, manifest())
        assert draft.status == "draft"
        assert draft.sbom_sha256 is not None and len(draft.sbom_sha256) == 64
        assert draft.applies_to == "vers:generic/>=4.0.0|<4.2.2"
        updates.publish_release(session, world.psirt, draft.id)
    with make.session() as session, pytest.raises(Conflict, match="published and immutable"):
        updates.create_release(session, world.psirt, world.product_id, manifest())
    with make.session() as session:
        second = updates.create_release(
            session, world.psirt, world.product_id, manifest(version="4.2.3")
        )
        assert second.id != draft.id


def test_publishing_needs_a_recent_login(make: Any, world: Setup) -> None:
    stale = dataclasses.replace(world.psirt, recently_authenticated=False)
    with make.session() as session:
        draft = updates.create_release(session, world.psirt, world.product_id, manifest())
    with make.session() as session, pytest.raises(AuthenticationRequired):
        updates.publish_release(session, stale, draft.id)


def test_a_holder_sees_published_releases_only_and_a_stranger_none(make: Any, world: Setup) -> None:
    with make.session() as session:
        done = updates.create_release(session, world.psirt, world.product_id, manifest())
        updates.publish_release(session, world.psirt, done.id)
        pending = updates.create_release(
            session, world.psirt, world.product_id, manifest(version="4.2.3")
        )
    with make.session() as session:
        seen = updates.releases(session, world.hospital, world.product_id)
        assert [r.version for r in seen] == ["4.2.2"]
        with pytest.raises(NotFound):
            updates.get_release(session, world.hospital, pending.id)
        with pytest.raises(NotFound):
            updates.releases(session, world.stranger, world.product_id)
        with pytest.raises(NotFound):
            updates.get_release(session, world.stranger, done.id)


def test_a_hospital_cannot_write_update_information(make: Any, world: Setup) -> None:
    clinic_admin = make.actor(make.user(make.organization_of(world.hospital), Role.ADMIN))
    with make.session() as session, pytest.raises(PermissionDenied, match="only manufacturer"):
        updates.create_release(session, clinic_admin, world.product_id, manifest())


def test_patch_lists_are_upserted_by_kind_and_identifier(make: Any, world: Setup) -> None:
    with make.session() as session:
        updates.import_patches(session, world.psirt, world.version_id, load_patches(PATCHES))
    change = PatchListIn.model_validate(
        {
            "patches": [
                {"kind": "endpoint-protection", "identifier": "1.403.2721.0", "status": "validated"}
            ]
        }
    )
    with make.session() as session:
        updates.import_patches(session, world.psirt, world.version_id, change)
    with make.session() as session:
        listed = updates.patches(session, world.hospital, world.version_id)
        assert [(p.identifier, p.status) for p in listed] == [
            ("1.403.2721.0", "validated"),
            ("KB5034439", "validated"),
            ("KB5034441", "incompatible"),
        ]
        tags = session.execute(
            select(AuditEvent.details).where(AuditEvent.tag == "updates:patch:changed")
        ).scalars()
        assert {
            "patch": "1.403.2721.0",
            "kind": "endpoint-protection",
            "from": "not-validated",
            "to": "validated",
            "changed": ["released_on", "status", "title"],
        } in list(tags)


def test_reimporting_the_same_list_changes_nothing(make: Any, world: Setup) -> None:
    with make.session() as session:
        first = updates.import_patches(
            session, world.psirt, world.version_id, load_patches(PATCHES)
        )
    with make.session() as session:
        again = updates.import_patches(
            session, world.psirt, world.version_id, load_patches(PATCHES)
        )
        events = session.execute(
            select(AuditEvent).where(AuditEvent.tag == "updates:patch:changed")
        ).scalars().all()  # fmt: skip
    assert (len(first), again, len(events)) == (3, [], 3)


def test_a_patch_listed_twice_is_refused_and_nothing_is_stored(make: Any, world: Setup) -> None:
    entry = {"kind": "os-patch", "identifier": "KB1", "status": "validated"}
    twice = PatchListIn.model_validate({"patches": [entry, entry]})
    with make.session() as session, pytest.raises(Conflict, match=r"patches\[1\]"):
        updates.import_patches(session, world.psirt, world.version_id, twice)
    with make.session() as session:
        assert updates.patches(session, world.psirt, world.version_id) == []


@pytest.mark.parametrize(
    ("dates", "lead", "publish_on"),
    [
        ({"end_of_support": dt.date(2030, 1, 31)}, 12, dt.date(2029, 1, 31)),
        ({"end_of_support": dt.date(2030, 3, 31)}, 1, dt.date(2030, 2, 28)),  # month end
        ({"end_of_support": dt.date(2028, 3, 31)}, 1, dt.date(2028, 2, 29)),  # leap year
        (
            {"end_of_sale": dt.date(2029, 6, 30), "end_of_support": dt.date(2031, 6, 30)},
            18,
            dt.date(2027, 12, 30),
        ),
        ({"end_of_security_updates": dt.date(2030, 5, 15)}, 0, dt.date(2030, 5, 15)),
    ],
)
def test_the_publication_date_is_the_first_end_date_less_the_lead_time(
    make: Any, world: Setup, dates: dict[str, dt.date], lead: int, publish_on: dt.date
) -> None:
    with make.session() as session:
        notice = updates.set_notice(
            session, world.psirt, world.version_id, NoticeIn(lead_months=lead, **dates)
        )
        assert (notice.publish_on, notice.lead_months) == (publish_on, lead)


def test_the_organization_default_lead_time_applies(make: Any, world: Setup) -> None:
    with make.session() as session:
        assert updates.lead_months(session, world.psirt.organization_id) == 12
        updates.set_lead_months(session, world.psirt, 6)
    with make.session() as session:
        notice = updates.set_notice(
            session, world.psirt, world.version_id, NoticeIn(end_of_support=dt.date(2030, 7, 1))
        )
        assert notice.publish_on == dt.date(2030, 1, 1)


def test_a_notice_without_dates_is_refused(make: Any, world: Setup) -> None:
    with make.session() as session, pytest.raises(Conflict, match="at least one date"):
        updates.set_notice(session, world.psirt, world.version_id, NoticeIn(plan="replace"))


def test_due_notices_are_published_by_the_worker_on_their_date(
    make: Any, world: Setup, instance: Instance
) -> None:
    with make.session() as session:
        updates.set_notice(
            session, world.psirt, world.version_id,
            NoticeIn(end_of_support=dt.date(2030, 1, 31), risks="no more security fixes"),
        )  # fmt: skip
    huey = build_huey(instance.settings, immediate=True)
    registered = tasks.register(huey, instance)
    with make.session() as session, pytest.raises(NotFound):
        updates.get_notice(session, world.hospital, world.version_id)

    with time_machine.travel(dt.datetime(2029, 1, 30, 23, 0, tzinfo=dt.UTC), tick=False):
        registered.publish_notices()
        with make.session() as session:
            assert updates.due_notices(session, dt.date(2029, 1, 30)) == []
            with pytest.raises(NotFound):
                updates.get_notice(session, world.hospital, world.version_id)

    with time_machine.travel(dt.datetime(2029, 1, 31, 0, 7, tzinfo=dt.UTC), tick=False):
        registered.publish_notices()
        registered.publish_notices()  # nothing left: published once

    with make.session() as session:
        notice = updates.get_notice(session, world.hospital, world.version_id)
        assert notice.published_at == dt.datetime(2029, 1, 31, 0, 7, tzinfo=dt.UTC)
        assert notice.risks == "no more security fixes"
        events = session.execute(
            select(AuditEvent).where(AuditEvent.tag == "updates:notice:published")
        ).scalars().all()  # fmt: skip
        assert len(events) == 1 and events[0].details["by"] == "schedule"
        assert events[0].organization_id == world.psirt.organization_id


def test_publishing_a_notice_early(make: Any, world: Setup) -> None:
    with make.session() as session:
        updates.set_notice(
            session, world.psirt, world.version_id, NoticeIn(end_of_sale=dt.date(2035, 1, 1))
        )
        updates.publish_notice(session, world.psirt, world.version_id)
    with make.session() as session:
        assert updates.get_notice(session, world.hospital, world.version_id).published_at
        assert updates.publish_due(session, dt.date(2040, 1, 1), Context.cli()) == []


def test_every_change_is_an_audit_event(make: Any, world: Setup) -> None:
    with make.session() as session:
        release = updates.create_release(session, world.psirt, world.product_id, manifest())
        updates.publish_release(session, world.psirt, release.id)
        updates.set_notice(
            session, world.psirt, world.version_id, NoticeIn(end_of_sale=dt.date(2035, 1, 1))
        )
        updates.publish_notice(session, world.psirt, world.version_id)
        updates.set_lead_months(session, world.psirt, 9)
    with make.session() as session:
        tags = session.execute(
            select(AuditEvent.tag).where(AuditEvent.tag.like("updates:%")).order_by(AuditEvent.seq)
        ).scalars().all()  # fmt: skip
    assert tags == [
        "updates:release:created",
        "updates:release:published",
        "updates:notice:saved",
        "updates:notice:published",
        "updates:settings:changed",
    ]


def test_the_api_answers_a_bad_manifest_with_each_problem(
    client: TestClient, make: Any, world: Setup, auth_header: Any
) -> None:
    from medsec.accounts.models import User

    with make.session() as session:
        user = session.get(User, world.psirt.user_id)
    _, token = make.token(user)
    body = load_release(RELEASE).model_dump(mode="json")
    body |= {"applies_to": "vers:generic/>=x", "fixes": ["CVE-1"], "apply_mode": "whenever"}

    response = client.post(
        f"/api/v1/products/{world.product_id}/updates", json=body, headers=auth_header(token)
    )

    assert response.status_code == 422
    paths = {p["path"] for p in response.json()["problems"]}
    assert paths == {"body.applies_to", "body.fixes", "body.apply_mode"}

    good = client.post(
        f"/api/v1/products/{world.product_id}/updates",
        json=load_release(RELEASE).model_dump(mode="json"),
        headers=auth_header(token),
    )
    assert good.status_code == 201
    sbom = client.get(f"/api/v1/updates/{good.json()['id']}/sbom", headers=auth_header(token))
    assert sbom.headers["content-type"] == "application/vnd.cyclonedx+json"
    assert sbom.headers["etag"] == f'"{good.json()["sbom_sha256"]}"'
    assert b'"bomFormat": "CycloneDX"' in sbom.content
