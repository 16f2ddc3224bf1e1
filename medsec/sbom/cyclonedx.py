"""CycloneDX 1.4–1.7, JSON and XML: schema validation with cyclonedx-python-lib's
validators, then reading into :mod:`medsec.sbom.model`.

The model is read **directly from the validated document** (the parsed JSON, the lxml
tree), not through ``cyclonedx.model.bom.Bom.from_json``/``from_xml``: the library's
deserialiser is many times slower than the parse (reflection per field), it fails on
schema-valid documents (four valid cases of the CycloneDX 1.6 test suite:
``valid-saasbom-1.6.json``/``.xml``, ``valid-cryptography-full-1.6.xml``,
``valid-external-elements-1.6.xml``, see ``tests/conformance/test_cyclonedx.py``), and it
assigns random ``bom-ref`` values to components that have none, which would invent
identities. After schema validation the document's shape is known, so the direct reading
is short and exact.

>>> sbom = CycloneDxJsonReader().read(
...     b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,'
...     b' "components": [{"type": "library", "name": "zlib", "version": "1.3.1"}]}', "x.json")
>>> [(c.name, c.version) for c in sbom.components]
[('zlib', '1.3.1')]
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from cyclonedx.schema import SchemaVersion, _res
from cyclonedx.validation.json import JsonValidator
from cyclonedx.validation.xml import XmlValidator
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError as JsonSchemaError
from referencing import Registry
from referencing.jsonschema import DRAFT7

from medsec.errors import Problem
from medsec.sbom import cyclonedx_json as cdx
from medsec.sbom import cyclonedx_xml
from medsec.sbom.interfaces import DEFAULT_LIMITS, Limits, SbomError, SbomTooLarge, problem
from medsec.sbom.model import Sbom, SbomFormat
from medsec.sbom.positions import locate, pointer

#: The CycloneDX versions medsec reads, by their ``specVersion``.
SUPPORTED = {
    "1.4": SchemaVersion.V1_4,
    "1.5": SchemaVersion.V1_5,
    "1.6": SchemaVersion.V1_6,
    "1.7": SchemaVersion.V1_7,
}
_UPGRADE = "convert it to 1.4 or later (e.g. `cyclonedx convert --output-version v1_6`)"


_IRI_REFERENCE = re.compile(r"(?:[^\s<>\"{}|\\^`%\x00-\x1f\x7f]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _is_iri_reference(value: object) -> bool:
    return not isinstance(value, str) or _IRI_REFERENCE.fullmatch(value) is not None


def _is_iri(value: object) -> bool:
    return not isinstance(value, str) or (
        _SCHEME.match(value) is not None and _is_iri_reference(value)
    )


def _json_key(value: object) -> Hashable:
    """A hashable key equal for two JSON values exactly when JSON Schema calls them equal
    (``1`` and ``1.0`` are; ``true`` and ``1`` are not; object keys unordered)."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", value)  # Python's 1 == 1.0 and hash(1) == hash(1.0)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(_json_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", frozenset((k, _json_key(v)) for k, v in value.items()))
    return ("other", repr(value))


def _unique_items(
    validator: Draft7Validator, unique: bool, instance: Any, schema: Mapping[str, Any]
) -> Iterator[JsonSchemaError]:
    """``uniqueItems`` in linear time.

    jsonschema compares unhashable items (objects) pairwise, quadratic in the array's
    length: 51 s for 3,000 components here. Hashing each item's canonical key gives the
    same answer in one pass, and the error names the first repeated item's index instead
    of printing the whole array."""
    del schema
    if not (unique and validator.is_type(instance, "array")):
        return
    seen: dict[Hashable, int] = {}
    for index, item in enumerate(instance):
        first = seen.setdefault(_json_key(item), index)
        if first != index:
            yield JsonSchemaError(f"item {index} repeats item {first}; items must be unique")
            return


#: Draft 7 with the linear ``uniqueItems`` above; every other keyword is jsonschema's.
_Draft7LinearUnique = validators.extend(Draft7Validator, {"uniqueItems": _unique_items})


