"""OIDC sign-in driven end to end against the loopback provider in conftest.py."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from medsec.accounts.interfaces import (
    AuthenticationFailed,
    ExternalIdentity,
    RedirectIdentityProvider,
    RoleMapping,
)
from medsec.accounts.providers.oidc import (
    OIDC_FAILURE,
    LoginSecrets,
    OidcProvider,
    OidcSettings,
    new_login_secrets,
)
from medsec.accounts.roles import Role
from medsec.errors import ConfigurationError

if TYPE_CHECKING:  # the fixture's type, from tests/accounts/providers/conftest.py
    from conftest import FakeOpenIDProvider

CLIENT_ID = "medsec-test"
CLIENT_SECRET = "client-secret-for-tests"
REDIRECT_URI = "http://127.0.0.1:9/auth/oidc/callback"

Make = Callable[[OidcSettings], OidcProvider]


def settings_for(op: FakeOpenIDProvider, **changes: Any) -> OidcSettings:
    settings = OidcSettings(
        issuer=op.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
    )
    return dataclasses.replace(settings, **changes)


@pytest.fixture
def make_provider() -> Iterator[Make]:
    """Builds providers and closes their HTTP connections after the test."""
    made: list[OidcProvider] = []

    def make(settings: OidcSettings) -> OidcProvider:
        made.append(OidcProvider(settings))
        return made[-1]

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def provider(op: FakeOpenIDProvider, make_provider: Make) -> OidcProvider:
    return make_provider(settings_for(op))


def authorize(provider: OidcProvider, login: LoginSecrets) -> dict[str, str]:
    """Play the browser: follow the authorization URL and read the callback's query."""
    url = provider.authorization_url(login.state, login.nonce, login.code_verifier)
    response = httpx.get(url, follow_redirects=False)
    assert response.status_code == 302, response.text
    callback = urlsplit(response.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == REDIRECT_URI
    return {key: values[0] for key, values in parse_qs(callback.query).items()}


def sign_in(provider: OidcProvider, **tamper: str) -> ExternalIdentity:
    """The whole flow; ``tamper`` replaces values the app passes to ``complete``."""
    login = new_login_secrets()
    callback = authorize(provider, login)
    values = {
        "code": callback["code"],
        "state": login.state,
        "nonce": login.nonce,
        "code_verifier": login.code_verifier,
        "returned_state": callback["state"],
        **tamper,
    }
    return provider.complete(
        values["code"],
        values["state"],
        values["nonce"],
        values["code_verifier"],
        returned_state=values["returned_state"],
    )


def test_the_provider_implements_the_port(provider: OidcProvider) -> None:
    assert isinstance(provider, RedirectIdentityProvider)


def test_the_full_flow_gives_the_identity_and_a_role(provider: OidcProvider) -> None:
    identity = sign_in(provider)

    assert identity == ExternalIdentity(
        provider="oidc",
        subject="248289761001",
        username="jane",
        email="jane@hospital.example",
        display_name="Jane Doe",
        groups=("medsec-analysts", "staff"),
    )
    mapping = RoleMapping.from_pairs([("medsec-analysts", "security-analyst")])
    assert mapping.role_for(identity) is Role.SECURITY_ANALYST


def test_the_authorization_url_carries_pkce_s256_state_and_nonce(
    provider: OidcProvider, op: FakeOpenIDProvider
) -> None:
    login = new_login_secrets()

    url = urlsplit(provider.authorization_url(login.state, login.nonce, login.code_verifier))
    query = {key: values[0] for key, values in parse_qs(url.query).items()}

    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{op.issuer}/authorize"
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["scope"].split() == ["openid", "profile", "email"]
    assert (query["state"], query["nonce"]) == (login.state, login.nonce)
    assert query["code_challenge_method"] == "S256"
    assert login.code_verifier not in url.query
    assert len(query["code_challenge"]) == 43  # base64url SHA-256, no padding


def test_client_secret_post_works_too(op: FakeOpenIDProvider, make_provider: Make) -> None:
    provider = make_provider(settings_for(op, token_endpoint_auth_method="client_secret_post"))

    assert sign_in(provider).subject == "248289761001"


def test_groups_can_come_from_a_nested_claim(op: FakeOpenIDProvider, make_provider: Make) -> None:
    op.overrides["realm_access"] = {"roles": ["psirt", "offline_access"]}
    provider = make_provider(settings_for(op, groups_claim="realm_access.roles"))

    assert sign_in(provider).groups == ("offline_access", "psirt")


def test_an_unverified_email_is_not_taken(op: FakeOpenIDProvider, provider: OidcProvider) -> None:
    op.overrides["email_verified"] = False

    assert sign_in(provider).email is None


def test_a_token_slightly_past_expiry_is_within_the_leeway(
    op: FakeOpenIDProvider, provider: OidcProvider
) -> None:
    op.overrides["exp"] = int(time.time()) - 20  # leeway is 60 s

    assert sign_in(provider).username == "jane"


def test_a_rotated_signing_key_is_fetched_again(
    op: FakeOpenIDProvider, provider: OidcProvider
) -> None:
    sign_in(provider)
    op.rotate_key()

    assert sign_in(provider).username == "jane"
    assert op.jwks_requests == 2


def hours_ago(hours: int) -> int:
    return int(time.time()) - 3600 * hours


@pytest.mark.parametrize(
    ("bend", "reason"),
    [
        pytest.param(
            lambda op: op.overrides.update(aud="someone-else"), "aud", id="wrong audience"
        ),
        pytest.param(
            lambda op: op.overrides.update(aud=[CLIENT_ID, "someone-else"]),
            "azp",
            id="several audiences without azp",
        ),
        pytest.param(
            lambda op: op.overrides.update(iss="https://evil.example"), "iss", id="wrong issuer"
        ),
        pytest.param(
            lambda op: op.overrides.update(exp=hours_ago(1), iat=hours_ago(2)),
            "expired",
            id="expired token",
        ),
        pytest.param(lambda op: op.overrides.update(nonce=None), "nonce", id="no nonce"),
        pytest.param(lambda op: op.overrides.update(exp=None), "exp", id="no expiry"),
        pytest.param(lambda op: op.overrides.update(sub=None), "sub", id="no subject"),
        pytest.param(lambda op: op.forge_signatures(), "signature", id="bad signature"),
        pytest.param(lambda op: setattr(op, "token_style", "none"), "none", id="alg none"),
        pytest.param(lambda op: setattr(op, "token_style", "garbage"), "rejected", id="not a JWT"),
        pytest.param(
            lambda op: setattr(op, "token_style", "HS256"),
            "HS256",
            id="HMAC signed with the client secret",
        ),
    ],
)
def test_bad_id_tokens_are_rejected(
    op: FakeOpenIDProvider, provider: OidcProvider, bend: Any, reason: str
) -> None:
    bend(op)

    with pytest.raises(AuthenticationFailed) as caught:
        sign_in(provider)

    assert caught.value.diagnostics() == OIDC_FAILURE
    assert caught.value.status == 401
    assert reason in caught.value.reason


def test_a_token_signed_with_an_unpublished_key_is_rejected_after_one_refetch(
    op: FakeOpenIDProvider, provider: OidcProvider
) -> None:
    sign_in(provider)
    old = op.published
    op.rotate_key()
    op.published = old  # the new key is never published

    with pytest.raises(AuthenticationFailed) as caught:
        sign_in(provider)

    assert "ID token rejected" in caught.value.reason
    assert op.jwks_requests == 2


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        pytest.param({"nonce": "another-nonce"}, "nonce", id="wrong nonce"),
        pytest.param({"returned_state": "forged-state"}, "state", id="wrong state (CSRF)"),
        pytest.param({"code_verifier": "x" * 43}, "invalid_grant", id="wrong PKCE verifier"),
        pytest.param({"code": "made-up-code"}, "invalid_grant", id="unknown code"),
    ],
)
def test_a_tampered_callback_is_rejected(
    provider: OidcProvider, tamper: dict[str, str], reason: str
) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        sign_in(provider, **tamper)

    assert reason in caught.value.reason


