"""Which devices of a hospital's inventory an advisory concerns.

Two ways, each with its confidence:

``identifier`` (high)
    The purl or CPE of the product in the advisory equals the one the device's linked
    profile version declares (``product.purl``/``product.cpe``), type/namespace/name or
    vendor/product and version alike (the device's firmware version when the profile's
    identifier carries none).
``name`` (lower)
    Devices without a purl or CPE are compared by what the inventory holds: the asset's
    vendor and model against the advisory's ``vendor`` and ``product_name`` branches, its
    firmware against the ``product_version`` (or a ``vers:`` ``product_version_range``),
    without case and extra spaces. Names are written differently by different people and two
    vendors may share a model name, so such a match asks for a person to confirm it.

Only products whose status concerns a device are matched: affected (``known_affected``,
``first_affected``, ``last_affected``) and ``under_investigation``. The inventory is indexed
once per fetch (:class:`InventoryIndex`), so matching an advisory costs a dictionary look-up
per product, not a scan of the inventory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from packageurl import PackageURL
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.errors import Error
from medsec.inventory.models import Asset
from medsec.products.models import ProfileVersion
from medsec.profiles.loader import build_profile, parse_document
from medsec.vulns.cpe import parse_cpe
from medsec.vulns.sources.csaf import CsafAdvisory, CsafProduct


def _key(value: str | None) -> str:
    return " ".join((value or "").casefold().split())


@dataclass(frozen=True)
class Device:
    asset_id: int
    serial: str
    vendor: str
    model: str
    firmware: str | None


@dataclass(frozen=True)
class Found:
    device: Device
    vulnerability: str
    product: CsafProduct
    status: str
    confidence: str
    matched_on: str
    base_score: float | None
    remediation: str | None


def _purl_key(text: str) -> tuple[tuple[str, str, str], str | None] | None:
    try:
        purl = PackageURL.from_string(text)
    except ValueError:
        return None
    return (purl.type, (purl.namespace or "").casefold(), purl.name.casefold()), purl.version


def _cpe_key(text: str) -> tuple[tuple[str, str], str | None] | None:
    try:
        cpe = parse_cpe(text)
    except Error:
        return None
    version = cpe.version if cpe.version not in ("*", "-", "") else None
    return (cpe.vendor.casefold(), cpe.product.casefold()), version


class InventoryIndex:
    """The devices of one organization, by name and by identifier."""

    def __init__(self, devices: list[tuple[Device, str | None, str | None]]) -> None:
        self.by_name: dict[tuple[str, str], list[Device]] = defaultdict(list)
        self.by_purl: dict[tuple[str, str, str], list[tuple[Device, str | None]]] = defaultdict(
            list
        )
        self.by_cpe: dict[tuple[str, str], list[tuple[Device, str | None]]] = defaultdict(list)
        for device, purl, cpe in devices:
            self.by_name[_key(device.vendor), _key(device.model)].append(device)
            if purl and (p := _purl_key(purl)):
                self.by_purl[p[0]].append((device, p[1] or device.firmware))
            if cpe and (c := _cpe_key(cpe)):
                self.by_cpe[c[0]].append((device, c[1] or device.firmware))
        self.size = len(devices)

    @classmethod
    def load(cls, session: Session, organization_id: int) -> InventoryIndex:
        identifiers: dict[int, tuple[str | None, str | None]] = {}
        rows = session.execute(
            select(
                Asset.id, Asset.serial, Asset.vendor, Asset.model, Asset.firmware_version,
                Asset.profile_version_id,
            ).where(Asset.organization_id == organization_id)
        ).all()  # fmt: skip
        for version_id in {r.profile_version_id for r in rows if r.profile_version_id}:
            version = session.get(ProfileVersion, version_id)
            identifiers[version_id] = _identifiers(version) if version else (None, None)
        return cls(
            [
                (
                    Device(r.id, r.serial, r.vendor, r.model, r.firmware_version),
                    *identifiers.get(r.profile_version_id or 0, (None, None)),
                )
                for r in rows
            ]
        )

    def _by_identifier(self, product: CsafProduct) -> list[tuple[Device, str]]:
        hits: list[tuple[Device, str]] = []
        if product.purl and (p := _purl_key(product.purl)):
            wanted = p[1] or product.version
            for device, version in self.by_purl.get(p[0], ()):
                if wanted is None or _key(version) == _key(wanted):
                    hits.append((device, f"purl {product.purl}"))
        if product.cpe and (c := _cpe_key(product.cpe)):
            wanted = c[1] or product.version
            for device, version in self.by_cpe.get(c[0], ()):
                if wanted is None or _key(version) == _key(wanted):
                    hits.append((device, f"cpe {product.cpe}"))
        return hits

    def _by_name(self, product: CsafProduct) -> list[tuple[Device, str]]:
        if product.vendor is None or product.product_name is None:
            return []
        devices = self.by_name.get((_key(product.vendor), _key(product.product_name)), ())
        label = product.version or product.version_range or ""
        return [
            (d, f"name {product.vendor} / {product.product_name} / {label}")
            for d in devices
            if product.version_matches(d.firmware)
        ]

    def match(self, advisory: CsafAdvisory) -> list[Found]:
        found: dict[tuple[int, str, str], Found] = {}
        for v in advisory.vulnerabilities:
            for product_id, status in v.statuses.items():
                if not status.concerns_the_device:
                    continue
                product = advisory.products[product_id]
                remediation = "; ".join(
                    f"{r.category}: {r.details}" for r in v.remediations_for(product_id)
                )
                for confidence, hits in (
                    ("identifier", self._by_identifier(product)),
                    ("name", self._by_name(product)),
                ):
                    for device, how in hits:
                        found.setdefault(
                            (device.asset_id, v.id, product_id),
                            Found(
                                device, v.id, product, status.value, confidence, how,
                                v.base_score(product_id), remediation or None,
                            ),
                        )  # fmt: skip
        return list(found.values())


def _identifiers(version: ProfileVersion) -> tuple[str | None, str | None]:
    try:
        profile = build_profile(parse_document(version.source, version.filename))
    except Error:
        return None, None
    return profile.product.purl, profile.product.cpe
