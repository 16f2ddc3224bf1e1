"""The customer security guide as one self-contained HTML page.

The page embeds its CSS and the data-flow SVG, loads nothing from the network and prints
on A4 (wide tables on landscape pages). Jinja2 autoescaping is on, so text from a profile
can never become markup.

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> page = render_html(load_profile_text(EXAMPLE_MINIMAL))
>>> page.startswith("<!DOCTYPE html>") and "Example Monitor" in page
True
"""

from __future__ import annotations

import functools
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from medsec.documents.diagram import flow_diagram_svg
from medsec.documents.guide import NOT_STATED, build_guide, href, yes_no
from medsec.profiles.psp import ProductSecurityProfile


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("medsec.documents", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = href
    env.filters["yes_no"] = yes_no
    env.globals["not_stated"] = NOT_STATED
    return env


@functools.cache
def _stylesheet() -> Markup:
    # Our own file, not profile text: it is trusted and must not be escaped.
    return Markup(files("medsec.documents").joinpath("templates/guide.css").read_text("utf-8"))  # noqa: S704


def render_html(profile: ProductSecurityProfile) -> str:
    """The complete guide as an HTML5 document."""
    template = _environment().get_template("guide.html")
    return template.render(
        guide=build_guide(profile),
        p=profile,
        css=_stylesheet(),
        # diagram.py escapes every piece of profile text it draws.
        diagram=Markup(flow_diagram_svg(profile)),  # noqa: S704
    )
