"""Read OSV records from a directory, a zip archive, or one JSON or YAML file.

Every record is validated with :class:`medsec.vulns.records.Record`; a bad one raises
:class:`InvalidRecord` naming the file (or zip member) and the JSON pointer of each
problem. A zip archive is checked against :class:`ZipLimits` before anything is read,
and again while reading (a lying header does not help). Nothing is yielded from a file
before it has validated, so a caller that collects records before using them (the
index, the store) never keeps half a source.

>>> import json, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "X.json").write_text(json.dumps({"id": "OSV-1", "modified": "2024-01-01T00:00:00Z"}))
>>> [r.id for r in read_records(d)]
['OSV-1']
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from medsec.errors import Location, Problem
from medsec.vulns.errors import InvalidRecord, SourceUnreadable, UnsafeArchive
from medsec.vulns.records import Record, ValidationError

__all__ = [
    "OsvSource",
    "RecordProblem",
    "ZipLimits",
    "count_files",
    "parse_record",
    "read_records",
    "record_files",
]

_SUFFIXES = (".json", ".yaml", ".yml")
_Loader: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


@dataclass(frozen=True)
class ZipLimits:
    """What a zip archive may hold. The defaults fit OSV's all.zip of the largest
    ecosystem (≈ 200,000 records, ≈ 2 GiB uncompressed) with room to spare."""

    max_members: int = 1_000_000
    max_total_bytes: int = 4 * 1024**3
    max_member_bytes: int = 64 * 1024**2
    #: Uncompressed / compressed size of any one member.
    max_ratio: float = 200.0


class RecordProblem(Problem):
    """A problem at a JSON pointer of a record file (no line: JSON and YAML alike)."""

    def __str__(self) -> str:
        return f"{self.location.file}: {self.location.path or '/'}: {self.message}"


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def _refuse_aliases(data: bytes | str, source: str) -> None:
    """Refuse YAML anchors and aliases: an OSV record never needs them, and a few
    nested aliases expand to gigabytes (a "billion laughs")."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if not re.search(rb"[&*]", raw):
        return  # fast path: no anchor or alias character at all
    for token in yaml.scan(data):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
            line = token.start_mark.line + 1
            raise InvalidRecord(
                source,
                [
                    RecordProblem(
                        Location(source, line, token.start_mark.column + 1, ""),
                        f"line {line}: YAML anchors and aliases are not accepted in an OSV "
                        "record (write the value out)",
                    )
                ],
            )


def parse_record(data: bytes | str, source: str) -> Record:
    """One record from the text of a JSON or YAML file called ``source``."""
    try:
        if source.endswith((".yaml", ".yml")):
            _refuse_aliases(data, source)
            # BaseLoader keeps every scalar a string: `1.10` stays "1.10", not 1.1.
            raw = yaml.load(data, Loader=_Loader)  # noqa: S506 (BaseLoader builds no objects)
        else:
            raw = json.loads(data)
    except (ValueError, yaml.YAMLError) as e:
        line = getattr(e, "lineno", None) or getattr(getattr(e, "problem_mark", None), "line", 0)
        raise InvalidRecord(
            source,
            [RecordProblem(Location(source, int(line or 0), 0, ""), f"not valid JSON/YAML: {e}")],
        ) from e
    if not isinstance(raw, dict):
        raise InvalidRecord(
            source,
            [RecordProblem(Location(source, 1, 1, "/"), "an OSV record is a JSON object")],
        )
    try:
        return Record.model_validate(raw)
    except ValidationError as e:
        problems: list[Problem] = [
            RecordProblem(
                Location(source, 0, 0, _pointer(tuple(err["loc"]))),
                err["msg"].removeprefix("Value error, "),
            )
            for err in e.errors()
        ]
        raise InvalidRecord(source, problems) from None


def _check_zip(zf: zipfile.ZipFile, path: Path, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > limits.max_members:
        raise UnsafeArchive(
            f"{path}: {len(infos)} members, more than the limit of {limits.max_members}",
            hint="split the archive, or raise ZipLimits.max_members if the source is trusted",
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        raise UnsafeArchive(
            f"{path}: {total} bytes uncompressed, more than the limit of {limits.max_total_bytes}",
            hint="this looks like a zip bomb; OSV archives are far smaller",
        )
    for i in infos:
        if i.file_size > limits.max_member_bytes:
            raise UnsafeArchive(
                f"{path}!{i.filename}: {i.file_size} bytes, more than the per-record limit "
                f"of {limits.max_member_bytes}",
                hint="an OSV record is a few kilobytes; this member is refused",
            )
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > 1024 and ratio > limits.max_ratio:
            raise UnsafeArchive(
                f"{path}!{i.filename}: compression ratio {ratio:.0f} exceeds "
                f"{limits.max_ratio:.0f}",
                hint="this looks like a zip bomb; the archive is refused",
            )
    return infos


def _read_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, limits: ZipLimits
) -> bytes:
    with zf.open(info) as f:
        data = f.read(limits.max_member_bytes + 1)
    if len(data) > limits.max_member_bytes or len(data) > info.file_size:
        raise UnsafeArchive(
            f"{path}!{info.filename}: holds more than its header says",
            hint="the archive is corrupt or hostile; it is refused",
        )
    return data


def record_files(path: Path) -> list[Path]:
    """The record files (*.json, *.yaml, *.yml) under a directory, in name order."""
    return sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())


def count_files(path: Path, limits: ZipLimits | None = None) -> int:
    """How many record files ``path`` holds (for a progress bar)."""
    if path.is_dir():
        return len(record_files(path))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            infos = _check_zip(zf, path, limits or ZipLimits())
        return sum(i.filename.endswith(_SUFFIXES) for i in infos)
    return 1


def read_records(
    path: Path,
    *,
    limits: ZipLimits | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Record]:
    """Every record under ``path`` (directory, ``.zip``, ``.json``, ``.yaml``), in name order.

    ``progress(1)`` is called after each file. Raises :class:`InvalidRecord` at the first
    bad record, :class:`UnsafeArchive` for an archive over the limits.
    """
    limits = limits or ZipLimits()
    if not path.exists():
        raise SourceUnreadable(f"{path}: no such file or directory")
    if path.is_dir():
        for file in record_files(path):
            try:
                data = file.read_bytes()
            except OSError as e:
                raise SourceUnreadable(f"{file}: cannot be read: {e.strerror}") from e
            yield parse_record(data, str(file))
            if progress:
                progress(1)
        return
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                infos = _check_zip(zf, path, limits)
                for info in sorted(infos, key=lambda i: i.filename):
                    if not info.filename.endswith(_SUFFIXES):
                        continue
                    data = _read_member(zf, info, path, limits)
                    yield parse_record(data, f"{path}!{info.filename}")
                    if progress:
                        progress(1)
        except (zipfile.BadZipFile, EOFError) as e:
            raise SourceUnreadable(f"{path}: not a readable zip archive: {e}") from e
        return
    if path.suffix not in _SUFFIXES:
        raise SourceUnreadable(
            f"{path}: not an OSV source",
            hint="give a directory of records, a .zip archive, or one .json/.yaml record",
        )
    yield parse_record(path.read_bytes(), str(path))
    if progress:
        progress(1)


class OsvSource:
    """The OSV adapter of the :class:`medsec.vulns.interfaces.VulnerabilitySource` port."""

    name = "osv"

    def __init__(self, limits: ZipLimits | None = None) -> None:
        self.limits = limits or ZipLimits()

    def records(self, path: Path) -> Iterator[Record]:
        return read_records(path, limits=self.limits)
