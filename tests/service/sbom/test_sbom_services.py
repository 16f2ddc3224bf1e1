"""SBOMs attached to profile versions and assets: atomic imports, drafts vs published
versions, who sees what, identity reports."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from medsec.errors import Conflict, Error, NotFound, PermissionDenied
from medsec.inventory import identity
from medsec.inventory.models import AssetEvent
from medsec.inventory.schemas import IdentityIn
from medsec.sbom import importing, services
from medsec.sbom.models import SbomComponent, StoredSbom
from medsec.sbom.ntia import ntia_report
from medsec.sbom.read import read_sbom_bytes
from medsec.sbom.services import ComponentFilter
from medsec.sbom.summary import summary_of

PUMP_SBOM = Path(__file__).resolve().parents[3] / "examples/sbom/infusion-pump-4.2.1.cdx.json"
World = Any


def cyclonedx(components: list[dict[str, Any]], **extra: Any) -> bytes:
    """A CycloneDX 1.6 JSON document listing ``components``."""
    return json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": components, **extra}
    ).encode()


def library(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "library",
        "bom-ref": f"c{n}",
        "name": f"lib{n}",
        "version": f"1.{n}",
        "purl": f"pkg:pypi/lib{n}@1.{n}",
        **extra,
    }


def attach_version(make: Any, actor: Any, version: int, data: bytes, name: str = "b.json") -> Any:
    with make.session() as session:
        source = importing.source_of_bytes(data, name)
        return services.attach_to_version(
            session, actor, version, source, importing.document_of_bytes(data, name)
        )


def attach_asset(make: Any, actor: Any, asset: int, path: Path) -> Any:
    with make.session() as session:
        source, document = services.read_file(path, path.name)
        return services.attach_to_asset(session, actor, asset, source, document)


def count_rows(make: Any) -> tuple[int, int]:
    with make.session() as session:
        return (
            session.execute(select(func.count()).select_from(StoredSbom)).scalar_one(),
            session.execute(select(func.count()).select_from(SbomComponent)).scalar_one(),
        )


def test_an_example_sbom_is_stored_one_row_per_component(make: Any, world: World) -> None:
    row = attach_version(make, world.psirt, world.draft, PUMP_SBOM.read_bytes(), PUMP_SBOM.name)
    assert (row.format, row.spec_version, row.component_count) == ("cyclonedx-json", "1.6", 10)
    assert row.ntia_passed and row.document_stored and row.source == "upload"
    assert row.product_name == "Northwind LVP 3000 firmware"
    with make.session() as session:
        owner = services.version_owner(session, world.psirt, world.draft)
        sbom = services.sbom_of(session, owner)
        rows, total = services.components(session, sbom, ComponentFilter(name="ssl"), 0, 50)
        document = b"".join(services.document_chunks(sbom))
    assert total == 1
    openssl = rows[0]
    assert (openssl.purl_type, openssl.name, openssl.version) == ("generic", "openssl", "3.0.13")
    assert openssl.cpe == "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"
    assert openssl.supplier == "OpenSSL Software Foundation" and openssl.licenses == ["Apache-2.0"]
    assert document == PUMP_SBOM.read_bytes()


@pytest.mark.parametrize(
    ("where", "names"),
    [
        (ComponentFilter(name="LIB1"), ["lib1", "lib10", "lib11"]),
        (ComponentFilter(purl="pkg:pypi/lib2"), ["lib2"]),
        (ComponentFilter(type="framework"), ["lib3"]),
        (ComponentFilter(purl_type="PYPI", name="lib1_"), []),  # _ is no wildcard
        (ComponentFilter(purl_type="maven"), []),
    ],
)
def test_components_filter(
    make: Any, world: World, where: ComponentFilter, names: list[str]
) -> None:
    components = [library(n, type="framework" if n == 3 else "library") for n in range(12)]
    attach_version(make, world.psirt, world.draft, cyclonedx(components))
    with make.session() as session:
        sbom = services.sbom_of(session, services.version_owner(session, world.psirt, world.draft))
        rows, total = services.components(session, sbom, where, 0, 50)
    assert [r.name for r in rows] == names and total == len(names)


def test_a_bad_component_in_the_middle_of_a_streamed_sbom_stores_nothing(
    make: Any, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BATCH", 10)  # several batches are written first
    components = [library(n) for n in range(60)]
    components[35]["purl"] = "pkg:not a purl"
    path = tmp_path / "bad.json"
    path.write_bytes(cyclonedx(components))
    with pytest.raises(Error) as raised:
        attach_asset(make, world.analyst, world.asset, path)
    assert "/components/35/purl" in raised.value.diagnostics()
    assert count_rows(make) == (0, 0)


def test_a_failed_replacement_keeps_the_previous_sbom(
    make: Any, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attach_version(make, world.psirt, world.draft, cyclonedx([library(1)]))
    monkeypatch.setattr(importing, "BATCH", 2)
    path = tmp_path / "long.json"
    path.write_bytes(cyclonedx([library(n) for n in range(5)] + [library(9, name="x" * 1001)]))
    with pytest.raises(Error, match="more than 1000"), make.session() as session:
        source, document = services.read_file(path, path.name)
        services.attach_to_version(session, world.psirt, world.draft, source, document)
    assert count_rows(make) == (1, 1)


@pytest.mark.parametrize(
    "document",
    [
        *sorted(PUMP_SBOM.parent.glob("*.cdx.json")),
        # failing elements: no supplier, no version, no identifiers, no relationships,
        # no author, no timestamp; a nested component and a dependency edge
        cyclonedx(
            [
                {"type": "library", "bom-ref": "a", "name": "a", "components": [library(1)]},
                {"type": "library", "bom-ref": "b", "name": "b", "version": "2"},
                {"type": "library", "name": "no-ref", "version": "3", "supplier": {"name": "s"}},
                library(4),
            ],
            dependencies=[{"ref": "b", "dependsOn": ["c4"]}],
        ),
    ],
    ids=lambda d: d.name if isinstance(d, Path) else "failing",
)
def test_the_stored_ntia_summary_agrees_with_the_ntia_report(
    make: Any, world: World, document: Path | bytes
) -> None:
    data = document.read_bytes() if isinstance(document, Path) else document
    expected = summary_of(ntia_report(read_sbom_bytes(data, "x.json")))
    row = attach_version(make, world.psirt, world.draft, data)
    assert row.ntia == expected


def test_replacing_a_draft_sbom_then_publishing_freezes_it(make: Any, world: World) -> None:
    attach_version(make, world.psirt, world.draft, cyclonedx([library(1), library(2)]))
    attach_version(make, world.psirt, world.draft, cyclonedx([library(3)]))
    assert count_rows(make) == (1, 1)
    with make.session() as session:
        from medsec.products import services as products

        products.publish(session, world.psirt, world.draft)
    with pytest.raises(Conflict, match="immutable"):
        attach_version(make, world.psirt, world.draft, cyclonedx([library(4)]))
    with pytest.raises(Conflict, match="immutable"):
        attach_version(make, world.psirt, world.published, cyclonedx([library(4)]))


def test_hospitals_holding_the_product_read_published_sboms_only(make: Any, world: World) -> None:
    attach_version(make, world.psirt, world.draft, cyclonedx([library(1)]))
    with make.session() as session:
        assert (
            services.sboms_of(
                session, services.version_owner(session, world.analyst, world.published)
            )
            == []
        )
        assert services.sboms_of(
            session, services.version_owner(session, world.maker_auditor, world.draft)
        )
        with pytest.raises(NotFound):  # a draft of a held product stays hidden
            services.version_owner(session, world.analyst, world.draft)
        with pytest.raises(NotFound):  # a product not held
            services.version_owner(session, world.other_hospital, world.published)
        with pytest.raises(NotFound):  # another manufacturer's version
            services.version_owner(session, world.other_maker, world.draft)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("analyst", PermissionDenied),  # a hospital cannot attach to a version
        ("maker_auditor", PermissionDenied),  # no products:write
        ("other_maker", NotFound),  # another manufacturer's draft
    ],
)
def test_who_may_attach_to_a_version(make: Any, world: World, who: str, error: type) -> None:
    with pytest.raises(error):
        attach_version(make, getattr(world, who), world.draft, cyclonedx([library(1)]))
    assert count_rows(make) == (0, 0)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("auditor", PermissionDenied),  # inventory:read only
        ("other_hospital", NotFound),
        ("psirt", PermissionDenied),  # a manufacturer has no inventory
    ],
)
def test_who_may_attach_to_an_asset(
    make: Any, world: World, who: str, error: type, tmp_path: Path
) -> None:
    with pytest.raises(error):
        attach_asset(make, getattr(world, who), world.asset, PUMP_SBOM)
    assert count_rows(make) == (0, 0)


def test_an_asset_sbom_is_read_by_its_hospital_only(make: Any, world: World) -> None:
    attach_asset(make, world.engineer, world.asset, PUMP_SBOM)
    with make.session() as session:
        assert services.sboms_of(session, services.asset_owner(session, world.auditor, world.asset))
        with pytest.raises(NotFound):
            services.asset_owner(session, world.other_hospital, world.asset)
        events = session.execute(select(AssetEvent.kind).where(AssetEvent.asset_id == world.asset))
        assert "sbom-reported" in events.scalars().all()


def test_deleting_an_asset_deletes_its_sbom(make: Any, world: World) -> None:
    from medsec.inventory import services as inventory

    attach_asset(make, world.engineer, world.asset, PUMP_SBOM)
    with make.session() as session:
        inventory.delete_asset(session, world.engineer, world.asset)
    assert count_rows(make) == (0, 0)


def test_a_large_document_is_imported_but_not_kept(
    make: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_STORED_DOCUMENT", 50)
    row = attach_version(make, world.psirt, world.draft, PUMP_SBOM.read_bytes())
    assert not row.document_stored and row.component_count == 10
    with make.session() as session, pytest.raises(NotFound, match="not kept"):
        services.document_chunks(session.get(StoredSbom, row.id))


def test_gzip_copy_of_a_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(PUMP_SBOM.read_bytes() * 3)
    document = importing.document_of_file(path, "x.json")
    assert document.gzipped is not None and gzip.decompress(document.gzipped) == path.read_bytes()
    assert document == importing.document_of_bytes(path.read_bytes(), "x.json")


# --------------------------------------------------------------------------- identity


def report(sbom: str | None, media_type: str = "application/vnd.cyclonedx+json") -> IdentityIn:
    body: dict[str, Any] = {"serial": "LVP3-00001", "vendor": "Northwind", "model": "LVP-3000"}
    if sbom is not None:
        body["sbom"] = {"media_type": media_type, "content": sbom}
    return IdentityIn.model_validate(body)


def reporter(make: Any, world: World) -> Any:
    from medsec.accounts.roles import Role

    org = make.organization_of(world.analyst)
    return make.actor(make.user(org, Role.CLINICAL_ENGINEER))


def test_an_identity_report_imports_its_sbom(make: Any, world: World) -> None:
    actor = reporter(make, world)
    with make.session() as session:
        result = identity.report_identity(session, actor, report(PUMP_SBOM.read_text()))
    assert result.sbom_stored and result.sbom_problem is None
    with make.session() as session:
        (sbom,) = services.sboms_of(
            session, services.asset_owner(session, world.analyst, world.asset)
        )
        assert (sbom.source, sbom.component_count) == ("identity-report", 10)


def test_an_identity_report_with_an_invalid_sbom_is_accepted_and_the_problem_recorded(
    make: Any, world: World
) -> None:
    actor = reporter(make, world)
    bad = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": 3}]})
    with make.session() as session:
        result = identity.report_identity(session, actor, report(bad))
    assert not result.sbom_stored and result.sbom_problem
    assert "components/0" in result.sbom_problem
    with make.session() as session:
        kinds = session.execute(
            select(AssetEvent.kind, AssetEvent.new_value).where(AssetEvent.asset_id == world.asset)
        ).all()
    assert ("sbom-invalid", result.sbom_problem) in kinds
    assert count_rows(make) == (0, 0)
