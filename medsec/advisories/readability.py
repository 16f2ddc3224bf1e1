"""How easy a note is to read: Flesch reading ease, Flesch–Kincaid grade, long sentences, jargon.

Formulas (Flesch 1948; Kincaid et al. 1975), with W words, S sentences and Y syllables::

    reading ease = 206.835 − 1.015 · W/S − 84.6 · Y/W      (higher is easier; 60–70 is plain)
    grade level  = 0.39 · W/S + 11.8 · Y/W − 15.59          (US school grade)

Counting, so that the numbers are reproducible:

- **Sentences** end at ``.``, ``!`` or ``?`` followed by white space and then a capital
  letter, digit, quote or bracket, and at a blank line or a list item (``-``, ``*``, ``1.``).
  A full stop inside a token never ends a sentence, so decimals (``7.5``), version numbers
  (``4.2.1``), IP addresses and file names stay whole; nor does one after a known
  abbreviation (``e.g.``, ``i.e.``, ``etc.``, ``Dr.``, ``No.``, ``approx.``, ``Inc.``, ``vs.``…)
  or a single-letter initial. CVE ids contain no full stop.
- **Words** are runs of letters, digits and inner ``' - . _``; URLs and e-mail addresses are
  removed first (nobody reads them aloud), as is Markdown emphasis/link syntax.
- **Syllables** come from pyphen's en_US hyphenation dictionary: a word hyphenated into n
  parts has n syllables. Pyphen leaves some words unsplit (``firmware``, ``area``); for a word
  pyphen does not split, the fallback counts groups of vowels (a e i o u y), minus a silent
  final ``e`` (but not ``-le`` after a consonant, as in ``table``), at least one. An acronym of
  two to four capitals (``USB``, ``RCE``) is spelled out: one syllable per letter. A token
  without letters (``2024``, ``4.2.1``) counts one syllable per digit group.

The target is a grade of at most 9 (:data:`DEFAULT_TARGET_GRADE`); sentences over 25 words
(:data:`LONG_SENTENCE_WORDS`) and the terms of :data:`medsec.advisories.jargon.JARGON` are
flagged with a plain alternative.

>>> report = score_text("The cat sat on the mat.")
>>> report.words, report.sentences, report.syllables, round(report.reading_ease, 1)
(6, 1, 6, 116.1)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import pyphen  # type: ignore[import-untyped]

from medsec.advisories.jargon import JARGON

DEFAULT_TARGET_GRADE: Final = 9.0
LONG_SENTENCE_WORDS: Final = 25

ABBREVIATIONS: Final = frozenset(
    {
        "e.g", "i.e", "etc", "vs", "approx", "incl", "dr", "mr", "mrs", "ms", "prof", "no",
        "nos", "fig", "figs", "ref", "refs", "sec", "ch", "vol", "inc", "ltd", "corp", "co",
        "jr", "sr", "st", "dept", "ca", "cf", "al", "min", "max", "esp", "resp", "u.s",
        "u.k", "e.u", "ver", "rev", "op", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip

_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)\S+?(?=[.,;:!?)\]*_\"']*(?:\s|$))"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKUP = re.compile(r"(^|\s)#{1,6}\s+|[*_`~]{1,3}(?=\S)|(?<=\S)[*_`~]{1,3}")
_LIST_ITEM = re.compile(r"\n[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_END = re.compile(r"([.!?]+)([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")
_VOWELS = re.compile(r"[aeiouy]+")
_ACRONYM = re.compile(r"[A-Z]{2,4}s?")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class LongSentence:
    index: int  #: 0-based position among the text's sentences
    words: int
    text: str


@dataclass(frozen=True)
class JargonHit:
    term: str  #: as written in the text
    plain: str  #: the plain alternative
    offset: int  #: character offset in the cleaned text


@dataclass(frozen=True)
class ReadabilityReport:
    sentences: int
    words: int
    syllables: int
    #: ``None`` for a text without words.
    reading_ease: float | None
    grade: float | None
    long_sentences: tuple[LongSentence, ...]
    jargon: tuple[JargonHit, ...]
    target_grade: float

    @property
    def meets_target(self) -> bool:
        return self.grade is None or self.grade <= self.target_grade

    def to_json(self) -> dict[str, Any]:
        return {
            "sentences": self.sentences,
            "words": self.words,
            "syllables": self.syllables,
            "readingEase": None if self.reading_ease is None else round(self.reading_ease, 1),
            "grade": None if self.grade is None else round(self.grade, 1),
            "targetGrade": self.target_grade,
            "meetsTarget": self.meets_target,
            "longSentences": [
                {"index": s.index, "words": s.words, "text": s.text} for s in self.long_sentences
            ],
            "jargon": [{"term": j.term, "plain": j.plain} for j in self.jargon],
        }


@functools.cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def _fallback_syllables(word: str) -> int:
    lower = word.lower()
    count = len(_VOWELS.findall(lower))
    if lower.endswith("e") and not lower.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    elif lower.endswith("le") and len(lower) > 2 and lower[-3] in "aeiouy" and count > 1:
        count -= 1
    return max(count, 1)


def syllables(word: str) -> int:
    """Syllables of one word, by the rules in the module documentation."""
    if not any(c.isalpha() for c in word):
        return max(len(_DIGITS.findall(word)), 1)
    total = 0
    for part in re.split(r"[-_.]+", word):
        if not part:
            continue
        if not any(c.isalpha() for c in part):
            total += max(len(_DIGITS.findall(part)), 1)
        elif _ACRONYM.fullmatch(part):
            total += sum(1 for c in part if c.isupper())
        else:
            letters = re.sub(r"[^A-Za-z]", "", part) or part
            pieces = len(_dictionary().positions(letters)) + 1
            total += pieces if pieces > 1 else _fallback_syllables(letters)
    return max(total, 1)


def clean(text: str) -> str:
    """The text as read aloud: no URLs or e-mail addresses, no Markdown syntax."""
    text = _MD_LINK.sub(r"\1", text.replace("\r\n", "\n"))
    text = _URL.sub(" ", text)
    return _MD_MARKUP.sub(r"\1", text)


def _ends_with_abbreviation(chunk: str) -> bool:
    words = chunk.rstrip(".!?\"'”’)]").split()
    last = words[-1] if words else ""
    token = last.lstrip("(\"'“‘[").lower()
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def split_sentences(text: str) -> list[str]:
    """Sentences of a (cleaned) text, by the rules in the module documentation."""
    sentences: list[str] = []
    for block in _PARAGRAPH.split("\n" + text):
        for item in _LIST_ITEM.split("\n" + block):
            start = 0
            for match in _END.finditer(item):
                if match[1] == "." and _ends_with_abbreviation(item[start : match.end(1)]):
                    continue
                sentence = " ".join(item[start : match.end(2)].split())
                if _WORD.search(sentence):
                    sentences.append(sentence)
                start = match.end()
            rest = " ".join(item[start:].split())
            if _WORD.search(rest):
                sentences.append(rest)
    return sentences


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@functools.cache
def _jargon_pattern() -> re.Pattern[str]:
    terms = sorted(JARGON, key=len, reverse=True)
    alternatives = "|".join(re.escape(t) for t in terms)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def find_jargon(text: str) -> Iterator[JargonHit]:
    for match in _jargon_pattern().finditer(text):
        yield JargonHit(match[0], JARGON[match[0].lower()], match.start())


def score_text(text: str, *, target_grade: float = DEFAULT_TARGET_GRADE) -> ReadabilityReport:
    """Score a note. Never raises: an empty text has no scores (``None``)."""
    cleaned = clean(text)
    sentence_list = split_sentences(cleaned)
    counts = [words(s) for s in sentence_list]
    word_total = sum(len(c) for c in counts)
    syllable_total = sum(syllables(w) for c in counts for w in c)
    ease: float | None = None
    grade: float | None = None
    if word_total:
        per_sentence = word_total / len(sentence_list)
        per_word = syllable_total / word_total
        ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
        grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    long = tuple(
        LongSentence(i, len(c), s)
        for i, (s, c) in enumerate(zip(sentence_list, counts, strict=True))
        if len(c) > LONG_SENTENCE_WORDS
    )
    return ReadabilityReport(
        sentences=len(sentence_list) if word_total else 0,
        words=word_total,
        syllables=syllable_total,
        reading_ease=ease,
        grade=grade,
        long_sentences=long,
        jargon=tuple(find_jargon(cleaned)),
        target_grade=target_grade,
    )


@dataclass(frozen=True)
class ScoredText:
    """One text of a CSAF document and its score."""

    path: str  #: JSON pointer of the text, e.g. ``/vulnerabilities/0/notes/1/text``
    label: str  #: what it is, e.g. ``vulnerability CVE-2024-1234, note "Summary"``
    report: ReadabilityReport


def score_csaf(
    document: Mapping[str, Any], *, target_grade: float = DEFAULT_TARGET_GRADE
) -> list[ScoredText]:
    """Score every note of a CSAF document and every remediation's details."""
    scored: list[ScoredText] = []
    doc = document.get("document")
    doc_notes = doc.get("notes") if isinstance(doc, Mapping) else None
    for i, note in enumerate(doc_notes if isinstance(doc_notes, list) else []):
        if isinstance(note, Mapping) and isinstance(note.get("text"), str):
            label = f"document note {note.get('title') or note.get('category') or i + 1!s}"
            scored.append(
                ScoredText(
                    f"/document/notes/{i}/text",
                    label,
                    score_text(note["text"], target_grade=target_grade),
                )
            )
    vulnerabilities = document.get("vulnerabilities")
    for v, vuln in enumerate(vulnerabilities if isinstance(vulnerabilities, list) else []):
        if not isinstance(vuln, Mapping):
            continue
        name = vuln.get("cve") or f"#{v + 1}"
        for kind, field in (("note", "notes"), ("remediation", "remediations")):
            items = vuln.get(field)
            key = "text" if field == "notes" else "details"
            for i, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, Mapping) and isinstance(item.get(key), str):
                    what = item.get("title") or item.get("category") or i + 1
                    scored.append(
                        ScoredText(
                            f"/vulnerabilities/{v}/{field}/{i}/{key}",
                            f"vulnerability {name}, {kind} {what!s}",
                            score_text(item[key], target_grade=target_grade),
                        )
                    )
    return scored
