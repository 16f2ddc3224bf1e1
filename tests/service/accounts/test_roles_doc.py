"""``docs/roles.md`` says what ``ROLE_PERMISSIONS`` does, and the roles make sense."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medsec.accounts.roles import ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, Permission, Role

DOC = Path(__file__).resolve().parents[3] / "docs" / "roles.md"


def documented_matrix() -> dict[Role, set[Permission]]:
    """The "who holds which permission" table of docs/roles.md."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Permission | admin"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    roles = [Role(name) for name in header[1:]]
    matrix: dict[Role, set[Permission]] = {role: set() for role in roles}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        permission = Permission(cells[0].strip("`"))
        for role, cell in zip(roles, cells[1:], strict=True):
            assert cell in {"", "✓"}, f"{permission}/{role}: {cell!r}"
            if cell == "✓":
                matrix[role].add(permission)
    return matrix


def test_the_documented_matrix_is_the_code() -> None:
    matrix = documented_matrix()
    assert set(matrix) == set(Role), "every role has a column"
    for role in Role:
        assert matrix[role] == set(ROLE_PERMISSIONS[role]), role


def test_every_permission_is_in_both_tables() -> None:
    text = DOC.read_text(encoding="utf-8")
    for permission in Permission:
        rows = re.findall(rf"^\| `{re.escape(permission.value)}` \|", text, flags=re.M)
        assert len(rows) == 2, f"{permission.value}: in the matrix and in 'what it allows'"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_is_described_as_in_the_code(role: Role) -> None:
    assert f"- **{role.value}** — {ROLE_DESCRIPTIONS[role]}" in DOC.read_text(encoding="utf-8")


def test_only_admins_manage_users_and_the_organization() -> None:
    for permission in (Permission.USERS_MANAGE, Permission.ORGANIZATION_MANAGE):
        assert {r for r, p in ROLE_PERMISSIONS.items() if permission in p} == {Role.ADMIN}


def test_the_auditor_only_reads() -> None:
    granted = ROLE_PERMISSIONS[Role.AUDITOR]
    assert all(p.value.endswith(":read") or p is Permission.TOKENS_OWN for p in granted)


def test_the_reporter_sees_no_organization_data() -> None:
    assert ROLE_PERMISSIONS[Role.REPORTER] == {Permission.REPORTS_SUBMIT, Permission.TOKENS_OWN}
