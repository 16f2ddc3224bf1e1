"""The advisory input a manufacturer writes (YAML or JSON), validated with line numbers.

It names the products by the PSP profiles that describe them, so vendor, product name,
models, UDI-DI, CPE and purl are never typed twice. Products are referred to as
``KEY@VERSION`` (``lvp@4.2.1``), where ``KEY`` is the product entry's ``key``.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from medsec.errors import DocumentError, Error, Problem
from medsec.profiles.loader import PathKey, SourceMap, format_path, parse_document, read_text

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
ProductRef = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}@\S+$"),
    Field(description="KEY@VERSION of a product entry, e.g. lvp@4.2.1"),
]


class InputProblem(Error):
    """Something wrong at one place of the advisory input (located by :func:`build_advisory`
    when it has the input's source map)."""

    kind = "invalid-advisory-input"
    status = 422

    def __init__(self, path: PathKey, message: str, *, hint: str | None = None) -> None:
        self.path = path
        self.problem = message
        super().__init__(f"{format_path(path)}: {message}", hint=hint)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tlp(enum.StrEnum):
    """CSAF 2.0 uses TLP version 1 labels."""

    WHITE = "WHITE"
    GREEN = "GREEN"
    AMBER = "AMBER"
    RED = "RED"


class Status(enum.StrEnum):
    DRAFT = "draft"
    INTERIM = "interim"
    FINAL = "final"


class Change(enum.StrEnum):
    """How a revision changes the advisory (CSAF 2.0 §3.1.11.2, semantic versioning)."""

    #: Incompatible: a product or vulnerability removed, a product's status changed.
    MAJOR = "major"
    #: Compatible addition: a new product, vulnerability, remediation or score.
    MINOR = "minor"
    #: A correction that changes no fact: wording, typos.
    PATCH = "patch"


class Publisher(_Model):
    name: Text
    namespace: pydantic.AnyHttpUrl = Field(description="The publisher's web address.")
    category: Literal["vendor", "coordinator", "discoverer", "other", "translator", "user"] = (
        "vendor"
    )
    contact_details: str | None = None


class ProductEntry(_Model):
    """One product, described by a PSP profile file (``profile``) or, in the service, by a
    product the organization keeps there (``product``, its name): exactly one of the two."""

    key: Key
    profile: Path | None = Field(
        default=None, description="PSP profile, relative to the advisory input file."
    )
    product: Text | None = Field(
        default=None,
        description="Service only: the name of one of your organization's products; its "
        "stored profile versions describe it.",
    )
    versions: list[Text] = Field(
        default_factory=list, description="Versions covered; default: the profile's version."
    )

    @pydantic.model_validator(mode="after")
    def _one_source(self) -> ProductEntry:
        if (self.profile is None) == (self.product is None):
            raise ValueError(
                "give either profile (a PSP profile file) or product (a stored product)"
            )
        return self


class Notes(_Model):
    summary: Text
    details: str | None = None
    update_benefits_and_risks: str | None = Field(
        default=None, description="What updating changes, and what it may disturb."
    )
    compensating_controls: str | None = Field(
        default=None, description="What to do until an update is available or installed."
    )


class Cwe(_Model):
    id: Annotated[str, StringConstraints(pattern=r"^CWE-[1-9]\d{0,5}$")]
    name: Text


class ProductStatus(_Model):
    first_affected: list[ProductRef] = Field(default_factory=list)
    first_fixed: list[ProductRef] = Field(default_factory=list)
    fixed: list[ProductRef] = Field(default_factory=list)
    known_affected: list[ProductRef] = Field(default_factory=list)
    known_not_affected: list[ProductRef] = Field(default_factory=list)
    last_affected: list[ProductRef] = Field(default_factory=list)
    recommended: list[ProductRef] = Field(default_factory=list)
    under_investigation: list[ProductRef] = Field(default_factory=list)


class Remediation(_Model):
    category: Literal["vendor_fix", "workaround", "mitigation", "no_fix_planned", "none_available"]
    details: Text
    products: list[ProductRef] = Field(min_length=1)
    url: pydantic.AnyHttpUrl | None = None


class Threat(_Model):
    category: Literal["impact", "exploit_status", "target_set"]
    details: Text
    products: list[ProductRef] = Field(default_factory=list)


class Vulnerability(_Model):
    cve: Annotated[str, StringConstraints(pattern=r"^CVE-[0-9]{4}-[0-9]{4,}$")] | None = None
    title: Text
    description: Text
    cwe: Cwe | None = None
    cvss_v3: str | None = Field(default=None, description="CVSS 3.0 or 3.1 vector.")
    cvss_v4: str | None = Field(
        default=None, description="CVSS 4.0 vector (a note in CSAF 2.0, which has no v4 field)."
    )
    product_status: ProductStatus
    remediations: list[Remediation] = Field(default_factory=list)
    threats: list[Threat] = Field(default_factory=list)
    discovered_by: str | None = None


class Revision(_Model):
    date: dt.datetime
    summary: Text
    change: Change = Change.MINOR
    number: str | None = Field(
        default=None, description="Explicit semantic version; default: computed from change."
    )


class AdvisoryInput(_Model):
    advisory_version: Literal[1]
    tracking_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    title: Text
    status: Status
    tlp: Tlp = Tlp.WHITE
    lang: str = "en"
    publisher: Publisher
    canonical_url: pydantic.AnyHttpUrl | None = Field(
        default=None, description="Where the CSAF file is published (ends in the file name)."
    )
    products: list[ProductEntry] = Field(min_length=1)
    notes: Notes
    vulnerabilities: list[Vulnerability] = Field(min_length=1)
    revisions: list[Revision] = Field(min_length=1)


def _problems(exc: pydantic.ValidationError, source: SourceMap) -> list[Problem]:
    problems = []
    for error in exc.errors():
        path = tuple(p for p in error["loc"] if isinstance(p, int | str))
        if error["type"] == "missing":
            message = "required key is missing"
        elif error["type"] == "extra_forbidden":
            message = f"unknown key {path[-1]!r}"
        else:
            found = error.get("input")
            shown = repr(found) if not isinstance(found, dict | list) else type(found).__name__
            message = f"{error['msg']} (found {shown})"
        problems.append(source.problem(path, message))
    return problems


def parse_advisory_input(text: str, file: str = "<advisory>") -> tuple[AdvisoryInput, SourceMap]:
    parsed = parse_document(text, file)
    data: Any = parsed.data
    try:
        return AdvisoryInput.model_validate(data), parsed.source
    except pydantic.ValidationError as e:
        raise DocumentError(file, _problems(e, parsed.source)) from e


def load_advisory_input(path: Path) -> tuple[AdvisoryInput, SourceMap]:
    """Load and validate an advisory input file."""
    return parse_advisory_input(read_text(path), str(path))
