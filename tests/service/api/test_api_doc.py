"""``docs/api.md`` documents every problem type the API can answer with."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from medsec.api.problems import PROBLEM_BASE

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"

#: Kinds the problem handlers produce for framework errors (medsec/api/problems.py).
HANDLER_KINDS = {"validation", "not-found", "method-not-allowed", "http"}

#: Run in a fresh interpreter: which Error subclasses exist depends on what was imported,
#: and other test modules import more of medsec than the service does.
ERROR_KINDS = """
import json
import medsec.app  # every router, and the errors they raise
import medsec.documents.securitytxt  # rendered on demand, so imported late
from medsec.errors import Error
found, pending = set(), [Error]
while pending:
    cls = pending.pop()
    found.add(cls.kind)
    pending.extend(cls.__subclasses__())
print(json.dumps(sorted(found)))
"""


def error_kinds() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", ERROR_KINDS], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout))


def documented_kinds() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z0-9-]+)` \| (?:\d{3}|other) \|", text, flags=re.M))


def test_every_problem_type_is_documented() -> None:
    missing = (error_kinds() | HANDLER_KINDS) - documented_kinds()
    assert not missing, f"add these problem types to docs/api.md: {sorted(missing)}"


def test_the_documented_base_is_the_code() -> None:
    assert PROBLEM_BASE in DOC.read_text(encoding="utf-8")