def test_a_code_works_only_once(provider: OidcProvider) -> None:
    login = new_login_secrets()
    callback = authorize(provider, login)
    args = (callback["code"], login.state, login.nonce, login.code_verifier)
    provider.complete(*args, returned_state=callback["state"])

    with pytest.raises(AuthenticationFailed) as caught:
        provider.complete(*args, returned_state=callback["state"])

    assert "invalid_grant" in caught.value.reason


def test_a_wrong_client_secret_is_a_configuration_error(
    op: FakeOpenIDProvider, make_provider: Make
) -> None:
    provider = make_provider(settings_for(op, client_secret="not the secret"))

    with pytest.raises(ConfigurationError) as caught:
        sign_in(provider)

    assert "invalid_client" in caught.value.diagnostics()


@pytest.mark.parametrize(
    ("bend", "expected"),
    [
        pytest.param(
            lambda op: op.discovery_overrides.update(issuer="https://other.example"),
            "names issuer",
            id="discovery names another issuer",
        ),
        pytest.param(
            lambda op: op.discovery_overrides.update(code_challenge_methods_supported=["plain"]),
            "S256",
            id="no PKCE S256",
        ),
        pytest.param(
            lambda op: op.discovery_overrides.update(token_endpoint="http://example.org/token"),
            "token_endpoint",
            id="token endpoint over plain http",
        ),
    ],
)
def test_a_bad_discovery_document_is_a_configuration_error(
    op: FakeOpenIDProvider, make_provider: Make, bend: Any, expected: str
) -> None:
    bend(op)
    provider = make_provider(settings_for(op))

    with pytest.raises(ConfigurationError) as caught:
        provider.authorization_url("state", "nonce", "v" * 43)

    assert expected in caught.value.diagnostics()


