"""Load a Product Security Profile from YAML or JSON, keeping source positions.

Every problem — a YAML syntax error, a wrong type, an unknown key, a broken cross
reference — comes out as one :class:`medsec.errors.DocumentError` listing
``FILE:LINE:COL: path: message`` lines, so an author can jump to the place.

>>> load_profile_text("psp_version: 1\\nproduct: 3\\n", "bad.yaml")
Traceback (most recent call last):
...
medsec.errors.DocumentError: bad.yaml: 1 problem
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from medsec.errors import DocumentError, Error, Location, Problem
from medsec.profiles.psp import ProductSecurityProfile

PathKey = tuple[str | int, ...]

#: Profiles larger than this are refused before parsing (a profile is a few hundred KB).
MAX_PROFILE_BYTES = 8 * 1024 * 1024

#: Keys and items a document may expand to; bounds YAML alias ("billion laughs") expansion.
MAX_NODES = 100_000


class _TooManyNodes(Exception):
    pass


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor with two changes for profiles.

    Timestamps stay strings, so pydantic parses dates and reports a bad one at its path;
    and an exception from any constructor (ruamel raises AttributeError, KeyError…
    for mis-tagged scalars such as ``!!set x``) becomes a ConstructorError at the node.
    """

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except MarkedYAMLError:
            raise
        except (AttributeError, IndexError, KeyError, ValueError, TypeError) as e:
            raise ConstructorError(
                None, None, f"cannot read this {node.tag} value ({e})", node.start_mark
            ) from e


def _timestamp_as_text(constructor: RoundTripConstructor, node: Any) -> Any:
    return constructor.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def format_path(path: PathKey) -> str:
    """``("network", "services", 3, "port")`` → ``network.services[3].port``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class SourceMap:
    """Where each key and item of a parsed document starts in its file (1-based)."""

    file: str
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey) -> Location:
        """The position of ``path``, or of its nearest ancestor that has one."""
        probe = path
        while probe not in self.positions and probe:
            probe = probe[:-1]
        line, col = self.positions.get(probe, (1, 1))
        return Location(self.file, line, col, format_path(path))

    def problem(self, path: PathKey, message: str) -> Problem:
        return Problem(self.locate(path), message)


@dataclass(frozen=True)
class ParsedDocument:
    data: Any
    source: SourceMap


def _plain(node: Any, path: PathKey, positions: dict[PathKey, tuple[int, int]]) -> Any:
    """Convert ruamel's commented containers to plain data, recording positions."""
    if len(positions) > MAX_NODES:
        raise _TooManyNodes
    if isinstance(node, CommentedMap):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            sub = (*path, str(key))
            try:
                line, col = node.lc.key(key)
                positions[sub] = (line + 1, col + 1)
            except (KeyError, TypeError):
                pass
            out[str(key) if not isinstance(key, str) else key] = _plain(value, sub, positions)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            sub = (*path, index)
            try:
                line, col = node.lc.item(index)
                positions[sub] = (line + 1, col + 1)
            except (KeyError, TypeError, IndexError):
                pass
            items.append(_plain(value, sub, positions))
        return items
    if isinstance(node, str):
        text = str(node)  # ruamel's ScalarString subclasses → plain str
        # JSON writes characters beyond U+FFFF as surrogate pairs ("\\ud835\\udc00") and
        # ruamel decodes each half on its own: join the halves again.
        if any("\ud800" <= c <= "\udfff" for c in text):
            try:
                text = text.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                pass  # a lone surrogate stays; pydantic reports it at its path
        return text
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def parse_document(text: str, file: str) -> ParsedDocument:
    """Parse YAML (or JSON, which ruamel reads as YAML 1.2) into plain data + positions."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    try:
        root = yaml.load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = e.problem or e.context or "not valid YAML/JSON"
        raise DocumentError(
            file, [Problem(Location(file, line, col), f"syntax error: {what}")]
        ) from e
    except (YAMLError, RecursionError, ValueError, TypeError) as e:
        raise DocumentError(file, [Problem(Location(file, 1, 1), f"syntax error: {e}")]) from e
    positions: dict[PathKey, tuple[int, int]] = {}
    try:
        data = _plain(root, (), positions)
    except RecursionError as e:
        raise DocumentError(
            file, [Problem(Location(file, 1, 1), "document is nested too deeply")]
        ) from e
    except _TooManyNodes as e:
        raise DocumentError(
            file,
            [
                Problem(
                    Location(file, 1, 1),
                    f"the document expands to more than {MAX_NODES} "
                    "keys and items (nested YAML aliases?)",
                )
            ],
        ) from e
    return ParsedDocument(data, SourceMap(file, positions))


# --------------------------------------------------------------------------- pydantic → Problem


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated/list/dict annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(
    path: PathKey, root: type[BaseModel] = ProductSecurityProfile
) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at ``path`` of a ``root`` document."""
    model: type[BaseModel] = root
    pending = list(path)
    while pending:
        key = pending.pop(0)
        if isinstance(key, int):
            return None
        info = model.model_fields.get(key)
        if info is None:
            return None
        candidates = _unwrap(info.annotation)
        next_model: type[BaseModel] | None = None
        for candidate in candidates:
            origin = typing.get_origin(candidate)
            if origin in (list, dict) and pending and isinstance(pending[0], int | str):
                inner = typing.get_args(candidate)[-1]
                for t in _unwrap(inner):
                    if isinstance(t, type) and issubclass(t, BaseModel):
                        pending.pop(0)
                        next_model = t
                        break
            elif isinstance(candidate, type) and issubclass(candidate, BaseModel):
                next_model = candidate
            if next_model:
                break
        if next_model is None:
            return None
        model = next_model
    return model


