"""The advisory for people: a plain-language HTML page and a field safety notice (HTML, PDF).

Both are rendered from the built CSAF document and the profiles of its products, by Jinja2
with autoescaping (no text of an advisory can become markup). The pages embed their CSS and
load nothing; the PDF is printed by weasyprint with a URL fetcher that allows no scheme, as
the security guide is (:mod:`medsec.documents.pdf`).

The field safety notice follows the structure of the EU MDCG field safety notice template:
affected devices, reason for the action, actions for the user, transmission of the notice,
contact, and an acknowledgement form.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from medsec.advisories.authoring.build import BuiltAdvisory
from medsec.advisories.authoring.plain import REMEDIATION, STATUS, THREAT, how_reachable
from medsec.advisories.authoring.products import Product
from medsec.advisories.readability import score_text


@dataclass(frozen=True)
class StatusRow:
    product: Product
    status: str


@dataclass(frozen=True)
class Action:
    heading: str
    details: str
    products: list[str]
    url: str | None


@dataclass(frozen=True)
class VulnerabilityView:
    title: str
    cve: str | None
    cwe: str | None
    description: str
    severity: str | None  #: e.g. "7.1 (high)"
    cvss_vector: str | None
    reachable: str | None
    cvss_v4: str | None
    statuses: list[StatusRow]
    actions: list[Action]
    threats: list[tuple[str, str]]


@dataclass(frozen=True)
class AdvisoryView:
    document: dict[str, Any]
    title: str
    tracking_id: str
    version: str
    status: str
    tlp: str
    publisher: str
    initial: str
    current: str
    notes: dict[str, str]  #: title -> text
    vulnerabilities: list[VulnerabilityView]
    products: list[Product]
    revisions: list[dict[str, str]]
    canonical_url: str | None
    readability_grade: float | None


def _vulnerability(vuln: dict[str, Any], products: dict[str, Product]) -> VulnerabilityView:
    def names(ids: list[str]) -> list[str]:
        return [products[i].full_name if i in products else i for i in ids]

    notes = {n.get("title", ""): n["text"] for n in vuln.get("notes", [])}
    score = next((s["cvss_v3"] for s in vuln.get("scores", []) if "cvss_v3" in s), None)
    statuses = [
        StatusRow(products[pid], STATUS.get(category, category))
        for category, ids in vuln.get("product_status", {}).items()
        for pid in ids
        if pid in products
    ]
    statuses.sort(key=lambda row: list(products).index(row.product.product_id))
    cwe = vuln.get("cwe")
    return VulnerabilityView(
        title=vuln.get("title", ""),
        cve=vuln.get("cve"),
        cwe=f"{cwe['id']} {cwe['name']}" if cwe else None,
        description=notes.get("Description", ""),
        severity=f"{score['baseScore']} ({score['baseSeverity'].lower()})" if score else None,
        cvss_vector=score["vectorString"] if score else None,
        reachable=how_reachable(score["vectorString"]) if score else None,
        cvss_v4=notes.get("CVSS v4.0"),
        statuses=statuses,
        actions=[
            Action(
                REMEDIATION.get(r["category"], r["category"]),
                r["details"],
                names(r.get("product_ids", [])),
                r.get("url"),
            )
            for r in vuln.get("remediations", [])
        ],
        threats=[
            (THREAT.get(t["category"], t["category"]), t["details"])
            for t in vuln.get("threats", [])
        ],
    )


def advisory_view(built: BuiltAdvisory) -> AdvisoryView:
    document = built.document["document"]
    tracking = document["tracking"]
    notes = {n["title"]: n["text"] for n in document.get("notes", [])}
    self_ref = next(
        (r["url"] for r in document.get("references", []) if r.get("category") == "self"), None
    )
    grade = score_text("\n\n".join(notes.values())).grade
    return AdvisoryView(
        document=built.document,
        title=document["title"],
        tracking_id=tracking["id"],
        version=tracking["version"],
        status=tracking["status"],
        tlp=document["distribution"]["tlp"]["label"],
        publisher=document["publisher"]["name"],
        initial=tracking["initial_release_date"][:10],
        current=tracking["current_release_date"][:10],
        notes=notes,
        vulnerabilities=[
            _vulnerability(v, built.products) for v in built.document["vulnerabilities"]
        ],
        products=list(built.products.values()),
        revisions=tracking["revision_history"],
        canonical_url=self_ref,
        readability_grade=grade,
    )


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("medsec.advisories", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _stylesheet() -> Markup:
    # Our own file, not advisory text: trusted, must not be escaped.
    css = files("medsec.advisories").joinpath("templates/advisory.css").read_text("utf-8")
    return Markup(css)  # noqa: S704


def render_html(built: BuiltAdvisory) -> str:
    """The plain-language advisory page (HTML5, self-contained)."""
    view = advisory_view(built)
    return _environment().get_template("advisory.html").render(a=view, css=_stylesheet())


def render_fsn_html(built: BuiltAdvisory) -> str:
    """The field safety notice (HTML5, self-contained, prints on A4)."""
    view = advisory_view(built)
    return _environment().get_template("fsn.html").render(a=view, css=_stylesheet())


def render_fsn_pdf(built: BuiltAdvisory) -> bytes:
    """The field safety notice as PDF."""
    return fsn_pdf(render_fsn_html(built))


def fsn_pdf(fsn_html: str) -> bytes:
    """A field safety notice page (from :func:`render_fsn_html`) printed as PDF."""
    import weasyprint  # slow to import; only when a PDF is asked for

    document = weasyprint.HTML(
        string=fsn_html, url_fetcher=weasyprint.URLFetcher(allowed_protocols=())
    )
    pdf: bytes = document.write_pdf()
    return pdf
