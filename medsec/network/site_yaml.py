"""Read and write a site file (YAML or JSON), with ``FILE:LINE:COL: path: message`` errors.

The site file is the version-controlled form of :class:`medsec.network.site.Site`; it
uses the profile loader's machinery (:func:`medsec.profiles.loader.parse_document`), so
every problem — syntax, types, unknown keys, broken references, addresses outside their
zone, overlapping zones — points at its place.

>>> site = load_site_text('''
... site: Demo
... zones: [{name: lan, security_level: 2, cidrs: [10.0.0.0/8]}]
... assets: [{name: a, zone: lan, addresses: [10.0.0.1]}]
... ''', "demo.yaml")
>>> dump_site(load_site_text(dump_site(site), "again.yaml")) == dump_site(site)
True
"""

from __future__ import annotations

import io
import ipaddress
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pydantic
from ruamel.yaml import YAML

from medsec.errors import DocumentError, Problem
from medsec.network.site import Binding, Site
from medsec.profiles.loader import (
    PathKey,
    SourceMap,
    parse_document,
    read_text,
    validation_problems,
)


def load_site_text(text: str, file: str = "<site>") -> Site:
    """Validate a site document, or raise one DocumentError listing every problem."""
    parsed = parse_document(text, file)
    source = parsed.source
    if not isinstance(parsed.data, dict):
        found = "an empty document" if parsed.data is None else type(parsed.data).__name__
        raise DocumentError(
            file, [source.problem((), f"a site is a mapping with a `site:` name (found {found})")]
        )
    try:
        site = Site.model_validate(parsed.data)
    except pydantic.ValidationError as e:
        raise DocumentError(file, validation_problems(e, source, Site)) from e
    problems = list(cross_check(site, source))
    if problems:
        raise DocumentError(file, problems)
    return site


def load_site(path: Path) -> Site:
    return load_site_text(read_text(path), str(path))


def dump_site(site: Site) -> str:
    """The site as YAML (defaults left out), such that loading it gives ``site`` back."""
    data = site.model_dump(mode="json", exclude_defaults=True)
    data = {"site_version": 1, **data}
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _duplicates(names: list[str], base: PathKey, what: str, source: SourceMap) -> Iterator[Problem]:
    counts = Counter(names)
    seen: set[str] = set()
    for index, name in enumerate(names):
        if counts[name] > 1 and name in seen:
            yield source.problem((*base, index, "name"), f"duplicate {what} name '{name}'")
        seen.add(name)


def _binding_problems(
    binding: Binding, path: PathKey, site: Site, source: SourceMap
) -> Iterator[Problem]:
    assets = {a.name for a in site.assets}
    zones = {z.name for z in site.zones}
    for index, name in enumerate(binding.assets):
        if name not in assets:
            yield source.problem((*path, "assets", index), f"no asset named '{name}'")
    if binding.zone is not None and binding.zone not in zones:
        yield source.problem((*path, "zone"), f"no zone named '{binding.zone}'")


def cross_check(site: Site, source: SourceMap) -> Iterator[Problem]:
    """References that must exist, addresses inside their zone, zones that do not overlap."""
    zones = {z.name: z for z in site.zones}
    yield from _duplicates([z.name for z in site.zones], ("zones",), "zone", source)
    yield from _duplicates([c.name for c in site.conduits], ("conduits",), "conduit", source)
    yield from _duplicates([a.name for a in site.assets], ("assets",), "asset", source)

    internet = [i for i, z in enumerate(site.zones) if z.internet and not z.cidrs]
    for index in internet[1:]:
        yield source.problem(
            ("zones", index, "internet"), "only one internet zone may leave its cidrs empty"
        )
    placed: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, int, int]] = []
    for zi, zone in enumerate(site.zones):
        for ci, net in enumerate(zone.networks()):
            for other, other_zone, _, _ in placed:
                if other_zone != zone.name and net.overlaps(other):
                    yield source.problem(
                        ("zones", zi, "cidrs", ci),
                        f"{net} overlaps {other} of zone '{other_zone}'; a network belongs "
                        "to one zone",
                    )
            placed.append((net, zone.name, zi, ci))

    for ci, conduit in enumerate(site.conduits):
        for key in ("from_zone", "to_zone"):
            name = getattr(conduit, key)
            if name not in zones:
                yield source.problem(("conduits", ci, key), f"no zone named '{name}'")
        if conduit.from_zone == conduit.to_zone:
            yield source.problem(
                ("conduits", ci, "to_zone"),
                "a conduit joins two different zones (traffic inside a zone needs none)",
            )

    for ai, asset in enumerate(site.assets):
        home = zones.get(asset.zone)
        if home is None:
            yield source.problem(("assets", ai, "zone"), f"no zone named '{asset.zone}'")
        else:
            for index, address in enumerate(asset.addresses):
                if not home.contains(address):
                    where = ", ".join(home.cidrs) or "the internet"
                    yield source.problem(
                        ("assets", ai, "addresses", index),
                        f"{address} is not inside zone '{home.name}' ({where})",
                    )
        for endpoint, binding in asset.bindings.items():
            yield from _binding_problems(
                binding, ("assets", ai, "bindings", endpoint), site, source
            )
    for endpoint, binding in site.bindings.items():
        yield from _binding_problems(binding, ("bindings", endpoint), site, source)