def test_an_unreachable_provider_is_a_configuration_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = OidcSettings(
        issuer=f"http://127.0.0.1:{port}",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
    )

    with OidcProvider(settings) as provider, pytest.raises(ConfigurationError) as caught:
        provider.authorization_url("state", "nonce", "v" * 43)

    assert "cannot reach" in caught.value.diagnostics()


def test_a_short_code_verifier_is_refused(provider: OidcProvider) -> None:
    with pytest.raises(ValueError, match="RFC 7636"):
        provider.authorization_url("state", "nonce", "too-short")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"issuer": "http://login.example.org"}, "https://", id="http issuer"),
        pytest.param({"redirect_uri": "ftp://x/cb"}, "https://", id="odd redirect URI"),
        pytest.param({"scopes": ("profile",)}, "openid", id="no openid scope"),
        pytest.param({"client_secret": ""}, "client_secret", id="no client secret"),
        pytest.param({"algorithms": ("HS256",)}, "asymmetric", id="HMAC algorithm"),
        pytest.param({"algorithms": ("none",)}, "asymmetric", id="alg none"),
    ],
)
def test_invalid_settings_are_refused_up_front(changes: dict[str, Any], expected: str) -> None:
    base = {
        "issuer": "https://login.example.org",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": "https://medsec.example.org/cb",
    }

    with pytest.raises(ConfigurationError) as caught:
        OidcSettings(**{**base, **changes})

    assert expected in caught.value.diagnostics()


def test_secrets_are_not_in_reprs() -> None:
    settings = OidcSettings(
        issuer="https://login.example.org",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri="https://medsec.example.org/cb",
    )
    login = new_login_secrets()

    assert CLIENT_SECRET not in repr(settings)
    assert login.code_verifier not in repr(login)
