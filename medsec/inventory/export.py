"""The inventory as CSV or JSON, in the import's own field names (so an export imports
back unchanged)."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.inventory import services
from medsec.inventory.drafts import FIELDS
from medsec.inventory.models import Asset

#: ``product_version_id`` holds only a link made by hand (so that it imports back as one);
#: ``linked_profile_version_id`` is the link whatever made it.
COLUMNS = [
    "site",
    *FIELDS,
    "linked_profile_version_id",
    "profile_link",
    "sbom_sha256",
    "updated_at",
]
_PAGE = 500


def asset_row(asset: Asset) -> dict[str, str]:
    """One asset as export cells (empty string for nothing)."""
    values: dict[str, object] = {
        "site": asset.site.name,
        "serial": asset.serial,
        "vendor": asset.vendor,
        "model": asset.model,
        "firmware_version": asset.firmware_version,
        "hardware_revision": asset.hardware_revision,
        "configuration": asset.configuration,
        "ip_addresses": "; ".join(asset.ip_addresses or ()),
        "mac": asset.mac,
        "hostname": asset.hostname,
        "zone": asset.zone.name if asset.zone else None,
        "location": asset.location,
        "owner": asset.owner,
        "criticality": asset.criticality,
        "product_version_id": asset.profile_version_id if asset.profile_link == "manual" else None,
        "linked_profile_version_id": asset.profile_version_id,
        "profile_link": asset.profile_link,
        "sbom_sha256": asset.sbom_sha256,
        "updated_at": asset.updated_at.isoformat(),
    }
    return {column: "" if values[column] is None else str(values[column]) for column in COLUMNS}


def rows(
    session: Session, actor: Actor, where: services.AssetFilter | None = None
) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    offset = 0
    while True:
        page, total = services.list_assets(
            session, actor, where or services.AssetFilter(), offset, _PAGE
        )
        found.extend(asset_row(a) for a in page)
        offset += _PAGE
        if offset >= total:
            return found


def to_csv(table: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def to_json(table: list[dict[str, str]]) -> str:
    return json.dumps(table, indent=2, ensure_ascii=False) + "\n"
