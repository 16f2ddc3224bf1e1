"""Attribution and enrichment: message → asset → product version → catalog event.

The asset is looked up, in this order, by

1. a device serial in the structured data (a parameter named ``serial``,
   ``serialNumber`` or ``sn`` in any SD-ELEMENT: the most specific, and right even when
   the message came through a relay);
2. the source address of the message;
3. its HOSTNAME.

When no asset matches and a *default product* is set (the CLI sets it when exactly one
profile and no assets map are given), the message is taken to come from that product.
The asset's product and version select the catalog (:mod:`medsec.monitoring.catalog`).

A message that is not attributed, whose product version has no loaded profile, that
matches no catalog event, or that did not parse, is kept as ``uncatalogued`` with the
reason, and counted per product in :class:`UncataloguedCounts` so the hospital can send
the list back to the manufacturer.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from medsec.monitoring.catalog import Catalog, CatalogMatch, ProductRef
from medsec.monitoring.interfaces import Asset, AssetDirectory
from medsec.monitoring.syslog.message import SyslogMessage

SERIAL_PARAMS = ("serial", "serialNumber", "sn")
UNATTRIBUTED = "(unattributed)"


class Uncatalogued(enum.StrEnum):
    UNPARSED = "unparsed"
    NO_ASSET = "no-asset"
    NO_PROFILE = "no-profile"
    NO_EVENT = "no-event"


@dataclass(frozen=True)
class EnrichedEvent:
    message: SyslogMessage
    status: Literal["catalogued", "uncatalogued"]
    asset: Asset | None = None
    attributed_by: Literal["serial", "address", "hostname", "default"] | None = None
    product: ProductRef | None = None
    event_id: str | None = None
    #: The catalog's severity (RFC 5424 0–7); the message's own is in ``message``.
    severity: int | None = None
    category: str | None = None
    description: str | None = None
    meaning: str | None = None
    recommended_action: str | None = None
    matched_by: Literal["msgid", "match-rule"] | None = None
    captures: tuple[tuple[str, str], ...] = ()
    reason: Uncatalogued | None = None
    reason_text: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The message and its enrichment, as ``medsec monitor parse`` prints them."""
        return {
            "message": self.message.as_json(),
            "status": self.status,
            "asset": None if self.asset is None else self.asset.id,
            "attributed_by": self.attributed_by,
            "product": None if self.product is None else {
                "manufacturer": self.product.manufacturer, "name": self.product.name,
                "version": self.product.version,
            },
            "event": None if self.event_id is None else {
                "id": self.event_id, "severity": self.severity, "category": self.category,
                "description": self.description, "meaning": self.meaning,
                "recommended_action": self.recommended_action, "matched_by": self.matched_by,
                "captures": dict(self.captures),
            },
            "reason": None if self.reason is None else str(self.reason),
            "reason_text": self.reason_text,
        }  # fmt: skip


@dataclass(frozen=True)
class UncataloguedCount:
    product: str
    app_name: str | None
    msgid: str | None
    reason: Uncatalogued
    count: int
    #: The first such message, as received (for the manufacturer to recognise it).
    example: str


_Key = tuple[str, str | None, str | None, Uncatalogued]


@dataclass
class UncataloguedCounts:
    """How many uncatalogued messages, per product and (APP-NAME, MSGID, reason)."""

    _counts: Counter[_Key] = field(default_factory=Counter)
    _examples: dict[_Key, str] = field(default_factory=dict)

    def add(self, event: EnrichedEvent) -> None:
        if event.reason is None:
            return
        product = UNATTRIBUTED if event.product is None else str(event.product)
        m = event.message
        self.count(product, m.app_name, m.msgid, event.reason,
                   m.raw.decode("utf-8", "backslashreplace"))  # fmt: skip

    def count(
        self, product: str, app_name: str | None, msgid: str | None, reason: Uncatalogued,
        example: str,
    ) -> None:  # fmt: skip
        key = (product, app_name, msgid, reason)
        self._counts[key] += 1
        self._examples.setdefault(key, example)

    def per_product(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (product, *_), count in self._counts.items():
            totals[product] += count
        return dict(sorted(totals.items()))

    def rows(self) -> list[UncataloguedCount]:
        return [
            UncataloguedCount(*key, count, self._examples[key])
            for key, count in sorted(
                self._counts.items(), key=lambda kv: (kv[0][0], -kv[1], str(kv[0][1:]))
            )
        ]


class Enricher:
    """Attributes and enriches messages; keeps the uncatalogued counts."""

    def __init__(
        self, catalog: Catalog, assets: AssetDirectory, *,
        default_product: ProductRef | None = None,
    ) -> None:  # fmt: skip
        self.catalog = catalog
        self.assets = assets
        self.default_product = default_product
        self.uncatalogued = UncataloguedCounts()

    def _asset(
        self, message: SyslogMessage
    ) -> tuple[Asset | None, Literal["serial", "address", "hostname"] | None]:
        for name in SERIAL_PARAMS:
            serial = message.sd_param(name)
            if serial is not None and (asset := self.assets.by_serial(serial)) is not None:
                return asset, "serial"
        if message.source is not None:
            if (asset := self.assets.by_address(message.source)) is not None:
                return asset, "address"
        if message.hostname is not None:
            if (asset := self.assets.by_hostname(message.hostname)) is not None:
                return asset, "hostname"
        return None, None

    def enrich(self, message: SyslogMessage) -> EnrichedEvent:
        event = self._enrich(message)
        self.uncatalogued.add(event)
        return event

    def _enrich(self, message: SyslogMessage) -> EnrichedEvent:
        asset, by = self._asset(message)
        attributed_by: Literal["serial", "address", "hostname", "default"] | None = by
        product: ProductRef | None = None
        if asset is not None:
            product = self.catalog.find(asset.product, asset.version, asset.manufacturer)
        elif self.default_product is not None:
            product, attributed_by = self.default_product, "default"

        def uncatalogued(reason: Uncatalogued, text: str) -> EnrichedEvent:
            return EnrichedEvent(
                message, "uncatalogued", asset, attributed_by, product,
                reason=reason, reason_text=text,
            )  # fmt: skip

        if not message.parsed:
            return uncatalogued(Uncatalogued.UNPARSED, f"not parsed: {message.parse_error}")
        if product is None:
            if asset is None:
                return uncatalogued(
                    Uncatalogued.NO_ASSET,
                    "no asset has this message's serial, source address or hostname",
                )
            return uncatalogued(
                Uncatalogued.NO_PROFILE,
                f"asset {asset.id} runs {asset.product} {asset.version}, "
                "and no profile of that version is loaded",
            )
        found: CatalogMatch | None = self.catalog.match(product, message)
        if found is None:
            return uncatalogued(
                Uncatalogued.NO_EVENT,
                f"no event of {product} has MSGID {message.msgid or '-'} and no match rule matched",
            )
        e = found.event
        return EnrichedEvent(
            message, "catalogued", asset, attributed_by, product, e.id, e.severity,
            str(e.category), e.description, e.meaning, e.recommended_action,
            found.matched_by, found.captures,
        )  # fmt: skip
