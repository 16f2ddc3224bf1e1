"""Routes that serve a request in one thread-pool call: access check, endpoint, commit.

FastAPI runs a plain (sync) endpoint in the thread pool, and with it, each in a thread-pool
call of its own, every sync dependency (our access check, which reads the database), the
validation of the endpoint's answer, and the end of the request's transaction: four hand-
offs between the event loop and a worker thread for one request. Each costs wake-ups and
GIL hand-overs between threads; for a short API list page they cost more than the page's
own work (benchmark P6 in BENCHMARKS.md).

A :class:`OneThreadRoute` gives FastAPI a coroutine in place of a sync endpoint, which
makes one thread-pool call. In that thread the access checks the route declared run first
(:func:`medsec.accounts.dependencies.run_deferred_checks`: on such a route
``requires``/``authenticated`` only register their check), then the endpoint, then the
request's transaction is committed and its session closed
(:func:`medsec.accounts.dependencies.end_transaction`) — as it was before the answer was
sent. The answer is validated on the event loop afterwards: it is built from what the
endpoint loaded, and a lazy load from the closed session fails loudly rather than
blocking the loop. An endpoint that raises leaves its transaction to the session
dependency, which rolls it back (or keeps it, for errors marked ``keep_changes``). A
request FastAPI refuses as invalid before the endpoint runs has its access checks run
first, so that who may not use a route learns nothing about its inputs.

Async endpoints are left as they are. Every router of the service uses this class
(``APIRouter(route_class=OneThreadRoute)``); a test walks the route table to keep it so.

FastAPI has no hook for this (its request handler is one closed function), hence the
wrapper; it relies only on FastAPI reading an endpoint's parameters from its
``__signature__`` and deciding sync or async from the callable it is given.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.utils import get_typed_return_annotation, get_typed_signature
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from medsec.accounts.dependencies import end_transaction, run_deferred_checks

#: The wrapper's own parameter: the request, so that it finds the deferred checks and
#: the session. A name no endpoint uses.
_REQUEST = "medsec_one_thread_request"


def _is_sync_function(endpoint: Callable[..., Any]) -> bool:
    return (
        inspect.isfunction(endpoint)
        and not inspect.iscoroutinefunction(endpoint)
        and not inspect.isgeneratorfunction(endpoint)
        and not inspect.isasyncgenfunction(endpoint)
    )


def _serve(endpoint: Callable[..., Any], request: Request, arguments: dict[str, Any]) -> Any:
    """What the thread does for one request."""
    run_deferred_checks(request, arguments)
    answer = endpoint(**arguments)
    end_transaction(request)
    return answer


def _request_parameter(signature: inspect.Signature) -> str | None:
    for parameter in signature.parameters.values():
        if isinstance(parameter.annotation, type) and issubclass(parameter.annotation, Request):
            return parameter.name
    return None


def in_one_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A coroutine with ``endpoint``'s parameters, name and documentation (what FastAPI
    reads for the request's inputs and the OpenAPI document) that serves the request in
    one thread-pool call. Not ``functools.wraps``: FastAPI would follow ``__wrapped__``
    back to the sync function and run the wrapper in the thread pool too."""
    signature = get_typed_signature(endpoint)  # annotations resolved in endpoint's module
    if _REQUEST in signature.parameters:
        raise TypeError(f"{endpoint.__qualname__}: the parameter name {_REQUEST} is reserved")
    returns = get_typed_return_annotation(endpoint)
    parameters = list(signature.parameters.values())
    # FastAPI hands the request to one parameter only: the endpoint's own if it has one.
    own = _request_parameter(signature)
    if own is None:
        parameters.append(
            inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        )

    async def serve(**arguments: Any) -> Any:
        request = arguments[own] if own else arguments.pop(_REQUEST)
        return await run_in_threadpool(_serve, endpoint, request, arguments)

    serve.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters,
        return_annotation=inspect.Signature.empty if returns is None else returns,
    )
    for name in ("__name__", "__qualname__", "__module__", "__doc__"):
        setattr(serve, name, getattr(endpoint, name))
    return serve


class OneThreadRoute(APIRoute):
    """An API route whose sync endpoint serves each request in one thread-pool call."""

    #: Read by the access-check dependency: True when this route runs the checks itself.
    runs_access_checks: bool = False

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _is_sync_function(endpoint):
            endpoint = in_one_thread(endpoint)
            self.runs_access_checks = True
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        if not self.runs_access_checks:
            return handle

        async def checks_first(request: Request) -> Response:
            """FastAPI refuses invalid input before the endpoint (where the deferred
            checks run) is called: run them then, so that a caller who may not use the
            route is told so (401/403), not what its input should look like (422)."""
            try:
                return await handle(request)
            except RequestValidationError:
                await run_in_threadpool(run_deferred_checks, request, {})
                raise

        return checks_first
