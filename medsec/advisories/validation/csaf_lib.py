"""Adapter: the ``csaf`` package (Stefan Hagen, OASIS CSAF TC) validating CSAF 2.0.

What medsec adds around the library, and why:

- **Offline.** The library validates against the CSAF 2.0 schema and the FIRST CVSS v2.0,
  v3.0 and v3.1 schemas it bundles, resolving ``$ref`` only against that bundle. Its URL tests
  6.3.6 and 6.3.7 fetch nothing unless a URL checker is installed; medsec installs none and
  reports both tests as *not run*. 6.3.8 (spell check) is not implemented by the library.
- **Tests still run on a document that fails the schema.** The library stops after a schema
  failure; like the OASIS reference validator, medsec then runs the tests anyway (with the
  schema test skipped), so a broken CVSS object is reported as 6.1.8 and a missing product
  definition as 6.1.1 in the same run. A test that crashes on such a document is reported as
  not run, and the other tests still run.
- **6.1.27.x.** The library reports every profile test as ``6.1.27``; medsec names the
  sub-test (6.1.27.1–6.1.27.11) from the finding. Two checks the library runs come from the
  CSAF 2.1 draft (its 6.1.27.12 conclusive status and 6.1.27.13 remediation consistency); they
  are not CSAF 2.0 tests, so medsec reports them as warnings, never as errors.
- **Severities.** Schema and mandatory failures are errors, optional (6.2) failures warnings,
  informative (6.3) failures infos; only errors make a document invalid (as the OASIS
  validator service's ``isValid``).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from medsec.advisories.interfaces import Finding, NotRun, Preset, Severity, ValidationResult

#: The csaf package's result of one test (a msgspec struct; the package ships no types).
TestResult = Any


@functools.cache
def _csaf20_validate() -> Callable[..., Any]:
    """The library's CSAF 2.0 ``validate``. Importing ``csaf`` calls ``logging.basicConfig``
    at INFO level, which would make every library (weasyprint…) log to stderr: the root
    logger's handlers and level are put back as they were."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        module = importlib.import_module("csaf.csaf.v20")
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    validate: Callable[..., Any] = module.validate
    return validate


_LIB_PRESET: Final = {
    Preset.SCHEMA: "schema",
    Preset.MANDATORY: "basic",
    Preset.OPTIONAL: "extended",
    Preset.FULL: "full",
}

_SEVERITY_OF_GROUP: Final = {
    "schema": Severity.ERROR,
    "mandatory": Severity.ERROR,
    "profile": Severity.ERROR,
    "recommended": Severity.WARNING,
    "informative": Severity.INFO,
}

#: Tests the library passes without checking anything when no URL checker is installed.
_OFFLINE: Final = {
    "6.3.6": "resolving URLs needs the network; medsec validates offline",
    "6.3.7": "resolving URLs needs the network; medsec validates offline",
}

# The library's 6.1.27 messages, in the order to try them (6.1.27.8's message contains
# 6.1.27.11's), mapped to the CSAF 2.0 sub-test.
_PROFILE_TESTS: Final = (
    ("6.1.27.1", re.compile(r"at least one note that is not legal_disclaimer")),
    ("6.1.27.2", re.compile(r"at least one reference with category `external`")),
    ("6.1.27.3", re.compile(r"must not contain a `vulnerabilities` field")),
    ("6.1.27.4", re.compile(r"must have a `product_tree`")),
    ("6.1.27.5", re.compile(r"each vulnerability must have at least one note")),
    ("6.1.27.6", re.compile(r"at least one product_status entry")),
    ("6.1.27.7", re.compile(r"^VEX product_status `")),
    ("6.1.27.8", re.compile(r"vulnerability with a `cve` or unscoped id")),
    ("6.1.27.9", re.compile(r"requires an impact statement")),
    ("6.1.27.10", re.compile(r"requires a remediation \(action statement\)")),
    ("6.1.27.11", re.compile(r"must have at least one vulnerability$")),
)
_CSAF21_PROFILE_TESTS: Final = (
    ("6.1.27.12", re.compile(r"at least one conclusive product_status")),
    ("6.1.27.13", re.compile(r"must have at least one remediation$|in remediation is not in any")),
)
CSAF21_NOTE: Final = "CSAF 2.1 draft check, not required by CSAF 2.0: "
_VEX_STATUSES: Final = frozenset(
    {"fixed", "known_affected", "known_not_affected", "under_investigation"}
)
_VEX_STATUS_PATH: Final = re.compile(r"^/vulnerabilities/(\d+)/product_status/[^/]+$")
VEX_STATUS_NOTE: Final = (
    "allowed by CSAF 2.0 (§6.1.27.7 asks only that one of fixed, known_affected, "
    "known_not_affected, under_investigation is present), reported by the csaf library: "
)


