"""Finding where a JSON pointer's value starts in a JSON text (only when reporting).

Validators report places as paths; people want lines. :func:`locate` walks the text
along the path once, skipping sibling values with the standard decoder, so it costs one
pass over the part of the text before the place.

>>> locate('{"a": [1, {"b": true}]}', ["a", 1, "b"])
(1, 17)
"""

from __future__ import annotations

import json
from collections.abc import Sequence

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def pointer(path: Sequence[str | int]) -> str:
    """The RFC 6901 JSON pointer of ``path`` (``""`` for the document itself)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _offset(text: str, path: Sequence[str | int]) -> int:
    i = _skip_ws(text, 0)
    for step in path:
        if i >= len(text):
            return i
        opener = text[i]
        if opener == "{" and isinstance(step, str):
            i = _skip_ws(text, i + 1)
            while i < len(text) and text[i] == '"':
                key, i = _DECODER.raw_decode(text, i)
                i = _skip_ws(text, _skip_ws(text, i) + 1)  # past ':'
                if key == step:
                    break
                _, i = _DECODER.raw_decode(text, i)
                i = _skip_ws(text, i)
                if i < len(text) and text[i] == ",":
                    i = _skip_ws(text, i + 1)
            else:
                return i
        elif opener == "[" and isinstance(step, int):
            i = _skip_ws(text, i + 1)
            for _ in range(step):
                _, i = _DECODER.raw_decode(text, i)
                i = _skip_ws(text, _skip_ws(text, i) + 1)  # past ','
        else:
            return i
    return i


def locate(text: str, path: Sequence[str | int]) -> tuple[int, int]:
    """1-based (line, column) where the value at ``path`` starts (or the nearest place)."""
    try:
        offset = _offset(text, path)
    except (ValueError, IndexError):
        offset = 0
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
