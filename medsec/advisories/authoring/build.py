"""A CSAF 2.0 security advisory from an :class:`AdvisoryInput`, checked before it is written.

- Scores: CVSS 3.x vectors are scored by the ``cvss`` library into a full ``cvss_v3`` object
  (base score and severity computed, never typed). CSAF 2.0 has no field for CVSS 4.0, so a
  4.0 vector is scored the same way and given as a vulnerability note titled "CVSS v4.0"
  (CSAF 2.1 adds ``cvss_v4``). A score applies to the vulnerability's affected products.
- Versions: semantic versioning (CSAF 2.0 §3.1.11.2). The first revision is 1.0.0, or 0.1.0
  while the advisory is a draft; each later revision bumps the major, minor or patch number
  as its ``change`` says, unless it gives its own ``number``. The document version is the
  last revision's number; the initial and current release dates are the first and last
  revision dates.
- Output is checked with the validator port (mandatory tests) before anything is written; the
  optional and informative findings are returned for the author to read.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cvss import CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from medsec.advisories.authoring.input import (
    AdvisoryInput,
    Change,
    InputProblem,
    Status,
    Vulnerability,
)
from medsec.advisories.authoring.products import (
    Product,
    ProfileSource,
    load_products,
    product_tree,
)
from medsec.advisories.explain import explain
from medsec.advisories.interfaces import CsafValidator, Preset, ValidationResult
from medsec.advisories.readability import ScoredText, score_csaf
from medsec.advisories.validation import default_validator
from medsec.errors import DocumentError, Error
from medsec.profiles.loader import PathKey, SourceMap

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")

#: Document notes: input field -> (CSAF note category, title).
_DOCUMENT_NOTES = {
    "summary": ("summary", "Summary"),
    "details": ("details", "Details"),
    "update_benefits_and_risks": ("general", "Benefits and risks of updating"),
    "compensating_controls": ("general", "Compensating controls until an update is installed"),
}


class AdvisoryInvalid(Error):
    """The advisory built from the input fails a mandatory CSAF test: nothing is written."""

    kind = "invalid-advisory"
    status = 422
    title = "The advisory is not valid CSAF 2.0"

    def __init__(self, file: str, result: ValidationResult, document: dict[str, Any]) -> None:
        self.result = result
        self.document = document
        lines = [explain(f, document) for f in result.errors]
        super().__init__(
            f"{file}: the advisory would not be valid CSAF 2.0:\n  " + "\n  ".join(lines),
            hint="correct the advisory input; nothing was written",
        )


@dataclass(frozen=True)
class BuiltAdvisory:
    document: dict[str, Any]
    products: dict[str, Product]
    #: The full validation (optional and informative findings included).
    validation: ValidationResult


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bump(number: str, change: Change) -> str:
    major, minor, patch = (int(p) for p in number.split("."))
    if change is Change.MAJOR:
        return f"{major + 1}.0.0"
    if change is Change.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split("."))


def revision_history(advisory: AdvisoryInput) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = []
    previous: str | None = None
    for index, revision in enumerate(advisory.revisions):
        where: PathKey = ("revisions", index)
        if revision.number is not None:
            if not _SEMVER.fullmatch(revision.number):
                raise InputProblem(
                    (*where, "number"),
                    f"{revision.number!r} is not a semantic version X.Y.Z",
                    hint="write e.g. 1.0.0, or leave number out to compute it from change",
                )
            number = revision.number
        elif previous is None:
            number = "0.1.0" if advisory.status is Status.DRAFT else "1.0.0"
        else:
            number = _bump(previous, revision.change)
        if previous is not None and _key(number) <= _key(previous):
            raise InputProblem((*where, "number"), f"{number} does not come after {previous}")
        if advisory.status is not Status.DRAFT and number.startswith("0."):
            raise InputProblem(
                (*where, "number"),
                f"{number} is a draft version but the status is {advisory.status.value}",
                hint="a released advisory starts at 1.0.0 (CSAF 2.0 §6.1.17, §6.1.18)",
            )
        if history and revision.date < advisory.revisions[index - 1].date:
            raise InputProblem((*where, "date"), "earlier than the revision before it")
        history.append(
            {"date": _timestamp(revision.date), "number": number, "summary": revision.summary}
        )
        previous = number
    return history


def _cvss3(vector: str, where: PathKey) -> dict[str, Any]:
    try:
        score: dict[str, Any] = CVSS3(vector).as_json(minimal=True)
    except CVSSError as e:
        raise InputProblem(where, f"{vector!r} is not a CVSS 3 vector: {e}") from e
    return score


def cvss4_note(vector: str, where: PathKey) -> dict[str, str]:
    try:
        score = CVSS4(vector)
    except CVSSError as e:
        raise InputProblem(where, f"{vector!r} is not a CVSS 4.0 vector: {e}") from e
    return {
        "category": "other",
        "text": f"CVSS v4.0 base score {score.base_score} ({score.severity}), "
        f"vector {score.clean_vector()}",
        "title": "CVSS v4.0",
    }


def _refs(refs: list[str], products: dict[str, Product], where: PathKey) -> list[str]:
    for i, ref in enumerate(refs):
        if ref not in products:
            known = ", ".join(products) or "none"
            raise InputProblem(
                (*where, i), f"unknown product {ref!r}", hint=f"known products: {known}"
            )
    return list(dict.fromkeys(refs))


def _vulnerability(vuln: Vulnerability, index: int, products: dict[str, Product]) -> dict[str, Any]:
    where: PathKey = ("vulnerabilities", index)
    out: dict[str, Any] = {"title": vuln.title}
    if vuln.cve:
        out["cve"] = vuln.cve
    if vuln.cwe:
        out["cwe"] = {"id": vuln.cwe.id, "name": vuln.cwe.name}
    notes = [{"category": "description", "text": vuln.description, "title": "Description"}]
    if vuln.cvss_v4:
        notes.append(cvss4_note(vuln.cvss_v4, (*where, "cvss_v4")))
    out["notes"] = notes
    status = {
        name: _refs(refs, products, (*where, "product_status", name))
        for name, refs in vuln.product_status.model_dump().items()
        if refs
    }
    if not status:
        raise InputProblem((*where, "product_status"), "give at least one product a status")
    out["product_status"] = status
    affected = [
        p
        for name in ("known_affected", "first_affected", "last_affected")
        for p in status.get(name, [])
    ]
    if vuln.cvss_v3:
        if not affected:
            raise InputProblem((*where, "cvss_v3"), "a score needs at least one affected product")
        out["scores"] = [
            {"cvss_v3": _cvss3(vuln.cvss_v3, (*where, "cvss_v3")), "products": affected}
        ]
    remediations = []
    for r, remediation in enumerate(vuln.remediations):
        item: dict[str, Any] = {
            "category": remediation.category,
            "details": remediation.details,
            "product_ids": _refs(
                remediation.products, products, (*where, "remediations", r, "products")
            ),
        }
        if remediation.url:
            item["url"] = str(remediation.url)
        remediations.append(item)
    if remediations:
        out["remediations"] = remediations
    threats = []
    for t, threat in enumerate(vuln.threats):
        entry: dict[str, Any] = {"category": threat.category, "details": threat.details}
        if threat.products:
            entry["product_ids"] = _refs(
                threat.products, products, (*where, "threats", t, "products")
            )
        threats.append(entry)
    if threats:
        out["threats"] = threats
    if vuln.discovered_by:
        out["acknowledgments"] = [{"names": [vuln.discovered_by]}]
    return out


def _sorted(value: Any) -> Any:
    """Keys in alphabetical order (CSAF 2.0 §6.2.13 recommends it)."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _medsec_version() -> str:
    try:
        return importlib.metadata.version("medsec")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed in dev
        return "0"


