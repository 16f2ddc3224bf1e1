"""How a derivation rule is written: a function from a :class:`Context` to a :class:`Derived`.

A rule answers one question (or a few that share their logic) from profile fields and
names those fields; it returns ``None`` when the profile does not say, so the question
is left for manual entry. Rules never guess.

>>> book = RuleBook()
>>> @book.rule("PAUT-8")
... def mfa(ctx: Context) -> Derived | None:
...     return None
>>> list(book.rules)
['PAUT-8']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from medsec.mds2.answers import Answer, Choice
from medsec.mds2.form import hn1_2019
from medsec.mds2.rules.facts import Facts
from medsec.profiles.psp import ProductSecurityProfile


@dataclass(frozen=True)
class Derived:
    """A rule's answer: a choice or a text, a note for the reader, the fields it rests on."""

    sources: tuple[str, ...]
    choice: Choice | None = None
    text: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if not self.sources:
            raise ValueError("a derived answer must cite the profile fields it came from")


def yes(*sources: str, note: str | None = None) -> Derived:
    return Derived(tuple(sources), choice=Choice.YES, note=note)


def no(*sources: str, note: str | None = None) -> Derived:
    return Derived(tuple(sources), choice=Choice.NO, note=note)


def na(*sources: str, note: str | None = None) -> Derived:
    return Derived(tuple(sources), choice=Choice.NA, note=note)


def text(value: str, *sources: str, note: str | None = None) -> Derived:
    return Derived(tuple(sources), text=value, note=note)


def see_note(*sources: str, note: str) -> Derived:
    return Derived(tuple(sources), choice=Choice.SEE_NOTE, note=note)


def either(flag: bool, *sources: str, note: str | None = None) -> Derived:
    """Yes when ``flag``, otherwise No."""
    return (yes if flag else no)(*sources, note=note)


def stated(flag: bool | None, source: str, *, note: str | None = None) -> Derived | None:
    """Yes or No from a yes/no field of the profile; None when the author left it out."""
    return None if flag is None else either(flag, source, note=note)


#: One fact per item of a profile list: (path of the field, its value, what to call the item).
Fact = tuple[str, bool | None, str]


def any_of(facts: Sequence[Fact], *, what: str) -> Derived | None:
    """Yes when one item states ``what`` (citing those that do); No when every item states
    that it does not; None when the list is empty or an item leaves it unstated.

    >>> any_of([("a.x", False, "a"), ("b.x", True, "b")], what="Encrypted").note
    'Encrypted: b.'
    >>> any_of([("a.x", False, "a"), ("b.x", None, "b")], what="Encrypted") is None
    True
    """
    true = [f for f in facts if f[1] is True]
    if true:
        return yes(*(f[0] for f in true), note=f"{what}: {', '.join(f[2] for f in true)}.")
    if facts and all(f[1] is False for f in facts):
        return no(*(f[0] for f in facts), note=f"{what}: none of {', '.join(f[2] for f in facts)}.")
    return None


def every(facts: Sequence[Fact], *, what: str) -> Derived | None:
    """For questions that ask about *all* items: No when one item states that it does not
    (citing those); Yes when every item states that it does; None otherwise.

    >>> every([("a.x", True, "a"), ("b.x", None, "b"), ("c.x", False, "c")], what="Changeable").note
    'Changeable: not c.'
    """
    false = [f for f in facts if f[1] is False]
    if false:
        return no(*(f[0] for f in false), note=f"{what}: not {', '.join(f[2] for f in false)}.")
    if facts and all(f[1] is True for f in facts):
        return yes(*(f[0] for f in facts), note=f"{what}: {', '.join(f[2] for f in facts)}.")
    return None


def all_of(facts: Sequence[Fact], *, what: str) -> Derived | None:
    """Yes when every item states ``what``, No when none does, See note when some do (the
    note names them); None when the list is empty or an item leaves it unstated.

    >>> all_of([("a.x", True, "a"), ("b.x", False, "b")], what="Encrypted").note
    'Encrypted: a; not: b.'
    """
    if not facts or any(f[1] is None for f in facts):
        return None
    sources = [f[0] for f in facts]
    true = [f[2] for f in facts if f[1]]
    false = [f[2] for f in facts if not f[1]]
    if not false:
        return yes(*sources, note=f"{what}: {', '.join(true)}.")
    if not true:
        return no(*sources, note=f"{what}: none of {', '.join(false)}.")
    return see_note(*sources, note=f"{what}: {', '.join(true)}; not: {', '.join(false)}.")


@dataclass
class Context:
    """What a rule may look at: the profile, its facts and the answers resolved so far.

    Questions are resolved in form order, so a rule may read its parent's answer (which
    may be a manual one from the profile's ``mds2:`` section).
    """

    profile: ProductSecurityProfile
    facts: Facts
    resolved: dict[str, Answer] = field(default_factory=dict)

    def choice(self, question_id: str) -> Choice | None:
        found = self.resolved.get(question_id)
        return found.choice if found else None

    def cite(self, question_id: str) -> tuple[str, ...]:
        """The sources of an earlier answer (``mds2.X`` for a manual one)."""
        found = self.resolved.get(question_id)
        if found is None:
            return ()
        return found.sources or (f"mds2.{question_id}",)

    def na_because(self, parent: str, when: Choice = Choice.NO) -> Derived | None:
        """N/A when ``parent`` was answered ``when`` (the form's "if yes, complete…")."""
        if self.choice(parent) is when:
            return na(*self.cite(parent), note=f"Not applicable: {parent} is {when}.")
        return None


Rule = Callable[[Context], Derived | None]


class RuleBook:
    """The rules of one group of sections, keyed by question id."""

    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}

    def rule(self, *question_ids: str) -> Callable[[Rule], Rule]:
        form = hn1_2019()

        def register(function: Rule) -> Rule:
            for question_id in question_ids:
                form.question(question_id)  # a typo in an id fails at import, not silently
                if question_id in self.rules:
                    raise ValueError(f"two rules answer {question_id}")
                self.rules[question_id] = function
            return function

        return register

    def add(self, question_id: str, function: Rule) -> None:
        self.rule(question_id)(function)


def merge(books: Iterable[RuleBook]) -> dict[str, Rule]:
    merged: dict[str, Rule] = {}
    for book in books:
        for question_id, function in book.rules.items():
            if question_id in merged:
                raise ValueError(f"two rules answer {question_id}")
            merged[question_id] = function
    return merged
