"""The customer security guide as PDF, printed from the HTML edition by weasyprint.

Rendering fetches nothing: the HTML embeds its CSS and SVG, and the URL fetcher allows
no scheme at all, so a profile can never make the renderer read a file or the network.
"""

from __future__ import annotations

from medsec.documents.html import render_html
from medsec.profiles.psp import ProductSecurityProfile


def render_pdf(profile: ProductSecurityProfile) -> bytes:
    """The complete guide as a PDF document (A4, wide tables on landscape pages)."""
    # Imported here: weasyprint takes seconds to import, and most commands never print.
    import weasyprint

    document = weasyprint.HTML(
        string=render_html(profile),
        url_fetcher=weasyprint.URLFetcher(allowed_protocols=()),
    )
    pdf: bytes = document.write_pdf()
    return pdf
