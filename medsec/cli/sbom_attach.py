"""``medsec sbom attach``'s work: attach a file's SBOM in the service database, acting as
the instance's operator (an admin of the organization that owns the version or asset),
as ``medsec inventory import`` does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medsec.accounts.actor import Actor
from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind, Role
from medsec.cli.inventory import operator
from medsec.errors import NotFound
from medsec.inventory import services as inventory
from medsec.products.models import ProfileVersion
from medsec.sbom import services
from medsec.sbom.stream import Progress
from medsec.service import Instance
from medsec.settings import Settings


def manufacturer_operator(organization: Organization) -> Actor:
    """The CLI acting as an admin of ``organization`` (the owner of a profile version)."""
    kind = OrganizationKind(organization.kind)
    return Actor(0, "cli", organization.id, kind, Role.ADMIN, ip="local")


def attach_file(
    path: Path,
    *,
    version: int | None,
    asset: str | None,
    organization: str | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Attach ``path`` to profile version ``version`` or the asset with serial ``asset``."""
    instance = Instance.from_settings(Settings())
    try:
        with instance.db.session() as session:
            source, document = services.read_file(path, path.name, progress)
            if version is not None:
                row = session.get(ProfileVersion, version)
                if row is None:
                    raise NotFound(f"no profile version {version}")
                owner_org = session.get(Organization, row.product.organization_id)
                assert owner_org is not None  # noqa: S101 (a foreign key)
                sbom = services.attach_to_version(
                    session, manufacturer_operator(owner_org), version, source, document
                )
                owner = f"profile version {version}"
            else:
                assert asset is not None  # noqa: S101 (checked by the command)
                actor = operator(session, organization)
                found = inventory.asset_by_serial(session, actor.organization_id, asset)
                if found is None:
                    raise NotFound(f"no asset with serial '{asset}'")
                sbom = services.attach_to_asset(session, actor, found.id, source, document)
                owner = f"asset {asset}"
            return {
                "id": sbom.id,
                "owner": owner,
                "sha256": sbom.sha256,
                "component_count": sbom.component_count,
                "ntia_passed": sbom.ntia_passed,
                "document_stored": sbom.document_stored,
            }
    finally:
        instance.db.dispose()
