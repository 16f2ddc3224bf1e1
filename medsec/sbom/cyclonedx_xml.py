"""CycloneDX XML: a safe parse, readable places for schema errors, and the tree → model.

Each XML element is turned into the equivalent CycloneDX JSON object so that the same
mapping (:mod:`medsec.sbom.cyclonedx_json`) serves both encodings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lxml import etree

from medsec.errors import Problem
from medsec.sbom import cyclonedx_json as cdx
from medsec.sbom.interfaces import Limits, SbomError, problem
from medsec.sbom.model import Component, Edge, Sbom, SbomFormat

_NS = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom$")
_ELEMENT = "__element__"


def parse(data: bytes, source: str) -> Any:
    """The root element; no DTDs, no entities, no network, libxml2's default depth limit."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line, column = e.position if e.position else (1, 1)
        raise SbomError(source, [problem(source, f"not XML: {e.msg}", "", line, column)]) from e
    if root.getroottree().docinfo.internalDTD is not None:
        raise SbomError(source, [problem(source, "a DOCTYPE is not allowed in an SBOM", "", 1, 1)])
    return root


def namespace_version(root: Any) -> str | None:
    match = _NS.match(root.tag) if isinstance(root.tag, str) else None
    return match.group(1) if match else None


def _local(tag: Any) -> str:
    return str(tag).rpartition("}")[2]


def readable_path(element: Any) -> str:
    """``/bom/components/component[2]/hashes/hash[1]`` for an element."""
    steps = []
    while element is not None:
        parent = element.getparent()
        name = _local(element.tag)
        if parent is not None:
            same = [e for e in parent if e.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        steps.append(name)
        element = parent
    return "/" + "/".join(reversed(steps))


def validation_problem(root: Any, entry: Any, source: str) -> Problem:
    """An lxml schema-log entry as a problem at its line and element path."""
    message = re.sub(r"\{http://cyclonedx\.org/schema/bom/\d+\.\d+\}", "", entry.message)
    path = ""
    if entry.path:
        try:
            found = root.getroottree().xpath(entry.path)
            if found and isinstance(found, list):
                path = readable_path(found[0])
        except etree.XPathError:
            path = ""
    return problem(source, message, path, entry.line or 1, (entry.column or 0) + 1)


def _children(element: Any, name: str) -> list[Any]:
    return [e for e in element if isinstance(e.tag, str) and _local(e.tag) == name]


def _child(element: Any, name: str) -> Any:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Any, name: str) -> str | None:
    child = _child(element, name)
    if child is None or child.text is None:
        return None
    return str(child.text).strip()


def _entity(element: Any, name: str) -> dict[str, Any] | None:
    child = _child(element, name)
    return None if child is None else {"name": _text(child, "name")}


def _licenses(element: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    licenses = _child(element, "licenses")
    for lic in [] if licenses is None else licenses:
        if not isinstance(lic.tag, str):
            continue
        if _local(lic.tag) == "expression" and lic.text:
            found.append({"expression": lic.text.strip()})
        elif _local(lic.tag) == "license":
            found.append({"license": {"id": _text(lic, "id"), "name": _text(lic, "name")}})
    return found


def as_json(element: Any) -> dict[str, Any]:
    """A ``component`` element as the CycloneDX JSON object it stands for."""
    obj: dict[str, Any] = {_ELEMENT: element, "type": element.get("type")}
    if element.get("bom-ref") is not None:
        obj["bom-ref"] = element.get("bom-ref")
    for key in ("name", "version", "group", "purl", "cpe", "scope"):
        if (value := _text(element, key)) is not None:
            obj[key] = value
    obj["name"] = obj.get("name", "")
    for key in ("supplier", "manufacturer"):
        if (entity := _entity(element, key)) is not None:
            obj[key] = entity
    hashes = _child(element, "hashes")
    if hashes is not None:
        obj["hashes"] = [
            {"alg": h.get("alg", ""), "content": (h.text or "").strip()}
            for h in _children(hashes, "hash")
        ]
    obj["licenses"] = _licenses(element)
    nested = _child(element, "components")
    if nested is not None:
        obj["components"] = [as_json(c) for c in _children(nested, "component")]
    return obj


def _tools(metadata: Any) -> dict[str, Any]:
    tools = _child(metadata, "tools")
    if tools is None:
        return {}
    entries = [*_children(tools, "tool")]
    for group, item in (("components", "component"), ("services", "service")):
        holder = _child(tools, group)
        entries += [] if holder is None else _children(holder, item)
    return {"tools": [{"name": _text(t, "name"), "version": _text(t, "version")} for t in entries]}


def _authors(metadata: Any) -> list[Any]:
    holder = _child(metadata, "authors")
    return [] if holder is None else _children(holder, "author")


def _edges(root: Any) -> list[Edge]:
    dependencies = _child(root, "dependencies")
    return [
        Edge(dep.get("ref"), target.get("ref"))
        for dep in ([] if dependencies is None else _children(dependencies, "dependency"))
        for target in _children(dep, "dependency")
        if dep.get("ref") and target.get("ref")
    ]


def read(root: Any, source: str, limits: Limits) -> tuple[Sbom, list[Problem]]:
    """The validated tree as an :class:`Sbom`, and the problems the schema cannot see."""
    problems: list[Problem] = []
    holders: dict[str, Any] = {}

    def report(path: Sequence[str | int], message: str) -> None:
        # Walk the JSON-shaped objects along ``path`` to the nearest element.
        node: Any = holders
        element = root
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
            if isinstance(node, dict) and _ELEMENT in node:
                element = node[_ELEMENT]
        if len(problems) < limits.max_problems:
            line = element.sourceline or 1
            problems.append(problem(source, message, readable_path(element), line, 1))

    metadata = _child(root, "metadata")
    product = None
    found: list[Component] = []
    if metadata is not None and (top := _child(metadata, "component")) is not None:
        holders["metadata"] = {"component": as_json(top)}
        product_obj = holders["metadata"]["component"]
        product = cdx.component(product_obj, ["metadata", "component"], None, report)
        found += cdx.components(
            product_obj.get("components", []),
            ["metadata", "component", "components"],
            product.ref,
            report,
            limits.max_nesting,
            2,
        )
    listed = _child(root, "components")
    holders["components"] = (
        [] if listed is None else [as_json(c) for c in _children(listed, "component")]
    )
    found += cdx.components(holders["components"], ["components"], None, report, limits.max_nesting)
    meta: dict[str, Any] = {}
    if metadata is not None:
        meta["authors"] = [
            {"name": _text(a, "name"), "email": _text(a, "email")} for a in _authors(metadata)
        ]
        meta.update(_tools(metadata))
    version = root.get("version")
    sbom = Sbom(
        format=SbomFormat.CYCLONEDX_XML,
        spec_version=namespace_version(root) or "",
        serial_number=root.get("serialNumber"),
        version=int(version) if version is not None and version.isdigit() else None,
        timestamp=cdx.timestamp(
            None if metadata is None else _text(metadata, "timestamp"),
            ["metadata", "timestamp"],
            report,
        ),
        authors=cdx.authors(meta),
        tools=cdx.tools(meta),
        product=product,
        components=tuple(found),
        edges=tuple(_edges(root)),
    )
    return sbom, problems
