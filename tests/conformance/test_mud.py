"""Every MUD file of the NIST MUD reference implementation imports into a draft profile.

The files are ../shared/data/mud (usnistgov/nist-mud test data): JSON documents with an
``ietf-mud:mud`` container; the same folders also hold controller configuration files,
which are not MUD files and are not counted. Each MUD file must import, and every ACE a
profile can state (any peer but a foreign controller URI, a model or an address network;
single ports; a TCP port on the side that opens the connection; the first manufacturer
domain only) must come out again when the draft is exported.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from medsec.errors import Error
from medsec.network.mud.aces import IETF_CONTROLLERS, MEDSEC_CONTROLLER, Ace
from medsec.network.mud.export import profile_aces
from medsec.network.mud.importer import import_mud_text, read_aces
from medsec.profiles.loader import SourceMap

pytestmark = pytest.mark.conformance

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mud"
#: The NIST corpus at the pinned commit holds 15 MUD files; fewer means data went missing.
EXPECTED_AT_LEAST = 15


def _mud_files() -> list[Path]:
    if not SHARED.is_dir():
        reason = f"{SHARED} is absent: the NIST MUD test files are not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI must have ../shared/data)")
        pytest.skip(reason)
    files = []
    for path in sorted(SHARED.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "ietf-mud:mud" in data:
            files.append(path)
    return files


def _representable(ace: Ace, manufacturer: str | None) -> bool:
    """True for an ACE a PSP v1 network section can state."""
    if ace.peer in ("model", "network"):
        return False
    if ace.peer == "manufacturer" and ace.peer_value != manufacturer:
        return False  # a profile describes one manufacturer's product
    if ace.initiated is not None:
        # The side that opens a TCP connection sends to the other side's port.
        opened_by_device = ace.initiated == "from-device"
        sends = ace.policy == "from-device"
        port_of_peer = ace.dst_ports if sends else ace.src_ports
        port_of_device = ace.src_ports if sends else ace.dst_ports
        if (opened_by_device and port_of_device and not port_of_peer) or (
            not opened_by_device and port_of_peer and not port_of_device
        ):
            return False
    if ace.peer == "controller" and not (
        ace.peer_value in IETF_CONTROLLERS.values() or ace.peer_value.startswith(MEDSEC_CONTROLLER)
    ):
        return False
    return all(p is None or p[0] == p[1] for p in (ace.src_ports, ace.dst_ports))


def _relaxed(ace: Ace) -> tuple[Any, ...]:
    """An ACE without its address family (the export writes both families)."""
    return (
        ace.policy,
        ace.protocol,
        ace.src_ports,
        ace.dst_ports,
        ace.initiated,
        ace.peer,
        ace.peer_value,
    )


def test_every_nist_mud_file_imports() -> None:
    files = _mud_files()
    failures: list[str] = []
    kept = total = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            draft = import_mud_text(text, str(path))
        except Error as e:
            failures.append(f"{path.relative_to(SHARED)}: {e.diagnostics()}")
            continue
        _, aces, _ = read_aces(json.loads(text), SourceMap(str(path)))
        again = {_relaxed(a) for a in profile_aces(draft.profile)}
        domains = sorted({a.peer_value for a in aces if a.peer == "manufacturer"})
        first = domains[0] if domains else None
        wanted = [a for a in aces if _representable(a, first) and a.action == "accept"]
        missing = [a for a in wanted if _relaxed(a) not in again]
        if missing:
            failures.append(f"{path.relative_to(SHARED)}: ACEs lost in the draft: {missing}")
        kept += len(wanted) - len(missing)
        total += len(aces)
    passed = len(files) - len(failures)
    print(f"\nNIST MUD files imported: {passed}/{len(files)}; ACEs kept exactly: {kept}/{total}")
    assert len(files) >= EXPECTED_AT_LEAST
    assert not failures, "\n".join(failures)
