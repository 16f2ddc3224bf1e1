"""CycloneDX JSON objects (already parsed) → the model; shared by the in-memory reader and
the streamed one.

The in-memory reader has validated the whole document against the schema first; the
streamed one calls :func:`check_structure` on each component, which checks what the
model needs (see ``docs/sbom.md``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any

from medsec.sbom.identifiers import check_hash, normalise_cpe, normalise_purl
from medsec.sbom.model import NO_HASHES, Component, Edge

#: ``report(path, message)`` records one problem at a JSON path.
Report = Callable[[Sequence[str | int], str], None]

COMPONENT_TYPES = frozenset(
    {
        "application",
        "framework",
        "library",
        "container",
        "platform",
        "operating-system",
        "device",
        "device-driver",
        "firmware",
        "file",
        "machine-learning-model",
        "data",
        "cryptographic-asset",
    }
)
SCOPES = frozenset({"required", "optional", "excluded"})


def _name(entity: Any) -> str | None:
    if isinstance(entity, dict):
        name = entity.get("name")
        if isinstance(name, str) and name.strip():
            return name
    return None


def _licenses(items: Any) -> tuple[str, ...]:
    found: list[str] = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("expression"), str):
            found.append(item["expression"])
        elif isinstance(lic := item.get("license"), dict):
            value = lic.get("id") or lic.get("name")
            if isinstance(value, str):
                found.append(value)
    return tuple(_shared(v) for v in found)


def _shared(value: Any) -> Any:
    """One string object for values that repeat across components (type, supplier,
    licence, hash algorithm): a 300,000-component model is ~15 % smaller."""
    return sys.intern(value) if isinstance(value, str) else value


def component(
    obj: dict[str, Any], path: Sequence[str | int], parent: str | None, report: Report
) -> Component:
    """One component (without its nested ones); bad purl/CPE/hashes are reported."""
    purl = obj.get("purl")
    if isinstance(purl, str):
        try:
            purl = normalise_purl(purl)
        except ValueError as e:
            report([*path, "purl"], str(e))
            purl = None
    cpe = obj.get("cpe")
    if isinstance(cpe, str):
        try:
            cpe = normalise_cpe(cpe)
        except ValueError as e:
            report([*path, "cpe"], str(e))
            cpe = None
    hashes: dict[str, str] = {}
    for i, h in enumerate(obj.get("hashes") or ()):
        try:
            hashes[_shared(h["alg"])] = check_hash(h["alg"], h["content"])
        except ValueError as e:
            report([*path, "hashes", i], str(e))
    supplier = _name(obj.get("supplier")) or _name(obj.get("manufacturer"))
    ref = obj.get("bom-ref")
    return Component(
        ref=ref if isinstance(ref, str) else None,
        type=_shared(obj.get("type")),
        name=obj.get("name", ""),
        version=obj.get("version") or None,
        group=_shared(obj.get("group")) or None,
        purl=purl,
        cpe=cpe,
        supplier=_shared(supplier),
        hashes=MappingProxyType(hashes) if hashes else NO_HASHES,
        licenses=_licenses(obj.get("licenses")),
        parent=parent,
        scope=_shared(obj.get("scope")),
    )


def components(
    items: Sequence[Any],
    path: Sequence[str | int],
    parent: str | None,
    report: Report,
    max_nesting: int,
    depth: int = 1,
    *,
    check: bool = False,
    offset: int = 0,
    seen: set[str] | None = None,
) -> Iterator[Component]:
    """``items`` and their nested components, depth first, each with its ``parent``.

    With ``check``, each object first goes through :func:`check_structure` (for
    documents that were not validated against the schema). With ``seen`` (the refs met
    so far), a ``bom-ref`` used twice is reported at its place.
    """
    if depth > max_nesting:
        report(path, f"components are nested deeper than {max_nesting} levels")
        return
    for i, obj in enumerate(items, start=offset):
        if check and not check_structure(obj, [*path, i], report):
            continue
        if not isinstance(obj, dict):
            continue
        c = component(obj, [*path, i], parent, report)
        if seen is not None and c.ref is not None:
            if c.ref in seen:
                report([*path, i, "bom-ref"], f"bom-ref {c.ref!r} is used twice")
            seen.add(c.ref)
        yield c
        nested = obj.get("components")
        if isinstance(nested, list) and nested:
            yield from components(
                nested,
                [*path, i, "components"],
                c.ref,
                report,
                max_nesting,
                depth + 1,
                check=check,
                seen=seen,
            )


def edges(items: Sequence[Any]) -> Iterator[Edge]:
    """``dependencies`` entries as depends-on edges."""
    for dep in items:
        if isinstance(dep, dict) and isinstance(dep.get("ref"), str):
            for target in dep.get("dependsOn") or ():
                if isinstance(target, str):
                    yield Edge(dep["ref"], target)


def timestamp(value: Any, path: Sequence[str | int], report: Report) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        report(path, f"{value!r} is not an ISO 8601 date-time")
        return None


def authors(metadata: dict[str, Any]) -> tuple[str, ...]:
    people = [a for a in metadata.get("authors") or () if isinstance(a, dict)]
    return tuple(who for a in people if isinstance(who := a.get("name") or a.get("email"), str))


def tools(metadata: dict[str, Any]) -> tuple[str, ...]:
    """Tool names from 1.4's list of tools or 1.5+'s ``{components, services}``."""
    raw = metadata.get("tools")
    if isinstance(raw, dict):
        entries = [*(raw.get("components") or ()), *(raw.get("services") or ())]
    elif isinstance(raw, list):
        entries = raw
    else:
        return ()
    names = []
    for t in entries:
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            version = t.get("version")
            names.append(f"{t['name']} {version}" if isinstance(version, str) else t["name"])
    return tuple(names)


def check_structure(obj: Any, path: Sequence[str | int], report: Report) -> bool:
    """What the streamed path checks per component (the in-memory path has the schema).

    Returns False when the object cannot be read as a component at all.
    """
    if not isinstance(obj, dict):
        report(path, "a component must be an object")
        return False
    ok = True
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in COMPONENT_TYPES:
        report([*path, "type"], f"type must be one of {', '.join(sorted(COMPONENT_TYPES))}")
        ok = False
    if not isinstance(obj.get("name"), str):
        report([*path, "name"], "a component needs a name (a string)")
        ok = False
    for key in ("version", "bom-ref", "purl", "cpe", "group"):
        if key in obj and not isinstance(obj[key], str):
            report([*path, key], f"{key} must be a string")
            ok = False
    if "scope" in obj and (not isinstance(obj["scope"], str) or obj["scope"] not in SCOPES):
        report([*path, "scope"], f"scope must be one of {', '.join(sorted(SCOPES))}")
        ok = False
    hashes = obj.get("hashes", [])
    if not isinstance(hashes, list) or not all(
        isinstance(h, dict) and isinstance(h.get("alg"), str) and isinstance(h.get("content"), str)
        for h in hashes
    ):
        report([*path, "hashes"], "hashes must be a list of {alg, content} strings")
        ok = False
    for key in ("licenses", "components"):
        if key in obj and not isinstance(obj[key], list):
            report([*path, key], f"{key} must be a list")
            ok = False
    for key in ("supplier", "manufacturer"):
        if key in obj and not isinstance(obj[key], dict):
            report([*path, key], f"{key} must be an organizational entity (an object)")
            ok = False
    return ok
