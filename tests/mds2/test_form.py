"""The shipped HN 1-2019 form: its shape, independent of the reference copy."""

from __future__ import annotations

import pytest

from medsec.errors import NotFound
from medsec.mds2.form import QUESTION_ID, Kind, hn1_2019


def test_the_form_has_240_questions_in_23_sections() -> None:
    form = hn1_2019()
    assert (len(form.questions), len(form.sections)) == (240, 23)
    assert [s.code for s in form.sections][:3] == ["DOC", "MPII", "ALOF"]
    assert form.sections[-1].code == "RMOT"


def test_every_id_is_well_formed_unique_and_in_its_section() -> None:
    form = hn1_2019()
    assert len(set(form.ids)) == len(form.ids)
    for question in form.questions:
        assert QUESTION_ID.match(question.id), question.id
        assert question.id.startswith(f"{question.section}-")


def test_every_sub_question_follows_its_parent() -> None:
    form = hn1_2019()
    seen: set[str] = set()
    for question in form.questions:
        if question.parent is not None:
            assert question.parent in seen, f"{question.id} before {question.parent}"
        seen.add(question.id)


def test_doc_1_to_7_are_text_fields_and_the_rest_choices() -> None:
    text = [q.id for q in hn1_2019().questions if q.kind is Kind.TEXT]
    assert text == [f"DOC-{n}" for n in range(1, 8)]


@pytest.mark.parametrize(
    ("code", "heading"),
    [
        ("ALOF", "AUTOMATIC LOGOFF (ALOF)"),
        ("DOC", "DOCUMENT INFORMATION (DOC)"),  # the form gives DOC no title
    ],
)
def test_section_headings(code: str, heading: str) -> None:
    assert hn1_2019().section(code).heading == heading


def test_an_unknown_question_names_the_closest() -> None:
    with pytest.raises(NotFound) as caught:
        hn1_2019().question("PAUT-88")
    assert caught.value.hint == "did you mean PAUT-8?"
