"""What the hospital's site model and the manufacturers' releases add to a finding's
priority: the **zone exposure** of each asset and the **manufacturer's priority** of each
vulnerability (the ``zone exposure`` and ``manufacturer priority`` factors of
:mod:`medsec.vulns.priority`).

**Zone exposure** of an asset, from its zone and the conduits of its site (one hop: a
conduit is the boundary the site model declares, so a zone behind a DMZ is not the
internet's):

- ``internet`` — the zone stands for the internet (``internet: true``), or a conduit lets
  an internet zone open connections into it (from the internet zone to it, or
  bidirectional between them);
- ``enterprise`` — any other conduit joins the zone with another zone, either way (a zone
  that may open connections out is reachable by the answers: it is not isolated);
- ``isolated`` — no conduit joins the zone with another;
- unknown (no factor) — the asset has no zone.

**Manufacturer priority** of a vulnerability on an asset: the priority of a published
update release of the asset's product (the product of its linked profile version) whose
``fixes`` list the vulnerability id (or an alias), and the priority stated in the
manufacturer's CSAF advisories about the asset's product
(:mod:`medsec.findings.advisory_priority`); the highest when several do (:func:`merged`),
named with where it was stated. A release's priority is a level of the profile's own
scale; it counts when its name is one of ``critical``, ``high`` (or ``important``),
``medium`` (or ``moderate``), ``low``, case-blind — any other name (``Routine``) gives no
factor.

>>> found = exposures({1: False, 2: True, 3: False, 4: False}, [(2, 1, False), (1, 3, False)])
>>> {zone: exposure.value for zone, exposure in found.items()}
{1: 'internet', 2: 'internet', 3: 'enterprise', 4: 'isolated'}
>>> level_of(" Moderate"), level_of("Important"), level_of("Routine")
(<Level.MEDIUM: 'medium'>, <Level.HIGH: 'high'>, None)
>>> merged(Priorities({"CVE-1": Stated(Level.LOW, "update release 2")}),
...        Priorities({"CVE-1": Stated(Level.HIGH, "advisory A-1")}))["CVE-1"].source
'advisory A-1'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medsec.inventory.models import Site, Zone
from medsec.network.models import Conduit, ZoneNetwork
from medsec.updates.kinds import Status
from medsec.updates.models import UpdateRelease
from medsec.vulns.priority import Exposure, Level, Stated

#: A conduit as :func:`exposures` reads it: (from zone id, to zone id, bidirectional).
Link = tuple[int, int, bool]

_LEVELS = {
    "critical": Level.CRITICAL,
    "high": Level.HIGH,
    "important": Level.HIGH,
    "medium": Level.MEDIUM,
    "moderate": Level.MEDIUM,
    "low": Level.LOW,
}


def exposures(internet: Mapping[int, bool], conduits: Iterable[Link]) -> dict[int, Exposure]:
    """The exposure of each zone of ``internet`` (zone id → stands for the internet)."""
    found = {z: Exposure.INTERNET if net else Exposure.ISOLATED for z, net in internet.items()}
    for source, target, both in conduits:
        if source == target or source not in found or target not in found:
            continue
        for here, there in ((target, source), (source, target)):
            if found[here] is Exposure.INTERNET:
                continue
            inbound = here == target or both
            found[here] = Exposure.INTERNET if inbound and internet[there] else Exposure.ENTERPRISE
    return found


def zone_exposures(session: Session, organization_id: int) -> dict[int, Exposure]:
    """The exposure of every zone of the organization's sites."""
    zones = select(Zone.id).join(Site, Site.id == Zone.site_id)
    zones = zones.where(Site.organization_id == organization_id)
    ids = list(session.scalars(zones))
    if not ids:
        return {}
    internet = dict.fromkeys(ids, False)
    rows = session.execute(
        select(ZoneNetwork.zone_id, ZoneNetwork.internet).where(ZoneNetwork.zone_id.in_(ids))
    )
    internet.update((zone, net) for zone, net in rows)
    links = session.execute(
        select(Conduit.from_zone_id, Conduit.to_zone_id, Conduit.bidirectional).where(
            Conduit.from_zone_id.in_(ids)
        )
    )
    return exposures(internet, ((a, b, both) for a, b, both in links))


def level_of(name: str | None) -> Level | None:
    """The formula's level of a release priority named in the profile's scale, or None."""
    return _LEVELS.get((name or "").strip().casefold())


class Priorities(Mapping[str, Stated]):
    """The manufacturer's priority by vulnerability id, with where it was stated: an
    immutable, hashable mapping (a priority is computed once per distinct context, see
    :func:`medsec.vulns.priority.prioritise`)."""

    def __init__(self, items: Mapping[str, Stated]) -> None:
        self._items = dict(items)
        self._hash = hash(frozenset(self._items.items()))

    def __getitem__(self, key: str) -> Stated:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Priorities):
            return self._items == other._items
        return super().__eq__(other)

    def __repr__(self) -> str:
        return f"Priorities({self._items!r})"


def keep_highest(found: dict[str, Stated], vulnerability: str, stated: Stated) -> None:
    """Keep ``stated`` for ``vulnerability`` unless a higher (or equal, earlier) level is."""
    kept = found.get(vulnerability)
    if kept is None or kept.level.rank < stated.level.rank:
        found[vulnerability] = stated


def merged(*priorities: Priorities | None) -> Priorities | None:
    """The highest priority of each id over several sources (the earlier on a tie)."""
    given = [p for p in priorities if p]
    if len(given) < 2:
        return given[0] if given else None
    found: dict[str, Stated] = {}
    for p in given:
        for vulnerability, stated in p.items():
            keep_highest(found, vulnerability, stated)
    return Priorities(found)


def release_priorities(session: Session, product_ids: Iterable[int]) -> dict[int, Priorities]:
    """By product id: the highest priority its published releases give each id they fix
    (products whose releases give none are absent)."""
    wanted = list(set(product_ids))
    found: dict[int, dict[str, Stated]] = {}
    if not wanted:
        return {}
    rows = session.execute(
        select(
            UpdateRelease.product_id,
            UpdateRelease.version,
            UpdateRelease.fixes,
            UpdateRelease.priority,
        )
        .where(
            UpdateRelease.product_id.in_(wanted),
            UpdateRelease.status == Status.PUBLISHED.value,
            UpdateRelease.priority.is_not(None),
        )
        .order_by(UpdateRelease.id)
    )
    for product_id, version, fixes, name in rows:
        level = level_of(name)
        if level is None:
            continue
        by_id = found.setdefault(product_id, {})
        stated = Stated(level, f"update release {version}")
        for vulnerability in fixes or ():
            keep_highest(by_id, vulnerability, stated)
    return {p: Priorities(v) for p, v in found.items() if v}


def fingerprint(session: Session, organization_id: int) -> tuple[object, ...]:
    """Changes when an exposure or a published release changes (published releases are
    never rewritten: their count, last id and last publication time tell)."""
    releases = session.execute(
        select(
            func.count(UpdateRelease.id),
            func.max(UpdateRelease.id),
            func.max(UpdateRelease.published_at),
        ).where(UpdateRelease.status == Status.PUBLISHED.value)
    ).one()
    zones = tuple(sorted(zone_exposures(session, organization_id).items()))
    return (*releases, zones)
