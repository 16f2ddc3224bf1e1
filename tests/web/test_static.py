"""The vendored htmx and the stylesheet: one pinned version, said the same way everywhere."""

from __future__ import annotations

import hashlib
import re

from medsec.web.rendering import HTMX_FILE, STATIC, TEMPLATES

from .conftest import Browser


def test_the_htmx_version_is_pinned_the_same_in_file_template_and_readme() -> None:
    version = re.fullmatch(r"vendor/htmx-(2\.\d+\.\d+)\.min\.js", HTMX_FILE)
    assert version, HTMX_FILE
    vendored = sorted(p.name for p in (STATIC / "vendor").glob("htmx-*.min.js"))
    assert vendored == [f"htmx-{version.group(1)}.min.js"]
    assert f"htmx {version.group(1)} exactly" in (TEMPLATES / "base.html").read_text()
    readme = (STATIC / "vendor" / "README.md").read_text()
    assert f"**{version.group(1)}**" in readme
    digest = hashlib.sha256((STATIC / HTMX_FILE).read_bytes()).hexdigest()
    assert digest in readme
    assert (STATIC / "vendor" / "htmx-LICENSE").read_text().startswith("Zero-Clause BSD")


def test_the_vendored_file_is_the_version_it_claims() -> None:
    version = HTMX_FILE.split("htmx-")[1].removesuffix(".min.js")
    assert f'version:"{version}"' in (STATIC / HTMX_FILE).read_text()


def test_static_files_are_served_with_the_security_headers(browser: Browser) -> None:
    for path in ["/static/medsec.css", f"/static/{HTMX_FILE}"]:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff"
    # Starlette's StaticFiles refuses paths that leave the static folder.
    assert browser.get("/static/%2e%2e/rendering.py").status_code == 404


def test_the_stylesheet_gives_every_focusable_element_a_visible_focus() -> None:
    css = (STATIC / "medsec.css").read_text()
    assert ":focus-visible" in css and "outline: 3px solid" in css
    assert "outline: none" not in css.replace("main:focus { outline: none; }", "")