def _library_version() -> str:
    try:
        return importlib.metadata.version("csaf")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed with medsec
        return "unknown"


#: ASCII digits only: str.isdigit() accepts "¹", which int() refuses.
_INDEX: Final = re.compile(r"[0-9]+")


def _test_sort_key(test_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in test_id.split(".") if _INDEX.fullmatch(part)) or (0,)


def _path_sort_key(pointer: str) -> tuple[tuple[int, int | str], ...]:
    """``/branches/2`` before ``/branches/10``."""
    return tuple((0, int(t)) if _INDEX.fullmatch(t) else (1, t) for t in pointer.split("/"))


def _profile_test(message: str) -> tuple[str, Severity, str]:
    for test_id, pattern in _PROFILE_TESTS:
        if pattern.search(message):
            return test_id, Severity.ERROR, message
    for test_id, pattern in _CSAF21_PROFILE_TESTS:
        if pattern.search(message):
            return test_id, Severity.WARNING, CSAF21_NOTE + message
    return "6.1.27", Severity.ERROR, message


def _findings(result: TestResult) -> list[Finding]:
    severity = _SEVERITY_OF_GROUP.get(result.group, Severity.ERROR)
    found: list[Finding] = []
    for error in result.errors:
        test_id, finding_severity, message = result.id, severity, error.message
        if result.id == "6.1.27":
            test_id, finding_severity, message = _profile_test(error.message)
        found.append(Finding(test_id, finding_severity, error.instance_path, message))
    # Implementation notes of the library (e.g. an unsupported hash algorithm it cannot check).
    found.extend(
        Finding(result.id, Severity.WARNING, w.instance_path, w.message) for w in result.warnings
    )
    found.extend(
        Finding(result.id, Severity.INFO, i.instance_path, i.message) for i in result.infos
    )
    return found


def _vex_status_as_csaf20(finding: Finding, doc: Mapping[str, Any]) -> Finding:
    """CSAF 2.0 §6.1.27.7: a VEX vulnerability's product status must contain at least one of
    the four VEX statuses. The library flags every other status (``recommended`` beside
    ``fixed``, as in the OASIS example 2022-evd-uc-08-001); such a finding is an error only if
    none of the four is present, and a warning otherwise."""
    match = _VEX_STATUS_PATH.match(finding.instance_path)
    if finding.test_id != "6.1.27.7" or match is None:
        return finding
    vulnerabilities = doc.get("vulnerabilities")
    index = int(match[1])
    if not isinstance(vulnerabilities, list) or index >= len(vulnerabilities):
        return finding
    status = (
        vulnerabilities[index].get("product_status")
        if isinstance(vulnerabilities[index], dict)
        else None
    )
    if isinstance(status, dict) and _VEX_STATUSES & status.keys():
        return Finding(
            finding.test_id,
            Severity.WARNING,
            finding.instance_path,
            VEX_STATUS_NOTE + finding.message,
        )
    return finding


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


