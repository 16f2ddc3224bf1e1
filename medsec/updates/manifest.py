"""Release manifests and patch lists as YAML or JSON files, with every problem located.

>>> text = "version: 4.2.2\\nreleased_on: 2026-06-01\\nkind: security-patch\\n"
>>> read_release(text + "apply_mode: planned-downtime\\n", "r.yaml").version
'4.2.2'
>>> try:
...     read_release(text + "apply_mode: whenever\\n", "r.yaml")
... except DocumentError as e:
...     print(e.problems[0].location, e.problems[0].location.path)
r.yaml:4:1 apply_mode
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pydantic

from medsec.errors import DocumentError, Problem
from medsec.profiles.loader import SourceMap, parse_document, read_text
from medsec.updates.schemas import PatchListIn, ReleaseIn

M = TypeVar("M", bound=pydantic.BaseModel)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    found = error.get("input")
    shown = repr(found) if not isinstance(found, dict | list) else type(found).__name__
    return f"{error['msg'].removeprefix('Value error, ')} (found {shown})"


def problems_of(exc: pydantic.ValidationError, source: SourceMap) -> list[Problem]:
    problems = []
    for error in exc.errors():
        path = tuple(p for p in error["loc"] if isinstance(p, int | str))
        problems.append(source.problem(path, _message(error)))
    return problems


def _build(model: type[M], text: str, file: str, what: str) -> M:
    parsed = parse_document(text, file)
    if not isinstance(parsed.data, dict):
        raise DocumentError(file, [parsed.source.problem((), f"{what} is a mapping")])
    try:
        return model.model_validate(parsed.data)
    except pydantic.ValidationError as e:
        raise DocumentError(file, problems_of(e, parsed.source)) from e


def read_release(text: str, file: str = "<release>") -> ReleaseIn:
    return _build(ReleaseIn, text, file, "a release manifest")


def read_patches(text: str, file: str = "<patches>") -> PatchListIn:
    return _build(PatchListIn, text, file, "a patch list (patches: [...])")


def load_release(path: Path) -> ReleaseIn:
    return read_release(read_text(path), str(path))


def load_patches(path: Path) -> PatchListIn:
    return read_patches(read_text(path), str(path))
