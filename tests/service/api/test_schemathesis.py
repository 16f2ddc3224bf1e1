"""Property-based tests of the whole API from its OpenAPI document (schemathesis, in
process): whatever the input — valid or not — as an admin with a token carrying every
admin scope, or with no credentials, the service never answers with a 5xx.

(schemathesis' own pytest loaders do not run under pytest 9 yet, so each operation's
hypothesis strategy is driven here directly; one test per operation.)
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from medsec.accounts.roles import OrganizationKind, Role
from medsec.app import create_app
from medsec.service import Instance
from medsec.settings import Settings

EXAMPLES = 8


def _openapi() -> dict[str, Any]:
    """The OpenAPI document, generated once: every app built by ``create_app`` has the same
    routes, and generating it per test (schemathesis' ``from_asgi`` asks the app for it)
    cost 2–3 s of each test's time."""
    settings_ = Settings(
        data_dir=Path(tempfile.gettempdir()) / "medsec-openapi",
        database_url="sqlite:///:memory:",
        secret_key=SecretStr("o" * 48),
    )
    return create_app(settings_).openapi()


SPEC = _openapi()
OPERATIONS = sorted(
    (path, method.upper()) for path, item in SPEC["paths"].items() for method in item
)


@pytest.fixture
def admin_headers(make: Any) -> dict[str, str]:
    """A manufacturer admin's token with every admin scope; a published profile exists."""
    org = make.organization(OrganizationKind.MANUFACTURER)
    admin = make.user(org, Role.ADMIN)
    psirt = make.actor(make.user(org, Role.PRODUCT_SECURITY_OFFICER), recent=True)
    make.publish(psirt, make.upload(psirt))
    _, value = make.token(admin)
    return {"Authorization": f"Bearer {value}"}


@pytest.mark.parametrize("who", ["admin", "anonymous"])
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_no_server_error(
    instance: Instance, request: pytest.FixtureRequest, path: str, method: str, who: str
) -> None:
    headers = request.getfixturevalue("admin_headers") if who == "admin" else {}
    schema = schemathesis.openapi.from_dict(copy.deepcopy(SPEC))
    schema.app = create_app(instance.settings, instance)  # calls go to this app, in process
    operation = schema[path][method]

    @given(
        case=operation.as_strategy(GenerationMode.POSITIVE)
        | operation.as_strategy(GenerationMode.NEGATIVE)
    )
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    run()
