"""The published JSON Schema of PSP v1 is current, and the examples conform to it.

``schemas/psp-1.schema.json`` is what other tools (editors, CI of manufacturers who
write profiles without medsec) validate against, so it must match the models exactly;
and every example must be valid for those tools too, not only for medsec's loader.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medsec.profiles.loader import parse_document
from medsec.profiles.schema import SCHEMA_DIALECT, json_schema

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "schemas" / "psp-1.schema.json"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Every profile in examples/ (a file starting its own document with `psp_version:`); the
# other YAML files there are advisory inputs, site files and update manifests.
EXAMPLES = sorted(
    p
    for p in (REPO / "examples").rglob("*.yaml")
    if "\npsp_version:" in "\n" + p.read_text(encoding="utf-8")
)
REGENERATE = ".venv/bin/medsec profile schema > schemas/psp-1.schema.json"


def test_committed_schema_is_current() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == json_schema(), (
        f"{SCHEMA_FILE.relative_to(REPO)} is out of date with medsec/profiles/psp.py; "
        f"regenerate it with `{REGENERATE}` and commit the result"
    )


def test_schema_declares_its_dialect_and_id() -> None:
    schema = json_schema()
    assert schema["$schema"] == SCHEMA_DIALECT
    assert schema["$id"] == "https://medsec.dev/schemas/psp-1.schema.json"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"psp_version", "product"}


# --------------------------------------------------------------------------- examples


def schema_errors_function() -> Callable[[dict[str, Any], Any], list[str]] | None:
    """A Draft 2020-12 validator from the environment: jsonschema, else jsonschema-rs.

    Neither is a medsec dependency (jsonschema-rs comes with schemathesis, a dev
    dependency), so the tests that need one skip when none is installed.
    """
    if importlib.util.find_spec("jsonschema") is not None:
        import jsonschema  # type: ignore[import-untyped,unused-ignore]

        def with_jsonschema(schema: dict[str, Any], instance: Any) -> list[str]:
            validator = jsonschema.Draft202012Validator(schema)
            return [
                f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)
            ]

        return with_jsonschema
    if importlib.util.find_spec("jsonschema_rs") is not None:
        import jsonschema_rs

        def with_jsonschema_rs(schema: dict[str, Any], instance: Any) -> list[str]:
            validator = jsonschema_rs.Draft202012Validator(schema)
            return [
                f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(instance)
            ]

        return with_jsonschema_rs
    return None


SCHEMA_ERRORS = schema_errors_function()
needs_validator = pytest.mark.skipif(
    SCHEMA_ERRORS is None,
    reason="no JSON Schema validator installed (neither jsonschema nor jsonschema-rs)",
)


def as_json_data(path: Path) -> Any:
    """The document as JSON would carry it: YAML dates become ISO 8601 strings."""
    data = parse_document(path.read_text(encoding="utf-8"), str(path)).data

    def iso(value: object) -> str:
        if isinstance(value, dt.date):
            return value.isoformat()
        raise TypeError(f"{type(value).__name__} has no JSON form")

    return json.loads(json.dumps(data, default=iso))


def errors_of(instance: Any) -> list[str]:
    assert SCHEMA_ERRORS is not None
    return SCHEMA_ERRORS(json_schema(), instance)


def test_there_are_examples() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"infusion-pump.yaml", "ct-scanner.yaml", "pacs-server.yaml"} <= names


@needs_validator
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_conforms_to_the_json_schema(example: Path) -> None:
    assert errors_of(as_json_data(example)) == []


@needs_validator
def test_minimal_fixtures_conform_to_the_json_schema() -> None:
    assert errors_of(as_json_data(FIXTURES / "minimal.yaml")) == []
    assert errors_of(as_json_data(FIXTURES / "minimal.json")) == []


@needs_validator
def test_schema_rejects_what_the_loader_rejects_by_type() -> None:
    # Guards against a validator that accepts everything: a port given as a word and an
    # unknown key are type errors the schema can express.
    data = as_json_data(FIXTURES / "minimal.yaml")
    data["network"]["services"][1]["default_port"] = "https"
    data["product"]["modle"] = ["EM-1"]
    problems = errors_of(data)
    assert len(problems) == 2, problems
