"""``medsec profile render``: every format to a file or stdout, written atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from medsec.cli.profile_render import render_command, write_atomically
from medsec.documents import render_security_txt
from medsec.errors import Error
from medsec.profiles.loader import load_profile

PUMP = Path(__file__).resolve().parents[2] / "examples" / "infusion-pump.yaml"


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("render")(render_command)
    app.command("noop")(lambda: None)  # two commands, so "render" is a subcommand
    return app


def run(cli: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["render", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("format", "name", "start"),
    [
        ("html", "guide.html", b"<!DOCTYPE html>"),
        ("md", "guide.md", b"# Customer security guide"),
        ("pdf", "guide.pdf", b"%PDF-"),
        ("security.txt", "security.txt", b"# security.txt for Northwind"),
    ],
)
def test_renders_each_format_to_a_file(
    cli: typer.Typer, tmp_path: Path, format: str, name: str, start: bytes
) -> None:
    out = tmp_path / name
    code, stdout, _ = run(cli, str(PUMP), "--format", format, "-o", str(out))
    assert code == 0
    assert stdout == f"{out}: {format} written\n"
    assert out.read_bytes().startswith(start)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_html_is_the_default_and_goes_to_stdout(cli: typer.Typer) -> None:
    code, stdout, _ = run(cli, str(PUMP))
    assert code == 0
    assert stdout.startswith("<!DOCTYPE html>")


def test_pdf_to_stdout_is_refused(cli: typer.Typer) -> None:
    code, stdout, stderr = run(cli, str(PUMP), "-f", "pdf")
    assert code == 1
    assert stdout == ""
    assert "error: a PDF is binary; give a file with -o/--output" in stderr


def test_security_txt_bytes_are_exactly_the_rendered_text(cli: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "security.txt"
    assert run(cli, str(PUMP), "-f", "security.txt", "-o", str(out))[0] == 0
    expected = render_security_txt(load_profile(PUMP)).encode("utf-8")
    assert out.read_bytes() == expected
    assert b"\r\n" in expected  # line ends are not translated on the way to the file


def test_stale_security_txt_is_written_with_a_warning(cli: typer.Typer, tmp_path: Path) -> None:
    stale = tmp_path / "stale.yaml"
    stale.write_text(
        PUMP.read_text("utf-8").replace("expires: 2027-06-30", "expires: 2020-01-31"), "utf-8"
    )
    out = tmp_path / "security.txt"
    code, _, stderr = run(cli, str(stale), "-f", "security.txt", "-o", str(out))
    assert code == 0
    assert "warning: recovery.cvd.expires 2020-01-31 is in the past" in stderr
    assert b"Expires: 2020-01-31T23:59:59Z\r\n" in out.read_bytes()


def test_a_failed_render_leaves_the_existing_file_alone(cli: typer.Typer, tmp_path: Path) -> None:
    no_expiry = tmp_path / "no-expiry.yaml"
    no_expiry.write_text(PUMP.read_text("utf-8").replace("    expires: 2027-06-30\n", ""), "utf-8")
    out = tmp_path / "security.txt"
    out.write_bytes(b"previous\n")
    code, _, stderr = run(cli, str(no_expiry), "-f", "security.txt", "-o", str(out))
    assert code == 1
    assert "recovery.cvd.expires is not set" in stderr
    assert out.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-expiry.yaml", "security.txt"]


def test_invalid_profile_exits_1_with_file_and_line(cli: typer.Typer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("psp_version: 2\nproduct: {}\n", "utf-8")
    code, _, stderr = run(cli, str(bad), "-o", str(tmp_path / "out.html"))
    assert code == 1
    assert f"error: {bad}:1:1: psp_version: psp_version must be 1" in stderr
    assert not (tmp_path / "out.html").exists()


def test_unwritable_target_exits_1(cli: typer.Typer, tmp_path: Path) -> None:
    code, _, stderr = run(cli, str(PUMP), "-o", str(tmp_path / "missing" / "guide.html"))
    assert code == 1
    assert "cannot write in" in stderr


def test_write_atomically_replaces_the_file_with_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "doc.txt"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["doc.txt"]


def test_write_atomically_onto_a_directory_fails_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "a-directory"
    target.mkdir()
    with pytest.raises(Error, match="cannot be written"):
        write_atomically(target, b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["a-directory"]


def test_security_txt_to_stdout_keeps_crlf(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["render", str(PUMP), "-f", "security.txt"])
    assert result.exit_code == 0
    assert result.stdout_bytes == render_security_txt(load_profile(PUMP)).encode("utf-8")
