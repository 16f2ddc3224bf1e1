"""Every real CISA medical advisory (ICSMA, 2017–2020) through medsec's validator.

Where a real advisory fails a mandatory test, the report says in plain words which test and
where (``pytest -s`` prints it). The advisories are pinned at one commit of cisagov/CSAF, so
the set of failing files and tests is fixed here: a change is a regression or an improvement
to look at, never noise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from medsec.advisories.explain import explain
from medsec.advisories.interfaces import Preset
from medsec.advisories.validation import default_validator

pytestmark = pytest.mark.conformance

CISA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "csaf" / "cisa-icsma"

#: Real advisories that fail a mandatory test, and which. All are 6.1.31: a product version
#: written as a range or wildcard ("14.1.x", "v8.x", "shipped between … through …"); the
#: csaf library reads ".x" wildcards and "through" as ranges besides the spec's minimal list.
INVALID = {
    "icsma-19-241-01.json": {"6.1.31"},
    "icsma-19-274-01.json": {"6.1.31"},
    "icsma-19-353-01.json": {"6.1.31"},
    "icsma-20-023-01.json": {"6.1.31"},
    "icsma-20-170-04.json": {"6.1.31"},
}


def _advisories() -> list[Path]:
    files = sorted(CISA.rglob("icsma-*.json"))
    if not files:
        reason = f"{CISA} has no advisories: the CISA CSAF files are not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    return files


def test_every_cisa_medical_advisory_and_its_failures_in_plain_words() -> None:
    validator = default_validator()
    files = _advisories()
    invalid: dict[str, set[str]] = {}
    report: list[str] = []
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        result = validator.validate(document, file=path.name, preset=Preset.MANDATORY)
        if result.is_valid:
            continue
        invalid[path.name] = {f.test_id for f in result.errors}
        report.append(f"{path.name}:")
        for finding in result.errors:
            sentence = explain(finding, document)
            assert sentence.startswith(f"{finding.test_id} "), sentence
            assert finding.instance_path in sentence, sentence
            report.append(f"  {sentence}")
    print()
    print(
        f"CISA ICSMA advisories: {len(files) - len(invalid)}/{len(files)} pass the mandatory tests"
    )
    print("\n".join(report))
    assert len(files) == 90
    assert invalid == INVALID


def test_the_cisa_advisories_are_valid_against_the_schema() -> None:
    validator = default_validator()
    for path in _advisories():
        document = json.loads(path.read_text(encoding="utf-8"))
        result = validator.validate(document, file=path.name, preset=Preset.SCHEMA)
        assert result.errors == (), path.name


def test_an_explained_cisa_failure_reads_as_a_sentence() -> None:
    path = next(p for p in _advisories() if p.name == "icsma-20-023-01.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    result = default_validator().validate(document, file=path.name, preset=Preset.MANDATORY)
    assert explain(result.errors[0], document) == (
        "6.1.31 Version range in product version: the product version '2.X' at "
        "/product_tree/branches/0/branches/0/branches/0/name is a range or wildcard, not one "
        "version, so you cannot check whether your installed version is listed."
    )
