"""Readability of advisory notes: known scores, syllables, sentence ends, long sentences, jargon."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.advisories.readability import (
    DEFAULT_TARGET_GRADE,
    clean,
    score_csaf,
    score_text,
    split_sentences,
    syllables,
    words,
)

FIXTURE = Path(__file__).parent / "fixtures" / "exm-2026-001.json"


@pytest.mark.parametrize(
    ("text", "words", "sentences", "syllable_count", "ease", "grade"),
    [
        # 206.835 − 1.015·6 − 84.6·1 = 116.145; 0.39·6 + 11.8·1 − 15.59 = −1.45
        ("The cat sat on the mat.", 6, 1, 6, 116.145, -1.45),
        # 9 words, 2 sentences, 10 syllables (sen-tence):
        # 206.835 − 1.015·4.5 − 84.6·10/9 = 108.2675; 0.39·4.5 + 11.8·10/9 − 15.59 = −0.7239
        ("This is a short sentence. It has few words.", 9, 2, 10, 108.2675, -0.7239),
        # 4 words, 14 syllables (vul-ner-a-bil-i-ty af-fects in-fu-sion hos-pi-tals):
        # 206.835 − 1.015·4 − 84.6·3.5 = −93.325; 0.39·4 + 11.8·3.5 − 15.59 = 27.27
        ("Vulnerability affects infusion hospitals.", 4, 1, 14, -93.325, 27.27),
    ],
)
def test_known_scores(
    text: str, words: int, sentences: int, syllable_count: int, ease: float, grade: float
) -> None:
    report = score_text(text)
    assert (report.words, report.sentences, report.syllables) == (
        words,
        sentences,
        syllable_count,
    )
    assert report.reading_ease == pytest.approx(ease, abs=0.001)
    assert report.grade == pytest.approx(grade, abs=0.001)


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("cat", 1),
        ("the", 1),
        ("table", 2),
        ("simple", 2),
        ("hospital", 3),
        ("infusion", 3),
        ("vulnerability", 6),
        ("update", 2),
        ("firmware", 2),  # pyphen does not split it: vowel groups i, a, (silent e)
        ("USB", 3),  # acronym: spelled out
        ("RCE", 3),
        ("4.2.1", 3),  # one per digit group
        ("2024", 1),
        ("CVE-2024-12345", 5),  # C-V-E + 2024 + 12345
        ("Wi-Fi", 2),
    ],
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Update now. Then restart.", ["Update now.", "Then restart."]),
        (
            "Install version 4.2.1 today. It fixes it.",
            ["Install version 4.2.1 today.", "It fixes it."],
        ),
        ("The score is 7.5 of 10. Act soon.", ["The score is 7.5 of 10.", "Act soon."]),
        ("See CVE-2024-1234. It is old.", ["See CVE-2024-1234.", "It is old."]),
        ("Use a wired link, e.g. Ethernet. Done.", ["Use a wired link, e.g. Ethernet.", "Done."]),
        ("Call Dr. Smith. He knows.", ["Call Dr. Smith.", "He knows."]),
        ("Sold in the U.S. since 2020. Fine.", ["Sold in the U.S. since 2020.", "Fine."]),
        ("Is it safe? Yes! Update.", ["Is it safe?", "Yes!", "Update."]),
        ("Block 192.168.0.1 at the firewall.", ["Block 192.168.0.1 at the firewall."]),
        ("Steps:\n- Unplug the pump\n- Call us", ["Steps:", "Unplug the pump", "Call us"]),
        ("First paragraph\n\nSecond paragraph", ["First paragraph", "Second paragraph"]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
    ],
)
def test_sentence_splitting(text: str, expected: list[str]) -> None:
    assert split_sentences(clean(text)) == expected


def test_a_url_at_the_end_of_a_sentence_keeps_the_full_stop() -> None:
    assert split_sentences(clean("Visit https://x.example/a.html. Then call.")) == [
        "Visit .",
        "Then call.",
    ]


def test_urls_and_markdown_are_not_read() -> None:
    assert clean("See [the guide](https://x.example/a.b) or **https://y.example**.").split() == [
        "See",
        "the",
        "guide",
        "or",
        ".",
    ]


def test_sentences_over_25_words_are_flagged() -> None:
    long = " ".join(["word"] * 26) + "."
    ok = " ".join(["word"] * 25) + "."
    report = score_text(f"{ok} {long.capitalize()}")
    assert [(s.index, s.words) for s in report.long_sentences] == [(1, 26)]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("An attacker could exploit this.", ["exploit"]),
        ("RCE via a buffer overflow.", ["RCE", "buffer overflow"]),
        (
            "Privilege escalation and lateral movement.",
            ["Privilege escalation", "lateral movement"],
        ),
        ("Remote code execution is possible.", ["Remote code execution"]),
        ("Exploitation was seen in the wild.", ["Exploitation", "in the wild"]),
        ("Explore the exploits-free menu.", []),  # whole words only
        ("Update the pump.", []),
    ],
)
def test_jargon_is_flagged_with_a_plain_alternative(text: str, terms: list[str]) -> None:
    hits = score_text(text).jargon
    assert [h.term for h in hits] == terms
    assert all(h.plain for h in hits)


@pytest.mark.parametrize(
    ("text", "meets"),
    [
        ("The cat sat on the mat.", True),
        (
            "Unauthenticated exploitation necessitates comprehensive organizational "
            "prioritization of infrastructural vulnerability remediation.",
            False,
        ),
    ],
)
def test_target_grade(text: str, meets: bool) -> None:
    report = score_text(text)
    assert report.target_grade == DEFAULT_TARGET_GRADE == 9
    assert report.meets_target is meets


def test_an_empty_text_has_no_scores() -> None:
    report = score_text("  \n ")
    assert (report.words, report.sentences, report.reading_ease, report.grade) == (0, 0, None, None)
    assert report.meets_target


def test_every_note_and_remediation_of_a_csaf_document_is_scored() -> None:
    scored = score_csaf(json.loads(FIXTURE.read_text()))
    assert [s.path for s in scored] == [
        "/document/notes/0/text",
        "/vulnerabilities/0/notes/0/text",
        "/vulnerabilities/0/remediations/0/details",
    ]
    assert scored[1].label == "vulnerability CVE-2026-0001, note Description"


@given(st.text(max_size=300))
def test_scoring_never_raises_and_scores_exist_exactly_when_there_are_words(text: str) -> None:
    report = score_text(text)
    assert (report.grade is None) == (report.words == 0)
    assert report.syllables >= report.words


@pytest.mark.parametrize("text", [". A", "”. A", "Done. ”. Next"])
def test_a_sentence_of_only_closing_punctuation_does_not_crash(text: str) -> None:
    """Regression: a chunk such as ``”.`` made the abbreviation check index an empty list
    (hypothesis found it once in ``test_scoring_never_raises…``)."""
    assert score_text(text).words >= 1


def test_the_documentation_lists_every_jargon_term() -> None:
    from medsec.advisories.jargon import JARGON

    docs = (Path(__file__).resolve().parents[2] / "docs" / "advisories.md").read_text()
    missing = [term for term, plain in JARGON.items() if f"| {term} | {plain} |" not in docs]
    assert missing == []


@given(st.text(alphabet=st.characters(blacklist_characters="\n\r", codec="utf-8"), max_size=300))
def test_sentence_splitting_neither_loses_nor_invents_a_word(text: str) -> None:
    cleaned = clean(text)
    assert [w for s in split_sentences(cleaned) for w in words(s)] == words(cleaned)


@given(st.from_regex(r"[A-Za-z][a-z]{0,15}", fullmatch=True))
def test_every_word_has_at_least_one_syllable_and_at_most_one_per_letter(word: str) -> None:
    assert 1 <= syllables(word) <= len(word)
