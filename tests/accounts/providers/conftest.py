"""A small OpenID provider on loopback, for driving medsec's OIDC client end to end.

It is a Starlette app served by uvicorn in a thread on 127.0.0.1 (a free port):
discovery, ``/authorize`` (approves the test user at once and redirects with a code),
``/token`` (checks the client secret and the PKCE verifier, issues an RS256 ID token)
and ``/jwks``. Tests bend its behaviour through :class:`FakeOpenIDProvider` — claims
to override, another signing key, an unsigned token — to see each kind of bad token
rejected.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "medsec-test"
CLIENT_SECRET = "client-secret-for-tests"
#: Never contacted: the tests read the code from the redirect's Location header.
REDIRECT_URI = "http://127.0.0.1:9/auth/oidc/callback"


def new_signing_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@functools.cache
def session_key(kid: str) -> RSAKey:
    """One key per kid for the whole session (RSA key generation is slow)."""
    return new_signing_key(kid)


@dataclass
class FakeOpenIDProvider:
    """State of the test provider; reset before every test."""

    issuer: str
    signing_key: RSAKey = field(default_factory=lambda: session_key("key-1"))
    #: Keys served at /jwks; the signing key's public half by default.
    published: list[RSAKey] = field(default_factory=list)
    #: Claims merged into the next ID tokens; a value of None removes the claim.
    overrides: dict[str, Any] = field(default_factory=dict)
    #: Sign with this key instead (a forger's key), keeping the header's kid.
    forge_with: RSAKey | None = None
    #: Issue ``alg: none`` tokens, HS256 ones keyed with the client secret, or garbage.
    token_style: str = "RS256"
    #: Discovery document fields to override.
    discovery_overrides: dict[str, Any] = field(default_factory=dict)
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "248289761001",
            "preferred_username": "jane",
            "email": "jane@hospital.example",
            "email_verified": True,
            "name": "Jane Doe",
            "groups": ["medsec-analysts", "staff"],
        }
    )
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    jwks_requests: int = 0

    def __post_init__(self) -> None:
        if not self.published:
            self.published = [self.signing_key]

    def forge_signatures(self) -> None:
        """Sign with a key the provider never published, under the published kid."""
        self.forge_with = session_key("forger")

    def rotate_key(self) -> None:
        """Start signing with a new key and publish only that one."""
        self.signing_key = new_signing_key(f"key-{secrets.token_hex(4)}")
        self.published = [self.signing_key]

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.user,
        }
        for name, value in self.overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        if self.token_style == "garbage":
            return "this is not a JWT"
        if self.token_style == "none":
            header = _b64({"alg": "none", "typ": "JWT"})
            return f"{header}.{_b64(claims)}."
        if self.token_style == "HS256":
            return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(CLIENT_SECRET))
        key = self.forge_with or self.signing_key
        return jwt.encode({"alg": "RS256", "kid": self.signing_key.kid}, claims, key)


def _b64(value: dict[str, Any]) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _app(op: FakeOpenIDProvider) -> Starlette:
    async def discovery(request: Request) -> Response:
        document = {
            "issuer": op.issuer,
            "authorization_endpoint": f"{op.issuer}/authorize",
            "token_endpoint": f"{op.issuer}/token",
            "jwks_uri": f"{op.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            **op.discovery_overrides,
        }
        return JSONResponse(document)

    async def authorize(request: Request) -> Response:
        q = request.query_params
        problems = [
            name
            for name, ok in [
                ("response_type", q.get("response_type") == "code"),
                ("client_id", q.get("client_id") == CLIENT_ID),
                ("redirect_uri", q.get("redirect_uri") == REDIRECT_URI),
                ("scope", "openid" in q.get("scope", "").split()),
                ("code_challenge_method", q.get("code_challenge_method") == "S256"),
                ("code_challenge", bool(q.get("code_challenge"))),
                ("nonce", bool(q.get("nonce"))),
            ]
            if not ok
        ]
        if problems:
            return PlainTextResponse(f"bad authorization request: {problems}", status_code=400)
        code = secrets.token_urlsafe(16)
        op.codes[code] = {
            "challenge": q["code_challenge"],
            "nonce": q["nonce"],
            "redirect_uri": q["redirect_uri"],
        }
        query = urlencode({"code": code, "state": q.get("state", "")})
        return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)

    async def token(request: Request) -> Response:
        form = await request.form()
        client = _client_credentials(request, dict(form))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        pending = op.codes.pop(str(form.get("code", "")), None)  # a code works once
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            form.get("grant_type") != "authorization_code"
            or pending is None
            or form.get("redirect_uri") != pending["redirect_uri"]
            or challenge.rstrip(b"=").decode() != pending["challenge"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": op.id_token(pending["nonce"]),
            }
        )

    async def jwks(request: Request) -> Response:
        op.jwks_requests += 1
        return JSONResponse(KeySet(list(op.published)).as_dict(private=False))

    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/authorize", authorize),
            Route("/token", token, methods=["POST"]),
            Route("/jwks", jwks),
        ]
    )


def _client_credentials(request: Request, form: dict[str, Any]) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
        return client_id, client_secret
    if "client_id" in form:
        return str(form["client_id"]), str(form.get("client_secret", ""))
    return None


@dataclass
class _Running:
    server: uvicorn.Server
    thread: threading.Thread
    op: FakeOpenIDProvider


@pytest.fixture(scope="session")
def _oidc_server() -> Iterator[_Running]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    op = FakeOpenIDProvider(issuer=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(_app(op), log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # start-up wait, not a timed assertion
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test OpenID provider did not start")
        time.sleep(0.02)
    try:
        yield _Running(server, thread, op)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def op(_oidc_server: _Running) -> FakeOpenIDProvider:
    """The running test provider, reset to issuing good tokens."""
    fresh = FakeOpenIDProvider(issuer=_oidc_server.op.issuer)
    _oidc_server.op.__dict__.update(fresh.__dict__)
    return _oidc_server.op
