"""MDS2 answers: one per question id, each saying where it came from.

An :class:`Mds2Document` is what :func:`medsec.mds2.derive.derive` makes from a profile and
what :func:`medsec.mds2.importer.read_mds2` reads from a manufacturer's spreadsheet; a
service can keep it and query it.

>>> doc = Mds2Document(answers={"PAUT-8": Answer(
...     question="PAUT-8", choice=Choice.YES, sources=("users.mfa.supported",),
...     origin=Origin.DERIVED)})
>>> doc.choice("PAUT-8"), doc.choice("PAUT-9")
(<Choice.YES: 'Yes'>, None)
>>> Choice.parse("n/a"), Choice.parse("See Notes"), Choice.parse("maybe")
(<Choice.NA: 'N/A'>, <Choice.SEE_NOTE: 'See note'>, None)
"""

from __future__ import annotations

import enum
import re
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medsec.mds2.form import Kind, hn1_2019


class Choice(enum.StrEnum):
    YES = "Yes"
    NO = "No"
    NA = "N/A"
    SEE_NOTE = "See note"

    @classmethod
    def parse(cls, text: str) -> Choice | None:
        """Read an answer the way manufacturers write it, or None if it is not one.

        Case and surrounding punctuation do not matter: ``yes``, ``Y``, ``YES.`` are Yes;
        ``N/A``, ``NA``, ``n.a.``, ``not applicable`` are N/A; ``See Note``, ``see notes``,
        ``See note 4`` are See note.
        """
        word = re.sub(r"\s+", " ", text.strip().strip(".;:,*").strip().lower())
        return _SPELLINGS.get(word) or (cls.SEE_NOTE if _SEE_NOTE.fullmatch(word) else None)


_SPELLINGS = {
    "yes": Choice.YES,
    "y": Choice.YES,
    "no": Choice.NO,
    "n": Choice.NO,
    "n/a": Choice.NA,
    "na": Choice.NA,
    "n.a": Choice.NA,
    "n. a": Choice.NA,
    "not applicable": Choice.NA,
}
_SEE_NOTE = re.compile(r"see ?notes?(?: ?(?:#|no\.?)? ?\d+)?")


class Origin(enum.StrEnum):
    DERIVED = "derived"
    """Computed from profile fields, which ``sources`` names."""
    MANUAL = "manual"
    """Written by the manufacturer in the profile's ``mds2:`` section."""
    IMPORTED = "imported"
    """Read from an MDS2 file."""


class Answer(BaseModel):
    """The answer to one question: a choice (Yes/No/N/A/See note) or, for DOC fields, text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    choice: Choice | None = None
    text: str | None = None
    note: str | None = None
    reference: str | None = None
    sources: tuple[str, ...] = ()
    """Profile fields the answer came from, as paths (``users.mfa.supported``)."""
    origin: Origin

    @model_validator(mode="after")
    def _one_value(self) -> Self:
        if (self.choice is None) == (self.text is None):
            raise ValueError(f"{self.question}: an answer has either a choice or a text")
        return self

    @property
    def value(self) -> str:
        """What the form's answer cell shows."""
        return self.text if self.text is not None else str(self.choice)


class Coverage(BaseModel):
    """How many of the form's questions are answered, and how."""

    model_config = ConfigDict(frozen=True)

    total: int
    derived: int
    manual: int
    imported: int
    unanswered: int

    @property
    def answered(self) -> int:
        return self.total - self.unanswered

    @property
    def derived_percent(self) -> float:
        return round(100 * self.derived / self.total, 1) if self.total else 0.0


class Mds2Document(BaseModel):
    """The answers of one MDS2, keyed by question id in form order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    form: str = "HN 1-2019"
    product: str | None = None
    answers: dict[str, Answer] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fits_the_form(self) -> Self:
        form = hn1_2019()
        for key, answer in self.answers.items():
            if key not in form:
                raise ValueError(f"'{key}' is not a question of MDS2 {form.name}")
            question = form.question(key)
            if answer.question != key:
                raise ValueError(f"{key}: answer is for {answer.question}")
            if (question.kind is Kind.TEXT) != (answer.text is not None):
                expected = "text" if question.kind is Kind.TEXT else "Yes, No, N/A or See note"
                raise ValueError(f"{key}: expected {expected}, found {answer.value!r}")
        return self

    def answer(self, question_id: str) -> Answer | None:
        return self.answers.get(question_id)

    def choice(self, question_id: str) -> Choice | None:
        found = self.answers.get(question_id)
        return found.choice if found else None

    def unanswered(self) -> list[str]:
        """Ids of the form's questions that have no answer, in form order."""
        return [q for q in hn1_2019().ids if q not in self.answers]

    def with_origin(self, origin: Origin) -> list[str]:
        return [k for k, a in self.answers.items() if a.origin is origin]

    def coverage(self) -> Coverage:
        total = len(hn1_2019().ids)
        return Coverage(
            total=total,
            derived=len(self.with_origin(Origin.DERIVED)),
            manual=len(self.with_origin(Origin.MANUAL)),
            imported=len(self.with_origin(Origin.IMPORTED)),
            unanswered=total - len(self.answers),
        )
