"""A database site as the site model: import a site file, export it back, compute its
flow map with the catalog's profiles exactly as from files."""

from __future__ import annotations

from typing import Any

import pytest

from medsec.errors import DocumentError, Error
from medsec.inventory import services as inventory
from medsec.inventory.models import Site as SiteRow
from medsec.network import services
from medsec.network.database import model_name
from medsec.network.profiles import flowmap_of_site_file
from medsec.network.site import Site
from medsec.network.site_import import import_site
from medsec.network.site_yaml import dump_site, load_site_text

from .conftest import EXAMPLES, Campus


def by_name(site: Site) -> Site:
    """The site with zones, conduits and assets in name order (the database keeps none)."""
    return site.model_copy(
        update={
            key: sorted(getattr(site, key), key=lambda item: item.name)
            for key in ("zones", "conduits", "assets")
        }
    )


def test_export_gives_the_imported_site_back(make: Any, campus: Campus) -> None:
    with make.session() as session:
        _, exported = services.export_site(session, campus.admin, campus.site_id)
    back = load_site_text(exported, "export.yaml")
    assert by_name(back) == by_name(load_site_text(campus.site_text, "in.yaml"))


def test_reimport_changes_nothing(make: Any, campus: Campus) -> None:
    with make.session() as session:
        _, exported = services.export_site(session, campus.admin, campus.site_id)
        report = import_site(session, campus.admin, campus.site_id, exported, "again.yaml")
    assert report.created == [] and report.updated == []
    assert "zone imaging" in report.unchanged and "asset ct-01" in report.unchanged
    assert (report.conduits, report.bindings) == (11, 16)


def test_flow_map_from_the_database_equals_the_file_one(make: Any, campus: Campus) -> None:
    from_file = flowmap_of_site_file(EXAMPLES / "site" / "st-example.yaml")
    with make.session() as session:
        from_db = services.flowmap(session, campus.admin, campus.site_id)
    assert from_db.interchange()["flows"] == from_file.interchange()["flows"]
    assert [c.flow for c in from_db.conflicts] == [c.flow for c in from_file.conflicts]
    assert [t.endpoint for t in from_db.todos] == ["gantry"]


def test_a_bad_file_writes_nothing(make: Any, campus: Campus) -> None:
    bad = campus.site_text.replace("addresses: [10.20.3.12]", "addresses: [10.99.3.12]")
    bad = bad.replace("name: pump-server-01", "name: pump-server-02")
    with make.session() as session:
        with pytest.raises(DocumentError) as caught:
            import_site(session, campus.admin, campus.site_id, bad, "bad.yaml")
        session.rollback()
        _, exported = services.export_site(session, campus.admin, campus.site_id)
    assert "10.99.3.12 is not inside zone 'clinical-devices'" in caught.value.diagnostics()
    assert "pump-server-02" not in exported


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            'profile: {product: Fabrikam Aurora CT, version: "7.2.1"}',
            'profile: {product: Fabrikam Aurora CT, version: "9.9"}',
        ),
        (
            'profile: {product: Fabrikam Aurora CT, version: "7.2.1"}',
            "profile: {path: ../ct-scanner.yaml}",
        ),
    ],
)
def test_profiles_must_be_published_versions_the_hospital_holds(
    make: Any, campus: Campus, change: str, message: str
) -> None:
    with make.session() as session:
        site = make.site(campus.admin, "Second")
        with pytest.raises(Error, match="ct-01"):
            import_site(
                session, campus.admin, site.id, campus.site_text.replace(change, message), "x.yaml"
            )


def test_inventory_names_become_model_names(make: Any, campus: Campus) -> None:
    with make.session() as session:
        site = session.get(SiteRow, campus.site_id)
        assert site is not None
        site.zones[0].name = "Ward 4B"
        session.flush()
        _, exported = services.export_site(session, campus.admin, campus.site_id)
        session.rollback()
    assert "name: Ward-4B" in exported
    assert dump_site(load_site_text(exported, "x")) == exported
    assert model_name("ICU / bay 3") == "ICU-bay-3"


def test_deleting_a_bound_asset_makes_its_endpoint_a_to_do_again(make: Any, campus: Campus) -> None:
    with make.session() as session:
        server = inventory.asset_by_serial(session, campus.admin.organization_id, "pump-server-01")
        assert server is not None
        inventory.delete_asset(session, campus.admin, server.id)
        fmap = services.flowmap(session, campus.admin, campus.site_id)
    assert {t.endpoint for t in fmap.todos} == {"gantry", "pump-server"}
