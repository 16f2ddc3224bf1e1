"""The application factory: ``create_app(settings) -> FastAPI``. Nothing is built at import.

>>> from medsec.settings import Settings
>>> app = create_app(Settings(data_dir=Path("/tmp/medsec-doctest")))
>>> app.openapi_url
'/api/openapi.json'
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import DataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medsec.accounts.dependencies import public
from medsec.api import problems
from medsec.api.routes import ROUTERS
from medsec.api.routing import OneThreadRoute
from medsec.db.engine import UnstorableValue
from medsec.db.migrate import is_current
from medsec.errors import Error
from medsec.service import Instance
from medsec.settings import Settings
from medsec.web import views as web_views

__all__ = ["Path", "create_app"]


class UnexpectedError(Error):
    kind = "internal"
    status = 500
    title = "Internal error"

    def __init__(self) -> None:
        super().__init__("the service failed unexpectedly; the error has been logged")


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


_ENCODED_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """ASGI middleware: the headers of :data:`SECURITY_HEADERS` on every response, and
    ``Cache-Control: no-store`` on API answers and answers to requests with cookies
    (anything that may be personal), unless the route set its own.

    A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's
    ``BaseHTTPMiddleware`` runs each response through an extra task and memory stream,
    which costs more than the rest of a cached public document's request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith("/api/") or any(
            name == b"cookie" for name, _ in scope["headers"]
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _ENCODED_HEADERS if k not in present]
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: Requests handled at once per process; the rest wait their turn. Fewer than the
#: database pool's connections (medsec.db.engine), so a request's teardown always finds a
#: thread and its connection: more would deadlock the threadpool under load.
MAX_CONCURRENT_REQUESTS = 32


class AdmissionLimit:
    """ASGI middleware: at most ``limit`` requests in the app at once (whole request,
    teardown included); the others wait on the event loop, costing no thread."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:  # created inside the running loop
            self._semaphore = asyncio.Semaphore(self.limit)
        async with self._semaphore:
            await self.app(scope, receive, send)


def _thread_limit(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: at most ``threads`` thread-pool threads at once for the
    process's sync work (endpoints, access checks: the database work), fewer than anyio's
    default 40. Under load every runnable thread competes for the GIL and each hand-over
    costs CPU: benchmark P6's authenticated list costs less CPU per request with fewer
    threads (BENCHMARKS.md has the figures); more threads let more slow requests run side
    by side. Requests on the event loop (the cached public documents) do not wait for a
    thread. Fewer threads than the database pool has connections (medsec.db.engine)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def create_app(settings: Settings, instance: Instance | None = None) -> FastAPI:
    inst = instance or Instance.from_settings(settings)
    app = FastAPI(
        title="medsec",
        version="0.1.0",
        description="Share and check medical-device cybersecurity information.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=_thread_limit(settings.threads),
    )
    app.router.route_class = OneThreadRoute  # for the routes added here (health checks)
    app.state.instance = inst
    problems.install(app)

    async def on_error(request: Request, exc: Exception) -> Response:
        error = exc if isinstance(exc, Error) else UnexpectedError()
        if request.url.path.startswith(
            ("/api/", "/public/", "/healthz", "/readyz", "/.well-known/csaf/")
        ):
            return problems.error_response(error)
        return web_views.error_page(request, error)

    async def on_data_error(request: Request, exc: Exception) -> Response:
        # The database refused a value from the request (a NUL character, a number beyond
        # its column): bad input, not a server failure.
        return await on_error(request, UnstorableValue())

    app.add_exception_handler(Error, on_error)
    app.add_exception_handler(DataError, on_data_error)
    # Anything else is a bug: answer 500 in the same format; the server logs the traceback.
    app.add_exception_handler(Exception, on_error)

    @app.get("/healthz", tags=["health"], dependencies=[public()])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], dependencies=[public()], response_model=None)
    def readyz() -> JSONResponse:
        """The database answers and its schema is at the current migration."""
        try:
            with inst.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current = is_current(inst.db.engine)
        except Exception as e:  # any driver error means "not ready"
            return JSONResponse(
                {"status": "unavailable", "database": type(e).__name__}, status_code=503
            )
        if not current:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "migrations": "not current",
                    "hint": "run medsec db upgrade",
                },
                status_code=503,
            )
        return JSONResponse({"status": "ok"})

    for router in ROUTERS:
        app.include_router(router)
    web_views.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AdmissionLimit, limit=MAX_CONCURRENT_REQUESTS)
    return app


def serving_app(settings: Settings) -> FastAPI:
    """The app of a serving process (``medsec serve``), its start-up done.

    Everything built so far (modules, routes, templates, mappers: hundreds of thousands
    of objects that live as long as the process) is moved out of the garbage collector's
    sight with :func:`gc.freeze`, so that a full collection under load walks only what
    requests allocate: otherwise each one stalls every request in flight for tens of
    milliseconds, the tail of the latency distribution.
    """
    app = create_app(settings)
    gc.collect()
    gc.freeze()
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` worker processes: settings from ``MEDSEC_*``."""
    return serving_app(Settings())
