"""Sign-in with OpenID Connect: the authorization-code flow with PKCE (S256).

medsec is the *relying party*. It reads the provider's discovery document, sends the
browser to ``authorization_endpoint`` with ``state``, ``nonce`` and a PKCE challenge,
exchanges the returned code at ``token_endpoint`` (client authentication
``client_secret_basic`` or ``client_secret_post``) and accepts the ID token only if

* its signature verifies against a key of the provider's JWKS, with an asymmetric
  algorithm from ``algorithms`` (never ``none``, never HMAC);
* ``iss`` is the configured issuer, ``aud`` contains the client id (and ``azp`` is the
  client id when there are several audiences), ``exp`` is in the future and ``iat``
  present (``leeway`` seconds of clock skew allowed), and ``nonce`` is the one sent.

The authlib library supplies the OAuth 2 pieces (grant URI, PKCE challenge, client
authentication) and joserfc, by the same author, the JOSE ones; the HTTP calls are
plain httpx because authlib's httpx integration is deprecated in favour of httpx2.

>>> provider = OidcProvider(OidcSettings(
...     issuer="https://login.example.org/realms/hospital",
...     client_id="medsec", client_secret="…",
...     redirect_uri="https://medsec.example.org/auth/oidc/callback",
... ))
>>> login = new_login_secrets()
>>> len(login.code_verifier) >= 43
True
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlencode, urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from medsec.accounts.interfaces import AuthenticationFailed, ExternalIdentity
from medsec.errors import ConfigurationError

#: What a person sees when an OIDC sign-in fails; the reason goes to the audit log.
OIDC_FAILURE = "the sign-in with the identity provider could not be completed"
#: RFC 7636 §4.1: 43–128 characters from the unreserved set.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


@dataclass(frozen=True)
class OidcSettings:
    """A client registration at an OpenID provider."""

    #: The provider's issuer identifier, exactly as in its discovery document.
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    #: Where the provider sends the browser back (registered at the provider).
    redirect_uri: str
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    #: ID-token claim with the groups or roles, dotted for nesting (``realm_access.roles``).
    groups_claim: str = "groups"
    username_claim: str = "preferred_username"
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post"] = (
        "client_secret_basic"  # noqa: S105 (a method name, not a secret)
    )
    algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256", "EdDSA")
    #: Seconds of clock difference tolerated on ``exp`` and ``iat``.
    leeway: int = 60
    timeout: float = 10.0
    #: CA certificate(s) (PEM) of the provider; system CAs if unset.
    ca_file: Path | None = None
    name: str = "oidc"

    def __post_init__(self) -> None:
        for label, url in (("issuer", self.issuer), ("redirect_uri", self.redirect_uri)):
            if not _acceptable_url(url):
                _invalid(f"{label} {url!r} must be an https:// URL (http:// only on loopback)")
        if "openid" not in self.scopes:
            _invalid(f"scopes {' '.join(self.scopes)!r} lack `openid`")
        if not self.client_id or not self.client_secret:
            _invalid("client_id and client_secret are required")
        if not self.algorithms or any(a == "none" or a.startswith("HS") for a in self.algorithms):
            _invalid(f"algorithms {self.algorithms} must be asymmetric (RS256, ES256, …)")
        if self.ca_file is not None and not self.ca_file.is_file():
            _invalid(f"ca_file {self.ca_file} does not exist")


def _invalid(message: str) -> None:
    raise ConfigurationError(f"OIDC settings: {message}")


def _acceptable_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class LoginSecrets:
    """The three values the app keeps in the browser's session between the two legs."""

    state: str
    nonce: str
    code_verifier: str = field(repr=False)


def new_login_secrets() -> LoginSecrets:
    return LoginSecrets(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),  # 86 characters, RFC 7636 §4.1
    )


