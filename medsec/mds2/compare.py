"""Compare two MDS2s and report the differences that matter, each with a severity.

A table of watched questions says which answer is the safer one and how much it matters
when a product moves away from it (encryption at rest lost, remote service added, MFA
dropped…). Other changed answers are reported as ``info``. Notes are not compared.

>>> from medsec.mds2.answers import Answer, Choice, Mds2Document, Origin
>>> def doc(choice):
...     a = Answer(question="PAUT-8", choice=choice, origin=Origin.IMPORTED)
...     return Mds2Document(answers={"PAUT-8": a})
>>> [d.message for d in compare(doc(Choice.YES), doc(Choice.NO))]
['PAUT-8: multi-factor authentication dropped (Yes → No)']
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path

from medsec.mds2.answers import Choice, Mds2Document
from medsec.mds2.derive import derive
from medsec.mds2.form import hn1_2019
from medsec.mds2.importer import read_mds2
from medsec.profiles.loader import load_profile


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class Watch:
    safe: Choice
    severity: Severity
    worse: str
    better: str


Y, N = Choice.YES, Choice.NO
H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW

#: Question → the safer answer, how much moving away from it matters, and what it means.
WATCHED: dict[str, Watch] = {
    "AUTH-1": Watch(Y, H, "login no longer required", "login now required"),
    "PAUT-8": Watch(
        Y, H, "multi-factor authentication dropped", "multi-factor authentication added"
    ),
    "PAUT-14.1": Watch(
        Y, H, "credentials no longer stored securely", "credentials now stored securely"
    ),
    "STCF-1": Watch(Y, H, "encryption at rest lost", "encryption at rest added"),
    "STCF-1.1": Watch(
        Y, H, "not all stored data encrypted any more", "all stored data now encrypted"
    ),
    "TXCF-2": Watch(
        Y,
        H,
        "personal data no longer encrypted in transit",
        "personal data now encrypted in transit",
    ),
    "TXCF-4": Watch(
        Y,
        H,
        "connections no longer limited to authenticated systems",
        "connections now limited to authenticated systems",
    ),
    "MPII-3.7": Watch(
        N,
        H,
        "personal data now sent over an external network",
        "personal data no longer sent over an external network",
    ),
    "RMOT-1": Watch(N, H, "remote service added", "remote service removed"),
    "RMOT-2": Watch(
        N,
        M,
        "remote predictive-maintenance connection added",
        "remote predictive-maintenance connection removed",
    ),
    "RMOT-3": Watch(
        N,
        M,
        "other remotely accessible functionality added",
        "other remotely accessible functionality removed",
    ),
    "CONN-4": Watch(
        N,
        M,
        "now talks to systems outside the customer's network",
        "no longer talks to systems outside the customer's network",
    ),
    "CONN-6": Watch(
        N, M, "now requires an internet connection", "no longer requires an internet connection"
    ),
    "CONN-1.1": Watch(N, M, "wireless connectivity added", "wireless connectivity removed"),
    "CONN-1.1.1": Watch(N, M, "Wi-Fi added", "Wi-Fi removed"),
    "CONN-1.1.2": Watch(N, M, "Bluetooth added", "Bluetooth removed"),
    "CONN-1.1.3": Watch(
        N,
        M,
        "cellular or other wireless network added",
        "cellular or other wireless network removed",
    ),
    "CONN-1.2.2": Watch(N, L, "USB port added", "USB port removed"),
    "CONN-7": Watch(Y, M, "TLS support removed", "TLS support added"),
    "MPII-1": Watch(N, M, "now handles personal data", "no longer handles personal data"),
    "MPII-2.2": Watch(
        N, M, "now stores personal data persistently", "no longer stores personal data persistently"
    ),
    "ALOF-1": Watch(Y, M, "automatic logoff removed", "automatic logoff added"),
    "AUTH-2": Watch(Y, M, "role-based privileges removed", "role-based privileges added"),
    "AUDT-1": Watch(Y, M, "audit log removed", "audit log added"),
    "AUDT-5.4": Watch(Y, L, "audit logs no longer encrypted", "audit logs now encrypted"),
    "NAUT-1": Watch(Y, M, "node authentication removed", "node authentication added"),
    "NAUT-3": Watch(
        Y, L, "certificate-based authentication removed", "certificate-based authentication added"
    ),
    "TXIG-1": Watch(
        Y, M, "transmission integrity protection removed", "transmission integrity protection added"
    ),
    "SAHD-3.2": Watch(
        Y, M, "update authenticity no longer checked", "update authenticity now checked"
    ),
    "SAHD-8": Watch(
        Y,
        M,
        "unneeded ports and protocols no longer disabled",
        "unneeded ports and protocols now disabled",
    ),
    "SAHD-9": Watch(Y, M, "unneeded services no longer disabled", "unneeded services now disabled"),
    "MLDP-2": Watch(Y, M, "anti-malware support dropped", "anti-malware support added"),
    "PAUT-3": Watch(Y, L, "account lockout removed", "account lockout added"),
    "DOC-8": Watch(
        Y, M, "vulnerability disclosure program gone", "vulnerability disclosure program added"
    ),
    "SBOM-1": Watch(Y, M, "SBOM no longer available", "SBOM now available"),
    "CSUP-11": Watch(
        Y,
        M,
        "no vulnerability assessment process any more",
        "vulnerability assessment process added",
    ),
    "SGUD-1": Watch(Y, L, "security documentation withdrawn", "security documentation added"),
    "DTBK-5": Watch(Y, L, "configuration backup removed", "configuration backup added"),
}


@dataclass(frozen=True)
class Difference:
    question: str
    before: str | None
    after: str | None
    severity: Severity
    message: str
    worse: bool | None
    """True when the product moved away from the safer answer, False towards it."""

    def as_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "before": self.before,
            "after": self.after,
            "severity": str(self.severity),
            "worse": self.worse,
            "message": self.message,
        }


def compare(before: Mds2Document, after: Mds2Document) -> list[Difference]:
    """What changed from ``before`` to ``after``, most severe first, then in form order."""
    form = hn1_2019()
    out: list[Difference] = []
    for question in form.questions:
        old, new = before.answer(question.id), after.answer(question.id)
        old_value = old.value if old else None
        new_value = new.value if new else None
        if old_value == new_value:
            continue
        shown = f"({old_value or 'unanswered'} → {new_value or 'unanswered'})"
        watch = WATCHED.get(question.id)
        old_choice, new_choice = (old.choice if old else None), (new.choice if new else None)
        if watch and old_choice in (Y, N) and new_choice in (Y, N):
            worse = new_choice is not watch.safe
            severity = watch.severity if worse else Severity.INFO
            what = watch.worse if worse else watch.better
            out.append(
                Difference(
                    question.id,
                    old_value,
                    new_value,
                    severity,
                    f"{question.id}: {what} {shown}",
                    worse,
                )
            )
        elif watch and old_choice is watch.safe:
            text = f"{question.id}: {watch.worse}? no longer answered {watch.safe} {shown}"
            out.append(Difference(question.id, old_value, new_value, Severity.LOW, text, None))
        else:
            text = f"{question.id}: {question.text} {shown}"
            out.append(Difference(question.id, old_value, new_value, Severity.INFO, text, None))
    order = {q: i for i, q in enumerate(form.ids)}
    return sorted(out, key=lambda d: (d.severity.rank, order[d.question]))


def load_document(path: Path) -> Mds2Document:
    """An MDS2 from a profile (.yaml, .yml, or .json with psp_version) or an MDS2 file."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return derive(load_profile(path), file=str(path))
    if suffix == ".json" and _is_profile(path):
        return derive(load_profile(path), file=str(path))
    return read_mds2(path).document


def _is_profile(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False  # read_mds2 will explain what is wrong with it
    return isinstance(data, dict) and "psp_version" in data
