"""Map :class:`medsec.errors.Error` to RFC 9457 ``application/problem+json``.

The ``type`` of a problem is stable: ``https://medsec.dev/problems/<kind>`` where ``kind``
is the error class's :attr:`~medsec.errors.Error.kind`; ``docs/api.md`` lists them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from medsec.errors import DocumentError, Error

PROBLEM_BASE = "https://medsec.dev/problems/"
MEDIA_TYPE = "application/problem+json"


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": 'Bearer realm="medsec"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def error_response(error: Error) -> JSONResponse:
    extra: dict[str, Any] = {"hint": error.hint}
    if isinstance(error, DocumentError):
        extra["problems"] = [
            {
                "line": p.location.line,
                "column": p.location.column,
                "path": p.location.path,
                "message": p.message,
            }
            for p in error.problems
        ]
    detail = error.message if not isinstance(error, DocumentError) else error.diagnostics()
    return problem(error.status, error.kind, error.title, detail, **extra)


def install(app: FastAPI) -> None:
    """Register the handlers; HTML routes render their own error pages (``medsec.web``)."""

    async def on_validation(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, RequestValidationError):
            raise exc
        problems = [
            {"path": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        return problem(
            422,
            "validation",
            "The request is not valid",
            "; ".join(f"{p['path']}: {p['message']}" for p in problems),
            problems=problems,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, StarletteHTTPException):
            raise exc
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http")
        return problem(exc.status_code, kind, str(exc.detail), str(exc.detail))

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
