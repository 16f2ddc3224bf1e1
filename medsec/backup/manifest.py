"""The manifest of a backup: what it holds and the SHA-256 of every part.

It is the first member of the backup's tar stream (``manifest.json``); a restore checks
every part against it before touching the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FORMAT: Final = "medsec-backup"
FORMAT_VERSION: Final = 1

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
#: The instance secret or a key under ``data_dir/keys``; no absolute paths, no ``..``.
FilePath = Annotated[str, Field(pattern=r"^(secret_key|keys(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99})+)$")]


class TableEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    rows: Annotated[int, Field(ge=0)]
    sha256: Sha256

    @property
    def member(self) -> str:
        return f"tables/{self.name}.jsonl"


class FileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: FilePath
    size: Annotated[int, Field(ge=0)]
    sha256: Sha256

    @property
    def member(self) -> str:
        return f"files/{self.path}"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["medsec-backup"] = "medsec-backup"
    format_version: Literal[1] = 1
    medsec_version: str
    #: The Alembic revision of the database the tables were read from.
    alembic_revision: str
    created_at: dt.datetime
    source_dialect: str
    #: ``file``: the instance secret is in ``files``; ``environment``: it came from
    #: MEDSEC_SECRET_KEY and is not in the backup.
    secret_key: Literal["file", "environment"]
    #: In foreign-key order: a table comes after every table it refers to.
    tables: tuple[TableEntry, ...]
    files: tuple[FileEntry, ...] = ()

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("created_at needs a time zone")
        return value

    def table(self, name: str) -> TableEntry | None:
        return next((t for t in self.tables if t.name == name), None)
