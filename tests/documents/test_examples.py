"""Every example profile renders in every format (new examples join automatically)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from medsec.documents import (
    render_html,
    render_markdown,
    render_pdf,
    render_security_txt,
    validate_security_txt,
)
from medsec.documents.diagram import flow_diagram_svg
from medsec.profiles.loader import load_profile
from medsec.profiles.psp import ProductSecurityProfile

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def _check_html(profile: ProductSecurityProfile) -> None:
    html = render_html(profile)
    assert "Table 1 — Network configuration" in html or not profile.network.services
    for service in profile.network.services:
        assert f'<th scope="row">{escape(service.name)}</th>' in html


def _check_markdown(profile: ProductSecurityProfile) -> None:
    markdown = render_markdown(profile)
    assert markdown.startswith("# Customer security guide")
    for service in profile.network.services:
        assert f"| {service.name} |" in markdown.replace("\\_", "_")


def _check_pdf(profile: ProductSecurityProfile) -> None:
    assert render_pdf(profile).startswith(b"%PDF-")


def _check_security_txt(profile: ProductSecurityProfile) -> None:
    assert validate_security_txt(render_security_txt(profile)) == []


def _check_svg(profile: ProductSecurityProfile) -> None:
    root = SafeET.fromstring(flow_diagram_svg(profile))
    drawn = {g.get("data-endpoint") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {e.id for e in profile.network.endpoints} <= drawn


CHECKS: dict[str, Callable[[ProductSecurityProfile], None]] = {
    "html": _check_html,
    "md": _check_markdown,
    "pdf": _check_pdf,
    "security.txt": _check_security_txt,
    "svg": _check_svg,
}


def test_the_infusion_pump_example_is_there() -> None:
    assert "infusion-pump.yaml" in [p.name for p in EXAMPLES]


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_renders_in_every_format(
    example: Path, check: Callable[[ProductSecurityProfile], None]
) -> None:
    check(load_profile(example))
