"""The structure of the MDS2 form, HIMSS/NEMA HN 1-2019: 23 sections, 240 questions.

The form ships with medsec as package data (``data/hn1-2019.toml``): the question ids,
texts and section titles of a public standard, so that exports and imports work offline.

>>> form = hn1_2019()
>>> len(form.questions), len(form.sections)
(240, 23)
>>> form.question("PAUT-8").text
'Does the device support multi-factor authentication?'
>>> form.question("PAUT-8").parent, form.question("CSUP-2.1").parent
(None, 'CSUP-2')
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from medsec.errors import Error, NotFound

#: What an MDS2 question id looks like: a section code, a dash, dotted numbers.
QUESTION_ID = re.compile(r"^[A-Z]{3,4}-\d+(?:\.\d+)*$")


class Kind(enum.StrEnum):
    CHOICE = "choice"
    """Answered Yes, No, N/A or See note."""
    TEXT = "text"
    """A DOC field answered with free text (manufacturer name, model…)."""


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    text: str
    kind: Kind = Kind.CHOICE

    @property
    def parent(self) -> str | None:
        """The question this one refines: ``CSUP-2.1`` → ``CSUP-2``; top-level → None."""
        head, _, _ = self.id.rpartition(".")
        return head or None


@dataclass(frozen=True)
class FormSection:
    code: str
    title: str
    description: str
    questions: tuple[Question, ...]

    @property
    def heading(self) -> str:
        """``AUTOMATIC LOGOFF (ALOF)``; the form gives DOC no title, so one is supplied."""
        title = self.title or ("DOCUMENT INFORMATION" if self.code == "DOC" else self.code)
        return f"{title} ({self.code})"


@dataclass(frozen=True)
class Form:
    name: str
    sections: tuple[FormSection, ...]

    @functools.cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @functools.cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @functools.cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    def question(self, question_id: str) -> Question:
        """The question with this id, or :class:`NotFound` naming the closest id."""
        found = self._by_id.get(question_id)
        if found is None:
            close = difflib.get_close_matches(question_id, self.ids, n=1)
            hint = f"did you mean {close[0]}?" if close else None
            raise NotFound(f"'{question_id}' is not a question of MDS2 {self.name}", hint=hint)
        return found

    def section(self, code: str) -> FormSection:
        found = next((s for s in self.sections if s.code == code), None)
        if found is None:
            raise NotFound(f"'{code}' is not a section of MDS2 {self.name}")
        return found


@functools.cache
def hn1_2019() -> Form:
    """The HN 1-2019 form, read once from the package data."""
    raw = resources.files("medsec.mds2").joinpath("data/hn1-2019.toml").read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
        sections = tuple(
            FormSection(
                code=s["code"],
                title=s["title"],
                description=s["description"],
                questions=tuple(
                    Question(q["id"], s["code"], q["text"], Kind(q.get("kind", "choice")))
                    for q in s["questions"]
                ),
            )
            for s in data["section"]
        )
    except (tomllib.TOMLDecodeError, KeyError, ValueError) as e:  # a broken installation
        raise Error(f"the packaged MDS2 form is damaged: {e}", hint="reinstall medsec") from e
    return Form(data["form"], sections)