@dataclass(frozen=True)
class _Metadata:
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class OidcProvider:
    """A :class:`~medsec.accounts.interfaces.RedirectIdentityProvider` for one client."""

    def __init__(self, settings: OidcSettings, *, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.name = settings.name
        verify: ssl.SSLContext | bool = True
        if settings.ca_file is not None:
            verify = ssl.create_default_context(cafile=settings.ca_file)
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=settings.timeout, verify=verify)
        self._lock = threading.Lock()
        self._metadata: _Metadata | None = None
        self._keys: KeySet | None = None

    def close(self) -> None:
        """Close the HTTP connections (only those of a client this provider created)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> OidcProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def authorization_url(self, state: str, nonce: str, code_verifier: str) -> str:
        if not _VERIFIER.fullmatch(code_verifier):
            raise ValueError("code_verifier must be 43–128 unreserved characters (RFC 7636)")
        s = self.settings
        return str(
            prepare_grant_uri(
                self._discover().authorization_endpoint,
                client_id=s.client_id,
                response_type="code",
                redirect_uri=s.redirect_uri,
                scope=list(s.scopes),
                state=state,
                nonce=nonce,
                code_challenge=create_s256_code_challenge(code_verifier),
                code_challenge_method="S256",
            )
        )

    def complete(
        self, code: str, state: str, nonce: str, code_verifier: str, *, returned_state: str
    ) -> ExternalIdentity:
        """The verified identity for the callback's ``code`` and ``returned_state``.

        ``state``, ``nonce`` and ``code_verifier`` are the values kept since
        :meth:`authorization_url`.
        """
        if not hmac.compare_digest(state.encode(), returned_state.encode()):
            raise _failed("state in the callback differs from the session's (CSRF?)")
        tokens = self._exchange(code, code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise _failed("token response has no id_token")
        return self._identity(self._verify(id_token, nonce))

    # -- token endpoint --------------------------------------------------------------

    def _exchange(self, code: str, code_verifier: str) -> Mapping[str, Any]:
        s = self.settings
        endpoint = self._discover().token_endpoint
        body = urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": s.redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        auth = ClientAuth(s.client_id, s.client_secret, s.token_endpoint_auth_method)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        _, headers, body = auth.prepare("POST", endpoint, headers, body)
        response = self._request("POST", endpoint, headers=headers, content=body)
        payload = _json(response, endpoint)
        if response.status_code == httpx.codes.OK:
            return payload
        error = str(payload.get("error", response.status_code))
        if error in ("invalid_client", "unauthorized_client") or response.is_server_error:
            raise ConfigurationError(
                f"OIDC: the token endpoint {endpoint} refused the client: {error}",
                hint="check client_id, client_secret and token_endpoint_auth_method",
            )
        raise _failed(f"token endpoint refused the code: {error}")

    # -- ID token ------------------------------------------------------------------

    def _verify(self, id_token: str, nonce: str) -> Mapping[str, Any]:
        s = self.settings
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=list(s.algorithms))
            except InvalidKeyIdError:  # the provider may have rotated its keys
                token = jwt.decode(
                    id_token, self._key_set(refresh=True), algorithms=list(s.algorithms)
                )
            jwt.JWTClaimsRegistry(
                leeway=s.leeway,
                iss={"essential": True, "value": s.issuer},
                aud={"essential": True, "value": s.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except JoseError as e:
            raise _failed(f"ID token rejected: {e.error}: {e.description or ''}") from e
        except ValueError as e:  # not a JWT at all
            raise _failed(f"ID token rejected: {e}") from e
        claims = token.claims
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != s.client_id:
            raise _failed("ID token has several audiences but azp is not this client")
        return claims

    def _identity(self, claims: Mapping[str, Any]) -> ExternalIdentity:
        s = self.settings
        email = claims.get("email")
        if claims.get("email_verified") is False:
            email = None
        subject = str(claims["sub"])
        username = claims.get(s.username_claim) or email or subject
        name = claims.get("name")
        return ExternalIdentity(
            provider=self.name,
            subject=subject,
            username=str(username),
            email=str(email) if email else None,
            display_name=str(name) if name else None,
            groups=_groups(claims, s.groups_claim),
        )

    # -- discovery and keys --------------------------------------------------------

    def _discover(self) -> _Metadata:
        with self._lock:
            if self._metadata is None:
                self._metadata = self._fetch_metadata()
            return self._metadata

    def _fetch_metadata(self) -> _Metadata:
        issuer = self.settings.issuer
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = _json(self._request("GET", url), url, require_ok=True)
        if document.get("issuer") != issuer:
            raise ConfigurationError(
                f"OIDC: {url} names issuer {document.get('issuer')!r}, expected {issuer!r}",
                hint="set issuer exactly as the provider spells it (OIDC Discovery §4.3)",
            )
        methods = document.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise ConfigurationError(f"OIDC: {issuer} does not support PKCE with S256")
        endpoints = {}
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(key)
            if not isinstance(value, str) or not _acceptable_url(value):
                raise ConfigurationError(f"OIDC: {url}: {key} is {value!r}, expected an https URL")
            endpoints[key] = value
        return _Metadata(**endpoints)

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        jwks_uri = self._discover().jwks_uri
        with self._lock:
            if self._keys is None or refresh:
                document = _json(self._request("GET", jwks_uri), jwks_uri, require_ok=True)
                try:
                    self._keys = KeySet.import_key_set(cast(KeySetSerialization, document))
                except (JoseError, KeyError, TypeError, ValueError) as e:
                    raise ConfigurationError(f"OIDC: {jwks_uri} is not a usable JWKS: {e}") from e
            return self._keys

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.HTTPError as e:
            raise ConfigurationError(
                f"OIDC: cannot reach {url}: {e}",
                hint="check the issuer URL, the network path and ca_file",
            ) from e


def _json(response: httpx.Response, url: str, *, require_ok: bool = False) -> dict[str, Any]:
    if require_ok and response.status_code != httpx.codes.OK:
        raise ConfigurationError(f"OIDC: {url} answered HTTP {response.status_code}")
    try:
        payload = response.json()
    except ValueError as e:
        raise ConfigurationError(f"OIDC: {url} did not answer with JSON") from e
    if not isinstance(payload, dict):
        raise ConfigurationError(f"OIDC: {url} answered JSON that is not an object")
    return payload


def _groups(claims: Mapping[str, Any], path: str) -> tuple[str, ...]:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(sorted({str(item) for item in value if isinstance(item, str | int)}))
    return ()


def _failed(reason: str) -> AuthenticationFailed:
    return AuthenticationFailed(OIDC_FAILURE, reason=f"oidc: {reason}")
