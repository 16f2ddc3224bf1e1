"""Answers and documents: spellings manufacturers use, and the shape of a valid document."""

from __future__ import annotations

import pydantic
import pytest

from medsec.mds2.answers import Answer, Choice, Mds2Document, Origin


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Yes", Choice.YES),
        ("yes", Choice.YES),
        ("Y", Choice.YES),
        (" YES. ", Choice.YES),
        ("No", Choice.NO),
        ("n", Choice.NO),
        ("N/A", Choice.NA),
        ("NA", Choice.NA),
        ("n.a.", Choice.NA),
        ("Not applicable", Choice.NA),
        ("See note", Choice.SEE_NOTE),
        ("See Note", Choice.SEE_NOTE),
        ("see notes", Choice.SEE_NOTE),
        ("See Note 4", Choice.SEE_NOTE),
        ("See note #12", Choice.SEE_NOTE),
        ("Maybe", None),
        ("", None),
        ("Yes, partly", None),
        ("Nope", None),
    ],
)
def test_choice_spellings(written: str, expected: Choice | None) -> None:
    assert Choice.parse(written) is expected


def _answer(question: str, **values: object) -> Answer:
    return Answer(question=question, origin=Origin.IMPORTED, **values)


def test_an_answer_has_a_choice_or_a_text_never_both() -> None:
    with pytest.raises(pydantic.ValidationError):
        _answer("PAUT-8", choice=Choice.YES, text="Yes")
    with pytest.raises(pydantic.ValidationError):
        _answer("PAUT-8")


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("PAUT-88", _answer("PAUT-88", choice=Choice.YES)),  # not a question
        ("PAUT-8", _answer("PAUT-9", choice=Choice.YES)),  # filed under another id
        ("DOC-1", _answer("DOC-1", choice=Choice.YES)),  # a text field needs text
        ("PAUT-8", _answer("PAUT-8", text="yes please")),  # a choice question needs a choice
    ],
)
def test_a_document_only_holds_answers_that_fit_the_form(key: str, answer: Answer) -> None:
    with pytest.raises(pydantic.ValidationError):
        Mds2Document(answers={key: answer})


def test_coverage_counts_each_origin() -> None:
    doc = Mds2Document(
        answers={
            "DOC-1": Answer(question="DOC-1", text="ACME", sources=("x",), origin=Origin.DERIVED),
            "PAUT-8": Answer(question="PAUT-8", choice=Choice.NO, origin=Origin.MANUAL),
        }
    )
    coverage = doc.coverage()
    assert (coverage.derived, coverage.manual, coverage.unanswered) == (1, 1, 238)
    assert coverage.derived_percent == 0.4
