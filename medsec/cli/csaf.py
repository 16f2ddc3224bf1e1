"""``medsec csaf``: validate CSAF 2.0 advisories, score their readability, write new ones.

Registered in :mod:`medsec.cli.main` with ``app.add_typer(csaf.app, name="csaf")``.
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import track
from rich.table import Table

from medsec.advisories.document import parse_csaf_text, read_csaf
from medsec.advisories.explain import explain
from medsec.advisories.interfaces import Preset, ValidationResult
from medsec.advisories.readability import (
    DEFAULT_TARGET_GRADE,
    ReadabilityReport,
    ScoredText,
    score_csaf,
    score_text,
)
from medsec.advisories.validation import default_validator
from medsec.cli import csaf_consumer, csaf_provider
from medsec.cli.output import Format, FormatOption, console, errors, print_error, print_json
from medsec.errors import Error

app = typer.Typer(
    help="CSAF 2.0 advisories: validate, check readability, write new ones, publish them, "
    "subscribe to providers.",
    no_args_is_help=True,
)
app.add_typer(csaf_provider.key_app, name="key")
app.add_typer(csaf_provider.provider_app, name="provider")
app.add_typer(csaf_consumer.quarantine_app, name="quarantine")
app.command("subscribe")(csaf_consumer.subscribe_command)
app.command("subscriptions")(csaf_consumer.subscriptions_command)
app.command("fetch")(csaf_consumer.fetch_command)


class ReportFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


def _print_result(result: ValidationResult, document: dict[str, Any]) -> None:
    state = "valid" if result.is_valid else "INVALID"
    console.print(
        f"{result.file}: {state} ({len(result.errors)} errors, {len(result.warnings)} "
        f"warnings, {len(result.infos)} infos)",
        markup=False,
        highlight=False,
    )
    if result.findings:
        table = Table(show_lines=False)
        table.add_column("severity")
        table.add_column("test")
        table.add_column("what it means", overflow="fold")
        for finding in result.findings:
            table.add_row(
                finding.severity.value,
                finding.test_id,
                explain(finding, document),
            )
        console.print(table)
    for skipped in result.not_run:
        console.print(
            f"  not run: {skipped.test_id} ({skipped.reason})", markup=False, highlight=False
        )


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="CSAF 2.0 JSON files.")],
    preset: Annotated[
        Preset,
        typer.Option(help="schema, mandatory (default), optional (+6.2) or full (+6.3)."),
    ] = Preset.MANDATORY,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="table for people, json for programs.")
    ] = ReportFormat.TABLE,
) -> None:
    """Validate advisories against CSAF 2.0; exit 1 if any file is invalid or unreadable."""
    validator = default_validator()
    reports: list[dict[str, Any]] = []
    failed = False
    for file in track(
        files, description="validating", console=errors, disable=len(files) < 2, transient=True
    ):
        try:
            document = read_csaf(file)
        except Error as e:
            failed = True
            if format is ReportFormat.JSON:
                reports.append({"file": str(file), "isValid": False, "error": e.diagnostics()})
            else:
                print_error(e)
            continue
        result = validator.validate(document, file=str(file), preset=preset)
        failed = failed or not result.is_valid
        if format is ReportFormat.JSON:
            data = result.to_json()
            for key in ("errors", "warnings", "infos"):
                for item, finding in zip(data[key], getattr(result, key), strict=True):
                    item["explanation"] = explain(finding, document)
            reports.append(data)
        else:
            _print_result(result, document)
    if format is ReportFormat.JSON:
        print_json({"validator": validator.name, "preset": preset.value, "files": reports})
    if failed:
        raise typer.Exit(1)


def _read_input(source: str) -> tuple[str, str]:
    if source == "-":
        return sys.stdin.read(), "<stdin>"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), source
    except FileNotFoundError as e:
        raise Error(f"{source}: no such file", hint="check the path") from e
    except UnicodeDecodeError as e:
        raise Error(f"{source}: not UTF-8 text (byte {e.start})") from e
    except OSError as e:
        raise Error(f"{source}: cannot be read: {e.strerror}") from e


def _looks_like_csaf(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and isinstance(value.get("document"), dict)


def _print_report(label: str, report: ReadabilityReport) -> None:
    if report.grade is None or report.reading_ease is None:
        console.print(f"{label}: no words", markup=False, highlight=False)
        return
    mark = "ok" if report.meets_target else f"ABOVE TARGET {report.target_grade:g}"
    console.print(
        f"{label}: reading ease {report.reading_ease:.1f}, grade {report.grade:.1f} ({mark}); "
        f"{report.sentences} sentences, {report.words} words, {report.syllables} syllables",
        markup=False,
        highlight=False,
    )
    for sentence in report.long_sentences:
        console.print(
            f"  long sentence ({sentence.words} words): {sentence.text}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for hit in report.jargon:
        console.print(f"  jargon: {hit.term!r} -> say {hit.plain!r}", markup=False, highlight=False)


@app.command("readability")
def readability_command(
    source: Annotated[str, typer.Argument(help="A text file, a CSAF JSON file, or - for stdin.")],
    target_grade: Annotated[
        float, typer.Option(help="Highest acceptable Flesch-Kincaid grade.")
    ] = DEFAULT_TARGET_GRADE,
    format: FormatOption = Format.TEXT,
) -> None:
    """Score readability: of the whole text, or of each note of a CSAF document."""
    text, name = _read_input(source)
    scored: list[ScoredText]
    if _looks_like_csaf(text):
        scored = score_csaf(parse_csaf_text(text, name), target_grade=target_grade)
    else:
        scored = [ScoredText("", name, score_text(text, target_grade=target_grade))]
    if format is Format.JSON:
        print_json([{"path": s.path, "label": s.label, **s.report.to_json()} for s in scored])
        return
    if not scored:
        console.print(f"{name}: no notes to score", markup=False, highlight=False)
    for item in scored:
        _print_report(f"{item.label} ({item.path})" if item.path else item.label, item.report)


@app.command("new")
def new_command(
    advisory: Annotated[Path, typer.Argument(help="Advisory input (.yaml or .json).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The CSAF JSON file to write.")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the plain-language HTML page.")
    ] = None,
    fsn: Annotated[
        Path | None,
        typer.Option("--fsn", help="Also write the field safety notice (.pdf or .html)."),
    ] = None,
    format: FormatOption = Format.TEXT,
) -> None:
    """Build a CSAF 2.0 advisory from an input naming PSP profiles; validate it; write it.

    Nothing is written if the advisory would fail a mandatory CSAF test.
    """
    from medsec.advisories.authoring import build_advisory, load_advisory_input, write_advisory
    from medsec.advisories.authoring.build import prose_readability

    loaded, source = load_advisory_input(advisory)
    built = build_advisory(loaded, base=advisory.parent, file=str(output), source=source)
    written = write_advisory(built, output, html=html, fsn=fsn)
    findings = built.validation.findings
    if format is Format.JSON:
        print_json(
            {
                "written": [str(p) for p in written],
                "validation": built.validation.to_json(),
                "readability": [
                    {"path": s.path, "label": s.label, **s.report.to_json()}
                    for s in prose_readability(built)
                ],
            }
        )
        return
    for path in written:
        console.print(f"wrote {path}", markup=False, highlight=False)
    console.print(
        f"valid CSAF 2.0 ({len(built.validation.warnings)} warnings, "
        f"{len(built.validation.infos)} infos)",
        markup=False,
        highlight=False,
    )
    for finding in findings:
        console.print(
            f"  {finding.severity.value}: {explain(finding, built.document)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for scored in prose_readability(built):
        report = scored.report
        if report.grade is not None and not report.meets_target:
            console.print(
                f"  readability: {scored.label} is at grade {report.grade:.1f} "
                f"(target {report.target_grade:g})",
                markup=False,
                highlight=False,
            )
