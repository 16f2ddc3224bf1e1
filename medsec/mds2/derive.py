"""Profile → MDS2: answer every question the profile can answer, and say which it cannot.

Questions are resolved in form order. A manual answer in the profile's ``mds2:`` section
wins over a derived one (and cites ``mds2.<ID>``); otherwise the question's rule (see
:mod:`medsec.mds2.rules`) answers from profile fields and cites them; a question without an
answer is left for manual entry.

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> doc = derive(load_profile_text(EXAMPLE_MINIMAL))
>>> doc.answer("DOC-1").text, doc.answer("DOC-1").sources
('Example Medical', ('product.manufacturer.name',))
>>> "PAUT-8" in manual_entry(doc)
True
"""

from __future__ import annotations

from medsec.errors import Error
from medsec.mds2.answers import Answer, Choice, Mds2Document, Origin
from medsec.mds2.form import Kind, Question, hn1_2019
from medsec.mds2.rules import RULES, Context
from medsec.mds2.rules.facts import Facts
from medsec.profiles.psp import ProductSecurityProfile


class ManualAnswerError(Error):
    """An entry of the profile's ``mds2:`` section does not fit the form."""

    kind = "invalid-mds2-answer"
    status = 422
    title = "A manual MDS2 answer is not valid"


def derive(profile: ProductSecurityProfile, *, file: str = "profile") -> Mds2Document:
    """The MDS2 of ``profile``: manual answers, then derived ones, in form order."""
    form = hn1_2019()
    manual = manual_answers(profile, file=file)
    ctx = Context(profile, Facts(profile))
    for question in form.questions:
        if question.id in manual:
            ctx.resolved[question.id] = manual[question.id]
            continue
        rule = RULES.get(question.id)
        derived = rule(ctx) if rule else None
        if derived is None:
            continue
        if (question.kind is Kind.TEXT) != (derived.text is not None):
            raise ValueError(f"rule for {question.id} answered the wrong kind")  # a medsec bug
        ctx.resolved[question.id] = Answer(
            question=question.id,
            choice=derived.choice,
            text=derived.text,
            note=derived.note,
            sources=tuple(dict.fromkeys(derived.sources)),  # each field once, in order
            origin=Origin.DERIVED,
        )
    product = profile.product
    return Mds2Document(
        product=f"{product.manufacturer.name} {product.name} {product.version}",
        answers=ctx.resolved,
    )


def manual_answers(profile: ProductSecurityProfile, *, file: str = "profile") -> dict[str, Answer]:
    """The profile's ``mds2:`` answers, checked against the form.

    A DOC text field (DOC-1 … DOC-7) is written ``answer: See note`` with the value in
    ``note``, since PSP v1's ``Mds2Answer`` only holds the four choices.
    """
    form = hn1_2019()
    out: dict[str, Answer] = {}
    for key, given in profile.mds2.items():
        where = f"{file}: mds2.{key}"
        try:
            question = form.question(key)
        except Error as e:
            raise ManualAnswerError(f"{where}: {e.message}", hint=e.hint) from e
        choice = Choice(given.answer)
        if question.kind is Kind.TEXT:
            if choice is not Choice.SEE_NOTE or not given.note:
                raise ManualAnswerError(
                    f"{where}: '{question.text}' is a text field; found answer {given.answer!r}",
                    hint="write `answer: See note` and put the value in `note`",
                )
            out[key] = Answer(
                question=key,
                text=given.note,
                reference=given.reference,
                sources=(f"mds2.{key}",),
                origin=Origin.MANUAL,
            )
        else:
            out[key] = Answer(
                question=key,
                choice=choice,
                note=given.note,
                reference=given.reference,
                sources=(f"mds2.{key}",),
                origin=Origin.MANUAL,
            )
    return out


def manual_entry(document: Mds2Document) -> list[str]:
    """Ids of the questions still to be answered by hand, in form order."""
    return document.unanswered()


def questions_without_rule() -> list[Question]:
    """Questions no rule can answer: PSP v1 has no field that says."""
    return [q for q in hn1_2019().questions if q.id not in RULES]
