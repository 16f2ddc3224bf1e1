"""The customer security guide as GitHub-flavoured Markdown.

The template environment escapes every ``{{ … }}`` value (through Jinja2's ``finalize``
hook), the way autoescaping protects HTML: Markdown syntax characters get a backslash,
pipes cannot break a table, line breaks cannot start a new block, and ``<`` cannot open
raw HTML. Only values wrapped in :class:`Markdown` (our own links) pass unchanged.

>>> escape("a | b <script>")
'a \\\\| b \\\\<script\\\\>'
>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> render_markdown(load_profile_text(EXAMPLE_MINIMAL)).splitlines()[0]
'# Customer security guide — Example Monitor 1.0'
"""

from __future__ import annotations

import functools
import re
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from medsec.documents.guide import NOT_STATED, build_guide, href, yes_no
from medsec.profiles.psp import ProductSecurityProfile

# CommonMark §2.4: any ASCII punctuation may be backslash-escaped. These are the ones
# that can start inline syntax (emphasis, code, links, raw HTML, entities, tables).
_INLINE = re.compile(r"([\\`*_\[\]<>|&~])")
# What makes a line's start a block (CommonMark §4–5): an ATX heading, a bullet or an
# ordered-list marker followed by a space, or a line of only "=" / "-" (setext heading).
_BLOCK_MARKER = re.compile(r"^(#{1,6}|[-+])(?=\s|$)|^([=-])(?=[=-]*$)")
_ORDERED_LIST = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


class Markdown(str):
    """Text that is already Markdown; :func:`escape` returns it unchanged."""

    __slots__ = ()


def escape(value: Any) -> str:
    """``value`` as inline Markdown text that renders literally, on one line."""
    if isinstance(value, Markdown):
        return value
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = _INLINE.sub(r"\\\1", text)
    text = _BLOCK_MARKER.sub(lambda m: "\\" + m.group(0), text)
    return _ORDERED_LIST.sub(r"\1\\\2", text)


def link(url: str | None) -> Markdown:
    """A CommonMark autolink for safe URLs, escaped text for anything else."""
    if not url:
        return Markdown(NOT_STATED)
    target = href(url)
    if not target or any(c in target for c in "<> \t"):
        return Markdown(escape(url))
    return Markdown(f"<{target}>")


def or_not_stated(value: Any) -> Any:
    """``value``, or :data:`NOT_STATED` when it is empty (``finalize`` escapes either)."""
    if value is None or value == "" or value == []:
        return NOT_STATED
    return value


@functools.cache
def _environment() -> Environment:
    # Not HTML, so no HTML autoescaping: `finalize` applies Markdown escaping instead.
    env = Environment(
        loader=PackageLoader("medsec.documents", "templates"),
        autoescape=False,  # noqa: S701 - Markdown, escaped by `finalize`
        finalize=escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["link"] = link
    env.filters["ns"] = or_not_stated
    env.filters["yes_no"] = yes_no
    env.globals["not_stated"] = NOT_STATED
    return env


def render_markdown(profile: ProductSecurityProfile) -> str:
    """The complete guide as one Markdown document."""
    text = _environment().get_template("guide.md").render(guide=build_guide(profile), p=profile)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
