"""The PDF guide, printed from the HTML by weasyprint."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from medsec.documents import render_pdf
from medsec.profiles.psp import ProductSecurityProfile


@pytest.fixture(scope="module")
def pdf(pump: ProductSecurityProfile) -> bytes:
    return render_pdf(pump)


def test_is_a_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_text_is_extractable(pdf: bytes, pump: ProductSecurityProfile) -> None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; cannot extract PDF text")
    text = subprocess.run(
        [pdftotext, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "Customer security guide — Northwind LVP 3000 4.2.1" in text
    assert "Table 1 — Network configuration" in text
    for service in pump.network.services:
        assert service.name in text
        assert str(service.default_port) in text
