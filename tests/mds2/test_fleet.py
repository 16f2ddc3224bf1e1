"""Fleet queries over many MDS2s: conditions, presets, and what counts as unknown."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from medsec.mds2.answers import Answer, Choice, Mds2Document, Origin
from medsec.mds2.fleet import (
    PRESETS,
    Condition,
    QueryError,
    Subject,
    custom_query,
    parse_condition,
    preset,
    run,
)
from medsec.mds2.form import Kind, hn1_2019

Y, N, NA, NOTE = Choice.YES, Choice.NO, Choice.NA, Choice.SEE_NOTE


def mds2(**answers: Choice) -> Mds2Document:
    """``mds2(STCF_1=N, MPII_2_2=Y)``: underscores stand for the dash, then the dots."""
    ids = {k: k.replace("_", "-", 1).replace("_", ".") for k in answers}
    return Mds2Document(
        answers={
            ids[k]: Answer(question=ids[k], choice=c, origin=Origin.IMPORTED, note=f"note {k}")
            for k, c in answers.items()
        }
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STCF-1=No", Condition("STCF-1", (N,))),
        ("rmot-1 = yes", Condition("RMOT-1", (Y,))),
        ("MPII-2.2=Yes|See note", Condition("MPII-2.2", (Y, NOTE))),
        ("PAUT-8=n/a", Condition("PAUT-8", (NA,))),
    ],
)
def test_conditions_are_read_the_way_people_write_them(text: str, expected: Condition) -> None:
    assert parse_condition(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("STCF-1", "is not QUESTION=ANSWER"),
        ("STCF-1=maybe", "'maybe' is not an answer"),
        ("STCF-99=Yes", "STCF-99 is not a question of the MDS2 form"),
        ("DOC-1=Yes", "DOC-1 is not a Yes/No question"),
        ("=Yes", "is not QUESTION=ANSWER"),
    ],
)
def test_a_bad_condition_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_condition(text)


def test_a_misspelt_question_gets_a_suggestion() -> None:
    with pytest.raises(QueryError) as caught:
        parse_condition("SCTF-1=Yes")
    assert "did you mean STCF-1?" in caught.value.diagnostics()


def test_a_query_needs_a_condition_and_presets_are_named() -> None:
    with pytest.raises(QueryError, match="at least one condition"):
        custom_query([])
    with pytest.raises(QueryError, match="no preset query 'everything-bad'") as caught:
        preset("everything-bad")
    assert "remote-service" in caught.value.diagnostics()


def test_every_preset_asks_yes_no_questions_of_the_form() -> None:
    form = hn1_2019()
    for query in PRESETS.values():
        assert query.conditions, query.name
        for condition in query.conditions:
            assert form.question(condition.question).kind is Kind.CHOICE


Make = Callable[..., Subject]


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ({"MPII_2_2": Y, "STCF_1": N}, "match"),
        ({"MPII_2_2": Y, "STCF_1": Y}, "no match"),
        ({"MPII_2_2": N, "STCF_1": N}, "no match"),
        ({"MPII_2_2": Y}, "unknown"),
        ({}, "unknown"),
        ({"STCF_1": Y}, "no match"),  # one condition fails: the missing one does not matter
        ({"MPII_2_2": NOTE, "STCF_1": N}, "no match"),
    ],
)
def test_personal_data_unencrypted_at_rest(answers: dict[str, Choice], outcome: str) -> None:
    subject = Subject("document", 1, "Monitor", mds2(**answers))
    result = run(PRESETS["personal-data-unencrypted-at-rest"], [subject])
    found = "match" if result.matches else "unknown" if result.unknown else "no match"
    assert found == outcome
    assert result.searched == 1


def test_a_match_carries_the_answers_and_notes_as_evidence() -> None:
    subject = Subject("version", 7, "Pump 4.2", mds2(RMOT_1=Y))
    result = run(preset("remote-service"), [subject])
    [match] = result.matches
    assert match.evidence == (("RMOT-1", "Yes", "note RMOT_1"),)
    assert result.as_json()["matches"] == [
        {
            "kind": "version",
            "id": 7,
            "label": "Pump 4.2",
            "evidence": [{"question": "RMOT-1", "answer": "Yes", "note": "note RMOT_1"}],
        }
    ]


def test_unknown_subjects_name_the_questions_to_chase() -> None:
    subject = Subject("document", 3, "Old CT", mds2(MPII_1=Y))
    result = run(preset("personal-data-unencrypted-in-transit"), [subject])
    assert [u.unanswered for u in result.unknown] == [("TXCF-2",)]