class _JsonValidator(JsonValidator):
    """cyclonedx-python-lib's JSON validator (same schemas, registry and Draft 7 rules)
    with linear checks where jsonschema's are slow on large SBOMs:

    - ``iri``/``iri-reference`` formats: jsonschema checks them with rfc3987-syntax's
      Earley parser, about 0.1–0.4 s per URL: 104 s for the 140 KB laravel example SBOM
      (268 URLs). The replacement accepts RFC 3987 characters and well-formed
      percent-escapes (and, for ``iri``, a scheme); it does not check the finer grammar
      (authority, IPv6 literals).
    - ``uniqueItems``: :func:`_unique_items`.
    """

    __validator: Draft7Validator | None = None

    @property
    def _validator(self) -> Draft7Validator:
        if self.__validator is None:
            schema_file = self._schema_file
            if schema_file is None:  # pragma: no cover - SUPPORTED only lists schemas it has
                raise NotImplementedError(self.schema_version)
            checker = copy.deepcopy(Draft7Validator.FORMAT_CHECKER)
            checker.checkers["iri-reference"] = (_is_iri_reference, ())
            checker.checkers["iri"] = (_is_iri, ())
            prefix = "http://cyclonedx.org/schema/"
            resources = [
                (f"{prefix}spdx.SNAPSHOT.schema.json", _res.SPDX_JSON),
                (f"{prefix}cryptography-defs.SNAPSHOT.schema.json", _res.CRYPTOGRAPHY_DEFS),
                (f"{prefix}jsf-0.82.SNAPSHOT.schema.json", _res.JSF),
            ]
            registry: Registry[Any] = Registry().with_resources(
                (uri, DRAFT7.create_resource(json.loads(Path(file).read_text("utf-8"))))
                for uri, file in resources
            )
            self.__validator = _Draft7LinearUnique(
                json.loads(Path(schema_file).read_text("utf-8")),
                registry=registry,
                format_checker=checker,
            )
        return self.__validator


@cache
def _json_validator(version: SchemaVersion) -> JsonValidator:
    return _JsonValidator(version)


@cache
def xml_validator(version: SchemaVersion) -> XmlValidator:
    return XmlValidator(version)


