"""Documents derived from a Product Security Profile.

The public surface is four pure renderers and the security.txt validator; routes and CLI
commands serve their results as they are.

=======================  ==========  ===============================================
function                 returns     what
=======================  ==========  ===============================================
``render_html``          ``str``     the customer security guide, one HTML page
``render_markdown``      ``str``     the same guide as GitHub-flavoured Markdown
``render_pdf``           ``bytes``   the same guide as PDF (weasyprint)
``render_security_txt``  ``str``     RFC 9116 security.txt from ``recovery.cvd``
=======================  ==========  ===============================================

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> profile = load_profile_text(EXAMPLE_MINIMAL)
>>> "<h1>Customer security guide — Example Monitor 1.0</h1>" in render_html(profile)
True
>>> try:
...     render_security_txt(profile)
... except SecurityTxtError as e:
...     print(e.hint)
add recovery.cvd with at least contacts and expires
"""

from medsec.documents.html import render_html
from medsec.documents.markdown import render_markdown
from medsec.documents.pdf import render_pdf
from medsec.documents.securitytxt import (
    SecurityTxtError,
    render_security_txt,
    validate_security_txt,
)

__all__ = [
    "SecurityTxtError",
    "render_html",
    "render_markdown",
    "render_pdf",
    "render_security_txt",
    "validate_security_txt",
]
