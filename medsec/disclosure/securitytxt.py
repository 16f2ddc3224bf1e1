"""The instance's own ``/.well-known/security.txt`` (RFC 9116), from settings.

Contact defaults to the instance's public report form; Expires is
``MEDSEC_DISCLOSURE_EXPIRES_DAYS`` (≤ 365) ahead of now, so a served file never goes
stale; Canonical is the file's own URL under ``MEDSEC_BASE_URL``. RFC 9116 wants web
URIs to be https, so on an instance whose base URL is plain http (a development setup)
Canonical is left out and the contacts must be given (``MEDSEC_DISCLOSURE_CONTACTS``). (A product's
security.txt, from its profile, is :mod:`medsec.documents.securitytxt`.)
"""

from __future__ import annotations

import datetime as dt

from medsec.documents.securitytxt import EOL, SecurityTxtError, field_problems
from medsec.settings import Settings

PATH = "/.well-known/security.txt"


def instance_security_txt(settings: Settings, now: dt.datetime) -> str:
    base = settings.base_url.rstrip("/")
    https = base.lower().startswith("https://")
    if not settings.disclosure_contacts and not https:
        raise SecurityTxtError(
            f"security.txt needs a Contact, and the report form's address {base}/disclosure "
            "is not https",
            hint="set MEDSEC_BASE_URL to the public https:// address, or set "
            "MEDSEC_DISCLOSURE_CONTACTS (e.g. '[\"mailto:psirt@example.com\"]')",
        )
    contacts = settings.disclosure_contacts or [f"{base}/disclosure"]
    expires = (now + dt.timedelta(days=settings.disclosure_expires_days)).astimezone(dt.UTC)
    fields: list[tuple[str, str]] = [("Contact", c) for c in contacts]
    fields.append(("Expires", expires.strftime("%Y-%m-%dT%H:%M:%SZ")))
    if settings.disclosure_encryption:
        fields.append(("Encryption", settings.disclosure_encryption))
    if settings.disclosure_policy:
        fields.append(("Policy", settings.disclosure_policy))
    if settings.disclosure_languages:
        fields.append(("Preferred-Languages", ", ".join(settings.disclosure_languages)))
    if https:
        fields.append(("Canonical", base + PATH))
    problems = [p for name, value in fields for p in field_problems(name, value)]
    if problems:
        raise SecurityTxtError(
            "the MEDSEC_DISCLOSURE_* settings cannot be written as security.txt: "
            + "; ".join(problems),
            hint="e-mail contacts need 'mailto:', web addresses 'https://' (set "
            "MEDSEC_BASE_URL to the public https:// address)",
        )
    lines = [
        "# security.txt of this medsec instance (RFC 9116); vulnerability reports about",
        "# a manufacturer's products go to its program on the report form.",
        *(f"{name}: {value}" for name, value in fields),
    ]
    return "".join(line + EOL for line in lines)
