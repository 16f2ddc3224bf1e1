"""CSAF terms and CVSS vectors said in plain words, for the HTML page and the field safety notice.

>>> how_reachable("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")
'from a computer on the same network segment, without logging in, without anyone doing anything'
"""

from __future__ import annotations

from typing import Final

STATUS: Final = {
    "known_affected": "affected",
    "first_affected": "affected (first affected version)",
    "last_affected": "affected (last affected version)",
    "under_investigation": "being investigated",
    "known_not_affected": "not affected",
    "fixed": "fixed",
    "first_fixed": "fixed (first fixed version)",
    "recommended": "fixed, recommended version",
}

REMEDIATION: Final = {
    "vendor_fix": "Install the update",
    "workaround": "Workaround until you update",
    "mitigation": "Lower the risk",
    "no_fix_planned": "No fix is planned",
    "none_available": "No fix is available yet",
}

THREAT: Final = {
    "impact": "What can happen",
    "exploit_status": "Known attacks",
    "target_set": "Who is at risk",
}

_ATTACK_VECTOR: Final = {
    "N": "over the network, possibly from outside the hospital",
    "A": "from a computer on the same network segment",
    "L": "by someone who can already use the device or log in to it",
    "P": "only by someone who can touch the device",
}
_PRIVILEGES: Final = {
    "N": "without logging in",
    "L": "with an ordinary user account",
    "H": "with an administrator account",
}
_INTERACTION: Final = {
    "N": "without anyone doing anything",
    "R": "only if a user is tricked into an action",
    "P": "only if a user is tricked into an action",
    "A": "only if a user actively helps",
}


def _metrics(vector: str) -> dict[str, str]:
    return dict(p.split(":", 1) for p in vector.split("/")[1:] if ":" in p)


def how_reachable(vector: str) -> str:
    """Who can attack and how, from the AV, PR and UI metrics of a CVSS 3.x/4.0 vector."""
    metrics = _metrics(vector)
    words = [
        _ATTACK_VECTOR.get(metrics.get("AV", ""), ""),
        _PRIVILEGES.get(metrics.get("PR", ""), ""),
        _INTERACTION.get(metrics.get("UI", ""), ""),
    ]
    return ", ".join(w for w in words if w)