def build_document(
    advisory: AdvisoryInput, products: dict[str, Product], *, generated: dt.datetime
) -> dict[str, Any]:
    """The CSAF 2.0 document as a JSON object (keys sorted)."""
    history = revision_history(advisory)
    notes = [
        {"category": category, "text": text, "title": title}
        for field, (category, title) in _DOCUMENT_NOTES.items()
        if (text := getattr(advisory.notes, field))
    ]
    publisher: dict[str, Any] = {
        "category": advisory.publisher.category,
        "name": advisory.publisher.name,
        "namespace": str(advisory.publisher.namespace).rstrip("/"),
    }
    if advisory.publisher.contact_details:
        publisher["contact_details"] = advisory.publisher.contact_details
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "distribution": {"tlp": {"label": advisory.tlp.value, "url": "https://www.first.org/tlp/"}},
        "lang": advisory.lang,
        "notes": notes,
        "publisher": publisher,
        "title": advisory.title,
        "tracking": {
            "current_release_date": history[-1]["date"],
            "generator": {
                "date": _timestamp(generated),
                "engine": {"name": "medsec", "version": _medsec_version()},
            },
            "id": advisory.tracking_id,
            "initial_release_date": history[0]["date"],
            "revision_history": history,
            "status": advisory.status.value,
            "version": history[-1]["number"],
        },
    }
    if advisory.canonical_url:
        document["references"] = [
            {
                "category": "self",
                "summary": "This advisory (CSAF)",
                "url": str(advisory.canonical_url),
            }
        ]
    built: dict[str, Any] = _sorted(
        {
            "document": document,
            "product_tree": product_tree(products),
            "vulnerabilities": [
                _vulnerability(v, i, products) for i, v in enumerate(advisory.vulnerabilities)
            ],
        }
    )
    return built


def build_advisory(
    advisory: AdvisoryInput,
    *,
    base: Path | ProfileSource,
    file: str = "<advisory>",
    generated: dt.datetime | None = None,
    validator: CsafValidator | None = None,
    source: SourceMap | None = None,
) -> BuiltAdvisory:
    """Build and validate; raise :class:`AdvisoryInvalid` if a mandatory test fails.

    ``base`` is the folder the input's profile paths are relative to, or a
    :class:`~medsec.advisories.authoring.products.ProfileSource` (the service's stored
    profiles). With the input's ``source`` map, a problem of the input is a
    :class:`DocumentError` naming its file, line and column."""
    try:
        products = load_products(advisory, base)
        document = build_document(
            advisory, products, generated=generated or dt.datetime.now(dt.UTC)
        )
    except InputProblem as e:
        if source is None:
            raise
        message = f"{e.problem} ({e.hint})" if e.hint else e.problem
        raise DocumentError(source.file, [source.problem(e.path, message)]) from e
    result = (validator or default_validator()).validate(document, file=file, preset=Preset.FULL)
    if not result.is_valid:
        raise AdvisoryInvalid(file, result, document)
    return BuiltAdvisory(document, products, result)


def prose_readability(built: BuiltAdvisory) -> list[ScoredText]:
    """Readability of the texts the author wrote (not the generated CVSS v4.0 note)."""
    generated = {
        f"/vulnerabilities/{v}/notes/{n}/text"
        for v, vuln in enumerate(built.document["vulnerabilities"])
        for n, note in enumerate(vuln.get("notes", []))
        if note.get("title") == "CVSS v4.0"
    }
    return [s for s in score_csaf(built.document) if s.path not in generated]
