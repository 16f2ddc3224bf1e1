"""The HN 1-2019 form medsec ships matches the reference transcription in ../shared/data/mds2.

medsec ships the form's structure (question ids, texts, section titles: facts of a public
standard) as package data; the shared copy is used only here, to verify it.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from medsec.mds2.form import hn1_2019

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mds2"
QUESTIONS = SHARED / "hn1-2019-questions.csv"
SECTIONS = SHARED / "hn1-2019-sections.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        reason = f"{path} is absent: the reference MDS2 form is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_question_ids_are_the_same_and_in_the_same_order() -> None:
    reference = [r["id"] for r in _rows(QUESTIONS)]
    assert list(hn1_2019().ids) == reference
    assert len(reference) == 240


def test_every_question_text_and_section_matches() -> None:
    reference = _rows(QUESTIONS)
    shipped = hn1_2019().questions
    mismatches = [
        f"{r['id']}: {q.section!r} {q.text!r} != {r['section']!r} {r['question']!r}"
        for q, r in zip(shipped, reference, strict=True)
        if (q.id, q.section, q.text) != (r["id"], r["section"], r["question"])
    ]
    assert not mismatches, f"{len(mismatches)} of {len(reference)} differ:\n" + "\n".join(
        mismatches
    )


def test_the_sections_match_in_order_with_titles_and_descriptions() -> None:
    reference = [(r["section"], r["title"], r["description"]) for r in _rows(SECTIONS)]
    shipped = [(s.code, s.title, s.description) for s in hn1_2019().sections]
    assert shipped == reference
    assert len(reference) == 23
