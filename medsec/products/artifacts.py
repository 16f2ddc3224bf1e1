"""The artifacts derived from a stored profile version, by name."""

from __future__ import annotations

import enum
from typing import assert_never

from medsec.errors import NotFound
from medsec.profiles.psp import ProductSecurityProfile


class Artifact(enum.StrEnum):
    GUIDE_HTML = "guide.html"
    GUIDE_MD = "guide.md"
    GUIDE_PDF = "guide.pdf"
    SECURITY_TXT = "security.txt"
    PROFILE_JSON = "profile.json"
    MDS2_XLSX = "mds2.xlsx"
    MDS2_CSV = "mds2.csv"
    MDS2_JSON = "mds2.json"


MEDIA_TYPES = {
    Artifact.GUIDE_HTML: "text/html; charset=utf-8",
    Artifact.GUIDE_MD: "text/markdown; charset=utf-8",
    Artifact.GUIDE_PDF: "application/pdf",
    Artifact.SECURITY_TXT: "text/plain; charset=utf-8",
    Artifact.PROFILE_JSON: "application/json",
    Artifact.MDS2_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Artifact.MDS2_CSV: "text/csv; charset=utf-8",
    Artifact.MDS2_JSON: "application/json",
}


def parse_artifact(name: str) -> Artifact:
    try:
        return Artifact(name)
    except ValueError as e:
        raise NotFound(
            f"no artifact '{name}'", hint=f"available: {', '.join(a.value for a in Artifact)}"
        ) from e


def render(profile: ProductSecurityProfile, artifact: Artifact) -> bytes:
    from medsec import documents

    match artifact:
        case Artifact.GUIDE_HTML:
            return documents.render_html(profile).encode()
        case Artifact.GUIDE_MD:
            return documents.render_markdown(profile).encode()
        case Artifact.GUIDE_PDF:
            return documents.render_pdf(profile)
        case Artifact.SECURITY_TXT:
            return documents.render_security_txt(profile).encode()
        case Artifact.PROFILE_JSON:
            return profile.model_dump_json(indent=2, exclude_defaults=True).encode()
        case Artifact.MDS2_XLSX | Artifact.MDS2_CSV | Artifact.MDS2_JSON:
            from medsec.mds2 import derive
            from medsec.mds2.export import mds2_bytes

            return mds2_bytes(derive(profile), "." + artifact.value.rsplit(".", 1)[1])
        case _:
            assert_never(artifact)
