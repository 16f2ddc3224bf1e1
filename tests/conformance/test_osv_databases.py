"""The real OSV databases (PyPA, PSF, RustSec) and the OSV linter fixtures.

Every database record must parse with medsec's model; the model must agree with the
published JSON Schema (ossf/osv-schema validation/schema.json) on each fixture and on a
sample of every database. Reports passed/total per suite.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from medsec.errors import Error
from medsec.vulns.matcher import Index
from medsec.vulns.sources.osv import parse_record, record_files

pytestmark = pytest.mark.conformance

OSV = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "osv"
DATABASES = {"pypa": OSV / "pypa", "psf": OSV / "psf", "rustsec": OSV / "rustsec"}
FIXTURES = OSV / "schema" / "tools" / "osv-linter" / "testdata"
SCHEMA = OSV / "schema" / "validation" / "schema.json"


def _need(path: Path) -> Path:
    if not path.exists():
        reason = f"{path} is absent: the OSV reference data is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    return path


def _raw(path: Path) -> object:
    text = path.read_bytes()
    if path.suffix in (".yaml", ".yml"):
        return yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506
    return json.loads(text)


@pytest.mark.parametrize("name", sorted(DATABASES))
def test_every_record_of_the_database_imports(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = record_files(_need(DATABASES[name]))
    index = Index()
    problems = []
    for f in files:
        try:
            index.add(parse_record(f.read_bytes(), str(f)))
        except Error as e:
            problems.append(e.diagnostics())
    with capsys.disabled():
        print(
            f"\nOSV {name}: {len(files) - len(problems)}/{len(files)} records imported, "
            f"{len(index.withdrawn)} withdrawn"
        )
    assert not problems, "\n".join(problems[:20])
    assert len(files) > 100


def _schema_valid(validator: jsonschema.protocols.Validator, raw: object) -> bool:
    return validator.is_valid(raw)


def test_the_model_agrees_with_the_json_schema_on_the_linter_fixtures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = json.loads(_need(SCHEMA).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(_need(FIXTURES).glob("*.json"))
    disagreements = []
    for f in files:
        try:
            parse_record(f.read_bytes(), str(f))
            ours = True
        except Error:
            ours = False
        if ours != _schema_valid(validator, _raw(f)):
            disagreements.append(f"{f.name}: medsec {'accepts' if ours else 'refuses'}")
    with capsys.disabled():
        print(f"\nOSV linter fixtures: {len(files) - len(disagreements)}/{len(files)} agree")
    assert not disagreements, disagreements
    assert len(files) >= 10


@pytest.mark.parametrize("name", sorted(DATABASES))
def test_database_records_are_schema_valid_where_medsec_accepts_them(name: str) -> None:
    schema = json.loads(_need(SCHEMA).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    files = record_files(_need(DATABASES[name]))[::20]  # a sample: full validation takes minutes
    invalid = [f.name for f in files if not _schema_valid(validator, _raw(f))]
    # The schema's timestamps are strings; YAML BaseLoader keeps them strings too.
    assert not invalid, invalid[:10]
