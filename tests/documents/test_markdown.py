"""The Markdown guide: GitHub tables that no profile text can break."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medsec.documents import render_markdown
from medsec.documents.guide import TABLE1_COLUMNS
from medsec.documents.markdown import escape
from medsec.profiles.psp import ProductSecurityProfile


def unescaped(char: str, text: str) -> int:
    """How many times ``char`` occurs in ``text`` without a backslash escaping it."""
    return len(re.findall(rf"(?<!\\)(?:\\\\)*{re.escape(char)}", text))


def table_after(markdown: str, header_start: str) -> list[list[str]]:
    """The rows (header first, separator dropped) of the table whose header starts so."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if re.fullmatch(r"\|(---\|)+", line):
            continue
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        rows.append([c.strip() for c in cells])
    return rows


@pytest.fixture(scope="module")
def markdown(pump: ProductSecurityProfile) -> str:
    return render_markdown(pump)


def test_table_1_header_and_a_row_per_service(markdown: str, pump: ProductSecurityProfile) -> None:
    rows = table_after(markdown, "| Service | Description |")
    assert rows[0] == list(TABLE1_COLUMNS)
    assert len(rows) == 1 + len(pump.network.services)
    for row, service in zip(rows[1:], pump.network.services, strict=True):
        assert len(row) == len(TABLE1_COLUMNS)
        assert row[0] == service.name
        assert row[TABLE1_COLUMNS.index("Default port")] == str(service.default_port)


def test_every_table_row_has_as_many_cells_as_its_header(markdown: str) -> None:
    header: int | None = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = unescaped("|", line) - 1
        if header is None:
            header = cells
        assert cells == header, line


def test_headings_follow_the_seven_principles(markdown: str) -> None:
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings[1:] == [
        "## 1. Network configuration and segmentation",
        "## 2. Data and data flows",
        "## 3. Monitoring",
        "## 4. User management",
        "## 5. Hardening",
        "## 6. Updates and end of support",
        "## 7. Recovery and escalation",
    ]


def test_profile_text_cannot_become_markup_or_break_a_table(
    hostile: ProductSecurityProfile,
) -> None:
    markdown = render_markdown(hostile)
    assert unescaped("<", markdown.replace("<https://", "").replace("<mailto:", "")) == 0
    rows = table_after(markdown, "| Service | Description |")
    assert all(len(row) == len(TABLE1_COLUMNS) for row in rows)
    assert rows[1][1] == r"""\<script\>alert('x')\</script\> \& "quoted" \| piped"""
    assert "<javascript:" not in markdown


def test_links_are_autolinks(markdown: str) -> None:
    assert "<https://psirt.northwind-infusion.example/pgp-key.asc>" in markdown
    assert "<mailto:psirt@northwind-infusion.example>" in markdown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("a | b", r"a \| b"),
        ("<b>bold</b>", r"\<b\>bold\</b\>"),
        ("*not emphasis*", r"\*not emphasis\*"),
        ("[not](a link)", r"\[not\](a link)"),
        ("R&D &amp;", r"R\&D \&amp;"),
        ("two\nlines", "two lines"),
        ("# not a heading", r"\# not a heading"),
        ("- not a bullet", r"\- not a bullet"),
        ("1. not a list", r"1\. not a list"),
        ("4.2.1", "4.2.1"),
        ("+49 30 1234", "+49 30 1234"),
        ("---", r"\---"),
        (r"back\slash", r"back\\slash"),
    ],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected


@given(st.text())
def test_escaped_text_stays_on_one_line_and_opens_nothing(text: str) -> None:
    escaped = escape(text)
    assert "\n" not in escaped and "\r" not in escaped
    for char in "|<>`*_[]&":
        assert unescaped(char, escaped) == 0
