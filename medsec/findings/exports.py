"""A fleet's or an asset's findings as CycloneDX VEX or OpenVEX, with the writers of
:mod:`medsec.vulns.vex` (one product per asset; component refs are prefixed with the
asset's serial so that a fleet's document has unique refs).

>>> sorted(f.value for f in ExportFormat)
['cyclonedx', 'openvex']
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from medsec.findings.fleet import AssetInfo
from medsec.findings.services import AssetFinding
from medsec.sbom.model import Component
from medsec.vulns.findings import Finding
from medsec.vulns.vex import cyclonedx, openvex


class ExportFormat(enum.StrEnum):
    CYCLONEDX = "cyclonedx"
    OPENVEX = "openvex"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.CYCLONEDX:
            return "application/vnd.cyclonedx+json"
        return "application/json"


def asset_product(asset: AssetInfo) -> Component:
    return Component(
        ref=f"asset:{asset.serial}",
        type="device",
        name=f"{asset.vendor} {asset.model}",
        version=asset.firmware_version,
    )


def _scoped(item: AssetFinding, several: bool) -> Finding:
    f = item.finding
    if not several:
        return f
    ref = f"{item.asset.serial}/{f.component_ref}"
    return replace(f, component=replace(f.component, ref=ref))


def export(items: Sequence[AssetFinding], fmt: ExportFormat, *, author: str) -> dict[str, Any]:
    """One document for the findings of one or several assets."""
    assets = {i.asset.id: i.asset for i in items}
    several = len(assets) != 1
    product = asset_product(next(iter(assets.values()))) if not several else None
    if fmt is ExportFormat.CYCLONEDX:
        scoped = [_scoped(i, several) for i in items]
        return cyclonedx.export(scoped, product=product, author=author)
    if not several:
        return openvex.export([i.finding for i in items], product=product, author=author)
    statements: list[dict[str, Any]] = []
    document: dict[str, Any] | None = None
    for asset in assets.values():
        mine = [_scoped(i, True) for i in items if i.asset.id == asset.id]
        document = openvex.export(mine, product=asset_product(asset), author=author)
        statements.extend(document["statements"])
    if document is None:
        return openvex.export([], product=None, author=author)
    digest = hashlib.sha256(repr(sorted(str(s) for s in statements)).encode()).hexdigest()
    return {**document, "@id": f"https://medsec.invalid/vex/{digest}", "statements": statements}
