"""SPDX 2.2/2.3, JSON and tag-value, through spdx-tools' parsers and validator.

Packages become components (``externalRefs`` of type ``purl`` and ``cpe23Type`` give
the purl and CPE), ``DEPENDS_ON``/``DEPENDENCY_OF`` and ``CONTAINS``/``CONTAINED_BY``
relationships become edges, and the package the document ``DESCRIBES`` becomes the
product. Files and snippets are not components. spdx-tools reports places by SPDX id;
medsec finds the line where that id is declared.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from ply import yacc
from spdx_tools.spdx.model.actor import ActorType
from spdx_tools.spdx.model.relationship import RelationshipType
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.parser.tagvalue.parser import Parser as TagValueParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from medsec.errors import Problem
from medsec.sbom.cyclonedx import check_count, check_size, decode, parse_json
from medsec.sbom.identifiers import SPDX_HASH_NAMES, check_cpe23, normalise_purl
from medsec.sbom.interfaces import DEFAULT_LIMITS, Limits, SbomError, problem
from medsec.sbom.model import Component, Edge, EdgeKind, Sbom, SbomFormat

_LINE = re.compile(r"\bLine:? (\d+)", re.IGNORECASE)
_EDGES = {
    RelationshipType.DEPENDS_ON: (EdgeKind.DEPENDS_ON, False),
    RelationshipType.DEPENDENCY_OF: (EdgeKind.DEPENDS_ON, True),
    RelationshipType.CONTAINS: (EdgeKind.CONTAINS, False),
    RelationshipType.CONTAINED_BY: (EdgeKind.CONTAINS, True),
}


def _line_of(text: str, spdx_id: str | None, json_text: bool) -> int:
    if not spdx_id:
        return 0
    quoted = re.escape(spdx_id)
    pattern = rf'"SPDXID"\s*:\s*"{quoted}"' if json_text else rf"^SPDXID:\s*{quoted}\s*$"
    match = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _parse_problems(messages: list[str], source: str) -> list[Problem]:
    found = []
    for message in messages:
        line = _LINE.search(message)
        found.append(
            problem(
                source, message, line=int(line.group(1)) if line else 0, column=1 if line else 0
            )
        )
    return found


def _text(value: Any) -> str | None:
    """A plain string, or None for SPDX NOASSERTION/NONE and absent values."""
    return value if isinstance(value, str) and value.strip() else None


def _component(package: Any, report: Any) -> Component:
    purl = cpe = None
    for ref in package.external_references:
        if ref.reference_type == "purl" and purl is None:
            try:
                purl = normalise_purl(ref.locator)
            except ValueError as e:
                report(package.spdx_id, f"externalRefs purl: {e}")
        elif ref.reference_type == "cpe23Type" and cpe is None:
            try:
                cpe = check_cpe23(ref.locator)
            except ValueError as e:
                report(package.spdx_id, f"externalRefs cpe23Type: {e}")
    supplier = package.supplier
    licenses = [
        str(lic)
        for lic in (package.license_concluded, package.license_declared)
        if lic is not None and str(lic) not in {"NOASSERTION", "NONE"}
    ]
    purpose = package.primary_package_purpose
    return Component(
        ref=package.spdx_id,
        type=purpose.name.lower().replace("_", "-") if purpose is not None else None,
        name=package.name,
        version=_text(package.version),
        purl=purl,
        cpe=cpe,
        supplier=supplier.name if supplier is not None and hasattr(supplier, "name") else None,
        hashes=MappingProxyType(
            {SPDX_HASH_NAMES[c.algorithm.name]: c.value.lower() for c in package.checksums}
        ),
        licenses=tuple(dict.fromkeys(licenses)),
    )


def _to_sbom(document: Any, text: str, source: str, fmt: SbomFormat, limits: Limits) -> Sbom:
    json_text = fmt is SbomFormat.SPDX_JSON
    problems = [
        problem(
            source,
            m.validation_message,
            (element := m.context.spdx_id or m.context.parent_id or ""),
            line := _line_of(text, element, json_text),
            1 if line else 0,
        )
        for m in validate_full_spdx_document(document)[: limits.max_problems]
    ]
    if problems:
        raise SbomError(source, problems)

    def report(spdx_id: str, message: str) -> None:
        line = _line_of(text, spdx_id, json_text)
        problems.append(problem(source, message, spdx_id, line, 1 if line else 0))

    info = document.creation_info
    described = [
        r.related_spdx_element_id
        for r in document.relationships
        if r.relationship_type is RelationshipType.DESCRIBES and r.spdx_element_id == info.spdx_id
    ] + [
        r.spdx_element_id
        for r in document.relationships
        if r.relationship_type is RelationshipType.DESCRIBED_BY
        and r.related_spdx_element_id == info.spdx_id
    ]
    components = [_component(p, report) for p in document.packages]
    product = next((c for c in components if described and c.ref == described[0]), None)
    components = [c for c in components if c is not product]
    edges = []
    for r in document.relationships:
        if r.relationship_type in _EDGES and isinstance(r.related_spdx_element_id, str):
            kind, reverse = _EDGES[r.relationship_type]
            a, b = r.spdx_element_id, r.related_spdx_element_id
            edges.append(Edge(b, a, kind) if reverse else Edge(a, b, kind))
    check_count(components, source, limits)  # spdx-tools' validator makes SPDXIDs unique
    if problems:
        raise SbomError(source, problems)
    return Sbom(
        format=fmt,
        spec_version=info.spdx_version,
        serial_number=info.document_namespace,
        timestamp=info.created,
        authors=tuple(a.name for a in info.creators if a.actor_type is not ActorType.TOOL),
        tools=tuple(a.name for a in info.creators if a.actor_type is ActorType.TOOL),
        product=product,
        components=tuple(components),
        edges=tuple(edges),
    )


def _parse(parse: Any, arg: Any, source: str) -> Any:
    try:
        return parse(arg)
    except SPDXParsingError as e:
        messages = e.get_messages()  # type: ignore[no-untyped-call]
        raise SbomError(source, _parse_problems(messages, source)) from e
    except SbomError:
        raise
    except Exception as e:  # spdx-tools raises assorted errors on malformed input
        raise SbomError(source, [problem(source, f"spdx-tools could not read it: {e}")]) from e


class SpdxJsonReader:
    """SPDX 2.2/2.3 JSON."""

    format = SbomFormat.SPDX_JSON

    def read(self, data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
        check_size(data, source, limits)
        text = decode(data, source)
        doc = parse_json(text, source, limits)
        if not isinstance(doc, dict):
            raise SbomError(
                source, [problem(source, "an SPDX JSON document is an object", "", 1, 1)]
            )
        parser = JsonLikeDictParser()  # type: ignore[no-untyped-call]
        document = _parse(parser.parse, doc, source)
        return _to_sbom(document, text, source, self.format, limits)


class SpdxTagValueReader:
    """SPDX 2.2/2.3 tag-value."""

    format = SbomFormat.SPDX_TAG_VALUE

    def read(self, data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
        check_size(data, source, limits)
        text = decode(data, source)
        # ply would print "Generating LALR tables" and write a parsetab module otherwise.
        parser = TagValueParser(  # type: ignore[no-untyped-call]
            write_tables=False, debug=False, errorlog=yacc.NullLogger()
        )
        document = _parse(parser.parse, text, source)
        return _to_sbom(document, text, source, self.format, limits)


__all__ = ["SpdxJsonReader", "SpdxTagValueReader"]