def _message(error: Any, path: PathKey, root: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        model = _model_at(path[:-1], root)
        choices = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(key), choices, n=1, cutoff=0.6)
        suggestion = f"; did you mean '{close[0]}'?" if close else ""
        valid = f" (valid keys: {', '.join(choices)})" if choices and not close else ""
        return f"unknown key '{key}'{suggestion}{valid}"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error" and path == ("psp_version",):
        return f"psp_version must be 1 (found {error.get('input')!r}); this is medsec PSP v1"
    found = error.get("input")
    shown = repr(found) if not isinstance(found, dict | list) else type(found).__name__
    return f"{error['msg']} (found {shown})"


def validation_problems(
    exc: pydantic.ValidationError,
    source: SourceMap,
    root: type[BaseModel] = ProductSecurityProfile,
) -> list[Problem]:
    """Pydantic's errors for a ``root`` document as problems at their source positions."""
    problems = []
    for error in exc.errors():
        loc = error["loc"]
        # Drop pydantic's union/tagged-union branch names, keeping data keys only.
        path: PathKey = tuple(
            p
            for p in loc
            if isinstance(p, int) or not str(p).startswith(("function-", "tagged-union"))
        )
        problems.append(source.problem(path, _message(error, path, root)))
    return problems


def build_profile(parsed: ParsedDocument) -> ProductSecurityProfile:
    """Validate parsed data into a profile, or raise one DocumentError with every problem."""
    from medsec.profiles.checks import cross_check

    source = parsed.source
    if not isinstance(parsed.data, dict):
        found = "an empty document" if parsed.data is None else type(parsed.data).__name__
        raise DocumentError(
            source.file,
            [source.problem((), f"a profile is a mapping with psp_version: 1 (found {found})")],
        )
    try:
        profile = ProductSecurityProfile.model_validate(parsed.data)
    except pydantic.ValidationError as e:
        raise DocumentError(source.file, validation_problems(e, source)) from e
    problems = list(cross_check(profile, source))
    if problems:
        raise DocumentError(source.file, problems)
    return profile


def load_profile_text(text: str, file: str = "<profile>") -> ProductSecurityProfile:
    return build_profile(parse_document(text, file))


@dataclass(frozen=True)
class LoadedProfile:
    """A valid profile together with where each of its parts sits in the source file."""

    profile: ProductSecurityProfile
    source: SourceMap


def load_document(path: Path) -> LoadedProfile:
    """Load a profile and keep its source map (for lint findings with line numbers)."""
    parsed = parse_document(read_text(path), str(path))
    return LoadedProfile(build_profile(parsed), parsed.source)


def read_text(path: Path) -> str:
    """Read a UTF-8 document, converting I/O failures to :class:`Error`."""
    try:
        size = path.stat().st_size
        if size > MAX_PROFILE_BYTES:
            raise Error(
                f"{path}: {size} bytes is larger than the {MAX_PROFILE_BYTES} bytes "
                "a profile may be"
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise Error(f"{path}: no such file", hint="check the path") from e
    except IsADirectoryError as e:
        raise Error(f"{path}: is a directory, expected a .yaml or .json file") from e
    except UnicodeDecodeError as e:
        raise Error(f"{path}: not UTF-8 text (byte {e.start})", hint="save it as UTF-8") from e
    except OSError as e:
        raise Error(f"{path}: cannot be read: {e.strerror}") from e


def load_profile(path: Path) -> ProductSecurityProfile:
    """Load and validate a profile file (YAML or JSON)."""
    return load_profile_text(read_text(path), str(path))
