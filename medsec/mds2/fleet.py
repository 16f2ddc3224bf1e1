"""Query many MDS2s at once: "which devices store personal data without encryption at rest".

A :class:`FleetQuery` is a conjunction of :class:`Condition` s, each "question ``id`` is
answered with one of these choices". A subject whose MDS2 leaves a condition's question
unanswered does not match, but is reported as *unknown* for it — a hospital must chase
those answers, not assume them. :data:`PRESETS` holds the questions hospitals ask most;
any condition can be written as ``QUESTION=Choice[|Choice]`` (``STCF-1=No``).

>>> from medsec.mds2.answers import Answer, Mds2Document, Origin
>>> def mds2(answers):
...     return Mds2Document(answers={q: Answer(question=q, choice=Choice(c),
...                                            origin=Origin.IMPORTED) for q, c in answers})
>>> pump = Subject("product", 1, "Pump 4.2", mds2([("MPII-2.2", "Yes"), ("STCF-1", "No")]))
>>> ct = Subject("product", 2, "CT 7", mds2([("MPII-2.2", "Yes"), ("STCF-1", "Yes")]))
>>> result = run(PRESETS["personal-data-unencrypted-at-rest"], [pump, ct])
>>> [m.subject.label for m in result.matches]
['Pump 4.2']
>>> parse_condition("RMOT-1=Yes")
Condition(question='RMOT-1', choices=(<Choice.YES: 'Yes'>,))
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from medsec.errors import Error
from medsec.mds2.answers import Choice, Mds2Document
from medsec.mds2.form import Kind, hn1_2019


class QueryError(Error):
    kind = "invalid-mds2-query"
    status = 422
    title = "The MDS2 query is not valid"


def _check_question(question: str) -> None:
    form = hn1_2019()
    if question not in form:
        close = difflib.get_close_matches(question, form.ids, n=1)
        raise QueryError(
            f"{question} is not a question of the MDS2 form ({form.name})",
            hint=f"did you mean {close[0]}?" if close else "ids look like MPII-2.2 or STCF-1",
        )
    if form.question(question).kind is not Kind.CHOICE:
        raise QueryError(f"{question} is not a Yes/No question; fleet queries compare answers")


@dataclass(frozen=True)
class Condition:
    question: str
    choices: tuple[Choice, ...]

    def __str__(self) -> str:
        return f"{self.question}={'|'.join(c.value for c in self.choices)}"


@dataclass(frozen=True)
class FleetQuery:
    name: str
    title: str
    conditions: tuple[Condition, ...]

    def __post_init__(self) -> None:
        for condition in self.conditions:
            _check_question(condition.question)


@dataclass(frozen=True)
class Subject:
    """Something with an MDS2: a product version, an uploaded document, an asset."""

    kind: str
    id: int
    label: str
    mds2: Mds2Document = field(repr=False)


@dataclass(frozen=True)
class Match:
    subject: Subject
    #: Each condition's question with the subject's answer and its note, as evidence.
    evidence: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Unknown:
    subject: Subject
    unanswered: tuple[str, ...]


@dataclass(frozen=True)
class FleetResult:
    query: FleetQuery
    matches: list[Match]
    unknown: list[Unknown]
    searched: int

    def as_json(self) -> dict[str, object]:
        return {
            "query": {
                "name": self.query.name,
                "title": self.query.title,
                "conditions": [str(c) for c in self.query.conditions],
            },
            "searched": self.searched,
            "matches": [
                {
                    **_subject_json(m.subject),
                    "evidence": [{"question": q, "answer": a, "note": n} for q, a, n in m.evidence],
                }
                for m in self.matches
            ],
            "unknown": [
                {**_subject_json(u.subject), "unanswered": list(u.unanswered)} for u in self.unknown
            ],
        }


def _subject_json(subject: Subject) -> dict[str, object]:
    return {"kind": subject.kind, "id": subject.id, "label": subject.label}


def _yes(question: str) -> Condition:
    return Condition(question, (Choice.YES,))


def _no(question: str) -> Condition:
    return Condition(question, (Choice.NO,))


#: The questions hospitals ask of their fleet most often, by a stable name.
PRESETS: dict[str, FleetQuery] = {
    q.name: q
    for q in (
        FleetQuery(
            "personal-data-unencrypted-at-rest",
            "Stores personal data persistently but cannot encrypt data at rest",
            (_yes("MPII-2.2"), _no("STCF-1")),
        ),
        FleetQuery(
            "personal-data-unencrypted-in-transit",
            "Handles personal data but does not encrypt it before transmission",
            (_yes("MPII-1"), _no("TXCF-2")),
        ),
        FleetQuery(
            "remote-service",
            "Permits remote service connections for analysis or repair",
            (_yes("RMOT-1"),),
        ),
        FleetQuery(
            "no-multi-factor-authentication",
            "Does not support multi-factor authentication",
            (_no("PAUT-8"),),
        ),
        FleetQuery("no-sbom", "No SBOM available from the manufacturer", (_no("SBOM-1"),)),
        FleetQuery("no-anti-malware", "Does not support anti-malware software", (_no("MLDP-2"),)),
        FleetQuery("wireless", "Supports wireless connections", (_yes("CONN-1.1"),)),
        FleetQuery(
            "no-vulnerability-disclosure",
            "The manufacturer has no coordinated vulnerability disclosure program",
            (_no("DOC-8"),),
        ),
    )
}

_CONDITION = re.compile(r"\s*([A-Za-z]{3,4}-[0-9]+(?:\.[0-9]+)*)\s*=\s*(.+?)\s*")


def parse_condition(text: str) -> Condition:
    """``QUESTION=Choice`` or ``QUESTION=Choice|Choice`` (``STCF-1=No``, ``RMOT-1=yes``)."""
    found = _CONDITION.fullmatch(text)
    if not found:
        raise QueryError(f"condition {text!r} is not QUESTION=ANSWER", hint="for example STCF-1=No")
    question = found.group(1).upper()
    _check_question(question)
    choices = []
    for word in found.group(2).split("|"):
        choice = Choice.parse(word)
        if choice is None:
            raise QueryError(
                f"condition {text!r}: {word.strip()!r} is not an answer",
                hint="answers are Yes, No, N/A or See note (several joined by |)",
            )
        choices.append(choice)
    return Condition(question, tuple(choices))


def custom_query(conditions: Sequence[str]) -> FleetQuery:
    if not conditions:
        raise QueryError("a query needs at least one condition", hint="for example RMOT-1=Yes")
    parsed = tuple(parse_condition(c) for c in conditions)
    return FleetQuery("custom", " and ".join(str(c) for c in parsed), parsed)


def preset(name: str) -> FleetQuery:
    try:
        return PRESETS[name]
    except KeyError:
        raise QueryError(
            f"no preset query {name!r}", hint=f"presets: {', '.join(sorted(PRESETS))}"
        ) from None


def run(query: FleetQuery, subjects: Sequence[Subject]) -> FleetResult:
    matches: list[Match] = []
    unknown: list[Unknown] = []
    for subject in subjects:
        evidence = []
        missing = []
        failed = False
        for condition in query.conditions:
            answer = subject.mds2.answer(condition.question)
            if answer is None or answer.choice is None:
                missing.append(condition.question)
            elif answer.choice in condition.choices:
                evidence.append((condition.question, answer.value, answer.note or ""))
            else:
                failed = True
        if failed:
            continue
        if missing:
            unknown.append(Unknown(subject, tuple(missing)))
        else:
            matches.append(Match(subject, tuple(evidence)))
    return FleetResult(query, matches, unknown, len(subjects))
