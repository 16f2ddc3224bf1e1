"""The exported xlsx opens in another spreadsheet program: LibreOffice converts it to PDF.

Needs ``soffice`` (Debian: libreoffice-calc). Skipped without it, except in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from medsec.mds2.answers import Mds2Document
from medsec.mds2.export import write_mds2


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must run this test)")
        pytest.skip(reason)
    return found


@pytest.mark.slow
def test_libreoffice_converts_the_exported_xlsx_to_pdf(
    tmp_path: Path, pump_mds2: Mds2Document
) -> None:
    soffice = _soffice()
    workbook = tmp_path / "pump.xlsx"
    write_mds2(pump_mds2, workbook)
    profile = (tmp_path / "lo-profile").as_uri()  # a private profile: no clash with others
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    pdf = tmp_path / "pump.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.is_file(), f"no PDF: {result.stdout} {result.stderr}"
    assert pdf.read_bytes().startswith(b"%PDF-")