class CsafLibValidator:
    """:class:`~medsec.advisories.interfaces.CsafValidator` backed by the ``csaf`` package."""

    def __init__(self) -> None:
        self.name = f"csaf {_library_version()} (CSAF 2.0)"

    def validate(
        self, document: Mapping[str, Any], *, file: str, preset: Preset
    ) -> ValidationResult:
        doc = dict(document)
        not_run: list[NotRun] = []
        # One pass: the schema, then (if it passed) the tests. Only a schema failure costs a
        # second pass, with the schema test skipped, so that the tests still run.
        results = self._run_tests(doc, file, preset, not_run, with_schema=True)
        if preset is not Preset.SCHEMA and not results["schema"].passed:
            results.update(self._run_tests(doc, file, preset, not_run, with_schema=False))
        findings: list[Finding] = []
        for result in results.values():
            if result.skipped:
                if result.id != "schema":
                    not_run.append(NotRun(result.id, "not implemented by the csaf library"))
                continue
            findings.extend(_findings(result))
        if preset is Preset.FULL:
            not_run.extend(NotRun(test, reason) for test, reason in _OFFLINE.items())
        findings = self._without_cvss_duplicates(findings)
        findings = [_vex_status_as_csaf20(f, doc) for f in findings]
        findings.sort(
            key=lambda f: (_test_sort_key(f.test_id), _path_sort_key(f.instance_path), f.message)
        )
        return ValidationResult(
            file=file,
            errors=tuple(f for f in findings if f.severity is Severity.ERROR),
            warnings=tuple(f for f in findings if f.severity is Severity.WARNING),
            infos=tuple(f for f in findings if f.severity is Severity.INFO),
            not_run=tuple(sorted(not_run, key=lambda n: _test_sort_key(n.test_id))),
        )

    @staticmethod
    def _run(
        doc: dict[str, Any],
        file: str,
        *,
        preset: Preset,
        skip: frozenset[str],
        on_result: Callable[[TestResult], None] | None = None,
        on_start: Callable[[str, str], None] | None = None,
    ) -> Any:
        return _csaf20_validate()(
            doc,
            path=file,
            preset=_LIB_PRESET[preset],
            skip_rules=skip,
            result_sink=on_result,
            rule_start_sink=on_start,
        )

    def _run_tests(
        self,
        doc: dict[str, Any],
        file: str,
        preset: Preset,
        not_run: list[NotRun],
        *,
        with_schema: bool,
    ) -> dict[str, TestResult]:
        """The preset's results; a test that crashes on a malformed document is recorded as
        not run and the others continue."""
        done: dict[str, TestResult] = {}
        crashed: set[str] = set()
        started: list[str] = []

        def keep(result: TestResult) -> None:
            if (with_schema or result.id != "schema") and result.id not in crashed:
                done.setdefault(result.id, result)

        def start(test_id: str, _title: str) -> None:
            started.append(test_id)

        while True:
            started.clear()
            finished = (k for k, r in done.items() if not r.skipped and k != "schema")
            skip = frozenset({*crashed, *finished, *(() if with_schema else ("schema",))})
            try:
                self._run(doc, file, preset=preset, skip=skip, on_result=keep, on_start=start)
            except Exception as e:  # a library rule failing on malformed input
                if not started or started[-1] in crashed:
                    raise
                crashed.add(started[-1])
                not_run.append(
                    NotRun(
                        started[-1],
                        "could not run on this document (it does not follow the schema): "
                        f"{type(e).__name__}",
                    )
                )
                continue
            return done

    @staticmethod
    def _without_cvss_duplicates(findings: list[Finding]) -> list[Finding]:
        """A CVSS object that breaks the FIRST schema fails both the schema and 6.1.8 at the
        same place; keep 6.1.8, whose message says which property is wrong."""
        cvss_paths = [f.instance_path for f in findings if f.test_id == "6.1.8"]
        return [
            f
            for f in findings
            if f.test_id != "schema" or not any(_within(f.instance_path, p) for p in cvss_paths)
        ]
