"""HTML routes. Each page is thin: parse the form, call a service, render a template."""

from __future__ import annotations

import html

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from medsec.errors import Error


def error_page(request: Request, error: Error) -> HTMLResponse:
    body = (
        f"<!doctype html><title>{html.escape(error.title)}</title>"
        f"<h1>{html.escape(error.title)}</h1><p>{html.escape(error.message)}</p>"
        + (f"<p>{html.escape(error.hint)}</p>" if error.hint else "")
    )
    return HTMLResponse(body, status_code=error.status)


def install(app: FastAPI) -> None:
    """Mount the HTML pages and static files."""
