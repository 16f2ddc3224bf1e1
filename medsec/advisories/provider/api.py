"""Read-only routes serving the built provider directory ``DATA_DIR/csaf/provider``.

- ``GET /.well-known/csaf/{path}``: the public tree (TLP:WHITE, GREEN, unlabeled,
  provider-metadata.json, ROLIE service document, the public key), no login.
- ``GET /.well-known/csaf/restricted/{path}``: the restricted tree (TLP:AMBER, RED), only for
  an authenticated user or API token holding ``products:read`` (every role but the outside
  reporter), as CSAF 2.0 requirement 5 asks ("access tokens or any other automatable
  authentication method").

Files are answered with a strong ``ETag`` (SHA-256 of the content) and ``Last-Modified`` and
honour ``If-None-Match``/``If-Modified-Since`` with ``304``, so a downloader fetches only what
changed (rebuilds keep the bytes and the modification time of unchanged files). A folder is
answered with a plain HTML listing (requirement 14: server-side directory listing). No
redirects (requirement 6).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
from pathlib import Path, PurePosixPath
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import instance, public, requires
from medsec.accounts.roles import Permission
from medsec.advisories.provider.layout import PUBLIC, RESTRICTED
from medsec.api.routing import OneThreadRoute
from medsec.errors import NotFound
from medsec.service import Instance

router = APIRouter(tags=["csaf provider"], route_class=OneThreadRoute)

#: Where ``medsec csaf provider build`` writes by default and the service reads.
PROVIDER_DIR: Final = Path("csaf") / "provider"

_MEDIA_TYPES: Final = {
    ".json": "application/json",
    ".asc": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".sha256": "text/plain; charset=utf-8",
    ".sha512": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}


def provider_dir(data_dir: Path) -> Path:
    return data_dir / PROVIDER_DIR


def _resolve(tree: Path, path: str) -> Path:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or "\\" in path:
        raise NotFound(f"no such file: {path}")
    target = tree.joinpath(*relative.parts)
    try:
        if not target.resolve().is_relative_to(tree.resolve()):
            raise NotFound(f"no such file: {path}")
    except OSError as e:
        raise NotFound(f"no such file: {path}") from e
    if not target.exists():
        raise NotFound(
            f"no such file: {path}",
            hint="the provider directory is built with: medsec csaf provider build",
        )
    return target


def _listing(folder: Path, url_path: str) -> HTMLResponse:
    names = sorted(
        (p.name + "/" if p.is_dir() else p.name)
        for p in folder.iterdir()
        if not p.name.startswith(".")
    )
    items = "".join(f'<li><a href="{html.escape(n)}">{html.escape(n)}</a></li>' for n in names)
    title = html.escape(url_path)
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title></head>"
        f"<body><h1>{title}</h1><ul>{items}</ul></body></html>"
    )


def _file(path: Path, request: Request, cache: str) -> Response:
    data = path.read_bytes()
    modified = dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)
    etag = f'"{hashlib.sha256(data).hexdigest()}"'
    headers = {
        "ETag": etag,
        "Last-Modified": email.utils.format_datetime(modified, usegmt=True),
        "Cache-Control": cache,
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if etag in [t.strip() for t in if_none_match.split(",")] or if_none_match.strip() == "*":
            return Response(status_code=304, headers=headers)
    elif (since := request.headers.get("if-modified-since")) is not None:
        try:
            if modified <= email.utils.parsedate_to_datetime(since):
                return Response(status_code=304, headers=headers)
        except (TypeError, ValueError):
            pass
    media_type = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    return Response(data, media_type=media_type, headers=headers)


def _serve(tree: Path, path: str, request: Request, cache: str) -> Response:
    target = _resolve(tree, path)
    if target.is_dir():
        if path and not path.endswith("/"):
            # A relative link in the listing needs the slash; say so instead of redirecting.
            raise NotFound(f"{path} is a folder", hint=f"ask for {path}/")
        return _listing(target, request.url.path)
    return _file(target, request, cache)


@router.get("/.well-known/csaf/restricted/{path:path}", include_in_schema=True)
def restricted_file(
    path: str,
    request: Request,
    _actor: Annotated[Actor, requires(Permission.PRODUCTS_READ)],
    found: Annotated[Instance, Depends(instance)],
) -> Response:
    """A file of the TLP:AMBER/RED tree (authenticated users only)."""
    return _serve(provider_dir(found.settings.data_dir) / RESTRICTED, path, request, "private")


@router.get("/.well-known/csaf/{path:path}")
def public_file(
    path: str,
    request: Request,
    _public: Annotated[None, public()],
    found: Annotated[Instance, Depends(instance)],
) -> Response:
    """A file of the public tree: provider-metadata.json, feeds, TLP:WHITE/GREEN documents."""
    if PurePosixPath(path).parts[:1] == (RESTRICTED,):
        raise NotFound(f"no such file: {path}")
    return _serve(
        provider_dir(found.settings.data_dir) / PUBLIC, path, request, "public, max-age=300"
    )