def check_size(data: bytes, source: str, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise SbomTooLarge(
            f"{source}: {len(data)} bytes is more than the {limits.max_bytes} bytes read into "
            "memory",
            hint="a CycloneDX JSON SBOM this large can be read with `medsec.sbom.stream`",
        )


def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SbomError(
            source, [problem(source, f"not UTF-8 text (byte {e.start}: {e.reason})")]
        ) from e


def parse_json(text: str, source: str, limits: Limits) -> Any:
    """The parsed JSON; syntax errors and excessive nesting become :class:`SbomError`."""
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise SbomError(
            source, [problem(source, f"not JSON: {e.msg}", line=e.lineno, column=e.colno)]
        ) from e
    except ValueError as e:  # NaN/Infinity, or an integer beyond Python's digit limit
        raise SbomError(source, [problem(source, f"not JSON: {e}")]) from e
    except RecursionError as e:
        raise SbomError(
            source, [problem(source, f"nested deeper than {limits.max_depth} levels")]
        ) from e
    if _depth_exceeds(doc, limits.max_depth):
        raise SbomError(source, [problem(source, f"nested deeper than {limits.max_depth} levels")])
    return doc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth_exceeds(doc: Any, max_depth: int) -> bool:
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def spec_version(value: Any, source: str, where: str, line: int = 0) -> SchemaVersion:
    if value in SUPPORTED:
        return SUPPORTED[value]
    if isinstance(value, str) and value in {"1.0", "1.1", "1.2", "1.3"}:
        message = f"CycloneDX {value} is not supported (1.4–1.7); {_UPGRADE}"
    else:
        message = f"specVersion {value!r} is not a CycloneDX version medsec reads (1.4–1.7)"
    raise SbomError(source, [problem(source, message, where, line=line, column=1 if line else 0)])


def _short(e: JsonSchemaError) -> str:
    message = str(e.message)
    shown = repr(e.instance)
    if len(shown) > 60 and message.startswith(shown):
        message = "the value" + message[len(shown) :]
    if e.context:
        reasons = dict.fromkeys(c.message[:160] for c in e.context)
        message += " (" + "; ".join(list(reasons)[:3]) + ")"
    return message[:600]


def schema_problems(
    text: str, version: SchemaVersion, source: str, limits: Limits
) -> list[Problem]:
    """The CycloneDX JSON schema's complaints, each at its JSON pointer and line."""
    errors = _json_validator(version).validate_str(text, all_errors=True)
    problems = []
    for error in errors or ():
        e = error.data
        path = list(e.absolute_path)
        line, column = locate(text, path)
        problems.append(problem(source, _short(e), pointer(path), line, column))
        if len(problems) >= limits.max_problems:
            break
    return problems


def read_json_document(doc: Any, text: str, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
    """A parsed CycloneDX JSON document (``text`` is its source, for validation and lines)."""
    if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
        raise SbomError(source, [problem(source, 'bomFormat must be "CycloneDX"', "/bomFormat")])
    version = spec_version(doc.get("specVersion"), source, "/specVersion")
    problems = schema_problems(text, version, source, limits)
    if problems:
        raise SbomError(source, problems)

    def report(path: Sequence[str | int], message: str) -> None:
        if len(problems) < limits.max_problems:
            line, column = locate(text, path)
            problems.append(problem(source, message, pointer(path), line, column))

    metadata = doc.get("metadata") or {}
    product = None
    nested_in_product = []
    seen: set[str] = set()
    if isinstance(root := metadata.get("component"), dict):
        product = cdx.component(root, ["metadata", "component"], None, report)
        seen |= {product.ref} if product.ref else set()
        nested_in_product = list(
            cdx.components(
                root.get("components") or [],
                ["metadata", "component", "components"],
                product.ref,
                report,
                limits.max_nesting,
                2,
                seen=seen,
            )
        )
    found = nested_in_product + list(
        cdx.components(
            doc.get("components") or [],
            ["components"],
            None,
            report,
            limits.max_nesting,
            seen=seen,
        )
    )
    check_count(found, source, limits)
    sbom = Sbom(
        format=SbomFormat.CYCLONEDX_JSON,
        spec_version=doc["specVersion"],
        serial_number=doc.get("serialNumber"),
        version=doc.get("version"),
        timestamp=cdx.timestamp(metadata.get("timestamp"), ["metadata", "timestamp"], report),
        authors=cdx.authors(metadata),
        tools=cdx.tools(metadata),
        product=product,
        components=tuple(found),
        edges=tuple(cdx.edges(doc.get("dependencies") or ())),
    )
    if problems:
        raise SbomError(source, problems)
    return sbom


def check_count(found: Sequence[Any], source: str, limits: Limits) -> None:
    if len(found) > limits.max_components:
        raise SbomTooLarge(
            f"{source}: {len(found)} components is more than the limit of {limits.max_components}"
        )


class CycloneDxJsonReader:
    """CycloneDX JSON 1.4–1.7."""

    format = SbomFormat.CYCLONEDX_JSON

    def read(self, data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
        check_size(data, source, limits)
        text = decode(data, source)
        return read_json_document(parse_json(text, source, limits), text, source, limits)


class CycloneDxXmlReader:
    """CycloneDX XML 1.4–1.7."""

    format = SbomFormat.CYCLONEDX_XML

    def read(self, data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
        check_size(data, source, limits)
        root = cyclonedx_xml.parse(data, source)
        version = spec_version(
            cyclonedx_xml.namespace_version(root), source, "/bom", line=root.sourceline or 1
        )
        errors = xml_validator(version).validate_str(decode(data, source), all_errors=True)
        problems = [
            cyclonedx_xml.validation_problem(root, e.data, source)
            for e in list(errors or ())[: limits.max_problems]
        ]
        if problems:
            raise SbomError(source, problems)
        sbom, problems = cyclonedx_xml.read(root, source, limits)
        check_count(sbom.components, source, limits)  # the XSD makes bom-refs unique
        if problems:
            raise SbomError(source, problems)
        return sbom


__all__ = ["CycloneDxJsonReader", "CycloneDxXmlReader"]
