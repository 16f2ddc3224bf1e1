"""Principle 7 — recovery and escalation: support, incident information, CVD, advisories.

When something goes wrong the hospital must reach the right people at once, know what
to send them, know how to restore the device, and be able to report a vulnerability
confidentially (RFC 9116 security.txt, coordinated vulnerability disclosure).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from medsec.profiles.lint.findings import Severity
from medsec.profiles.lint.registry import Issue, LintContext, rule

P7 = "White paper principle 7 (recovery and escalation)"

#: RFC 9116 §2.5.3: Contact is a URI; web URIs MUST be https.
CONTACT_SCHEMES = frozenset({"mailto", "https", "tel"})
#: RFC 9116 §2.5.4: Encryption is a URI of a key (web, DNS OPENPGPKEY, or fingerprint).
ENCRYPTION_SCHEMES = frozenset({"https", "dns", "openpgp4fpr"})


def _scheme(uri: str) -> str:
    return urlsplit(uri.strip()).scheme.lower()


def _has_cvd(ctx: LintContext) -> bool:
    return ctx.profile.recovery.cvd is not None


@rule(
    "PSP-REC-001",
    Severity.ERROR,
    "A CVD contact with a secure channel exists",
    f"{P7}: vulnerability reports are sensitive until fixed; researchers and hospitals "
    "need a disclosure contact they can reach confidentially (an https: form or an "
    "encryption key).",
)
def cvd_secure_contact(ctx: LintContext) -> Iterator[Issue]:
    cvd = ctx.profile.recovery.cvd
    if cvd is None:
        yield Issue(
            ("recovery", "cvd"),
            "recovery.cvd is missing: give a vulnerability disclosure contact and an "
            "encryption key or https: reporting form",
        )
    elif not cvd.encryption and not any(_scheme(c) == "https" for c in cvd.contacts):
        yield Issue(
            ("recovery", "cvd", "encryption"),
            "no secure CVD channel: add an https: contact or an encryption key",
        )


@rule(
    "PSP-REC-002",
    Severity.ERROR,
    "Support contacts exist and say how to reach them",
    f"{P7}: during an incident the hospital escalates to the manufacturer at once; a "
    "contact without an e-mail, phone or URL cannot be reached.",
)
def support_contacts(ctx: LintContext) -> Iterator[Issue]:
    contacts = ctx.profile.recovery.support_contacts
    if not contacts:
        yield Issue(
            ("recovery", "support_contacts"),
            "recovery.support_contacts is empty: list who to call, with hours",
        )
    for index, contact in enumerate(contacts):
        if not (contact.email or contact.phone or contact.url):
            yield Issue(
                ("recovery", "support_contacts", index),
                f"support contact '{contact.name}' has no email, phone or url",
            )


@rule(
    "PSP-REC-003",
    Severity.WARNING,
    "What to send during an incident is listed",
    f"{P7}: the first hours of an incident are lost if the manufacturer must ask for "
    "logs and versions one by one; the hospital should know in advance what to collect.",
)
def incident_information(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.recovery.incident_information:
        yield Issue(
            ("recovery", "incident_information"),
            "recovery.incident_information is empty: list what the hospital should send "
            "during an incident",
        )


@rule(
    "PSP-REC-004",
    Severity.WARNING,
    "The security.txt Expires date is set and not in the past",
    f"{P7}: RFC 9116 §2.5.5 requires Expires so that stale contact data is not trusted; "
    "an expired security.txt tells reporters the contact may no longer work.",
    applies=_has_cvd,
)
def security_txt_expires(ctx: LintContext) -> Iterator[Issue]:
    cvd = ctx.profile.recovery.cvd
    if cvd is None:
        return
    if cvd.expires is None:
        yield Issue(
            ("recovery", "cvd", "expires"),
            "recovery.cvd.expires is missing: security.txt requires an Expires date",
        )
    elif cvd.expires < ctx.today:
        yield Issue(
            ("recovery", "cvd", "expires"),
            f"security.txt expired on {cvd.expires.isoformat()}: renew it",
        )


@rule(
    "PSP-REC-005",
    Severity.WARNING,
    "A vulnerability disclosure policy is linked",
    f"{P7}: reporters need to know the rules — scope, safe harbour, timelines — before "
    "they report.",
    applies=_has_cvd,
)
def cvd_policy(ctx: LintContext) -> Iterator[Issue]:
    cvd = ctx.profile.recovery.cvd
    if cvd is not None and not (cvd.policy or "").strip():
        yield Issue(
            ("recovery", "cvd", "policy"), "recovery.cvd.policy is missing: link the policy"
        )


@rule(
    "PSP-REC-006",
    Severity.WARNING,
    "Backup, restore and recovery procedures are described",
    f"{P7}: after an incident the device must return to safe clinical service; the "
    "hospital needs the manufacturer's procedure for it.",
)
def recovery_procedure(ctx: LintContext) -> Iterator[Issue]:
    recovery = ctx.profile.recovery
    if not (recovery.recovery_procedure or "").strip():
        yield Issue(
            ("recovery", "recovery_procedure"),
            "recovery.recovery_procedure is missing: how is the device brought back to service?",
        )
    if not (recovery.backup_restore or "").strip():
        yield Issue(
            ("recovery", "backup_restore"),
            "recovery.backup_restore is missing: what is backed up and how it is restored",
        )


@rule(
    "PSP-REC-007",
    Severity.WARNING,
    "Advisory channels are stated",
    f"{P7}: the hospital subscribes to the manufacturer's advisories (CSAF, portal, "
    "mail); it must know where they are published.",
)
def advisory_channels(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.recovery.advisory_channels:
        yield Issue(
            ("recovery", "advisory_channels"),
            "recovery.advisory_channels is empty: say where security advisories are published",
        )


@rule(
    "PSP-REC-008",
    Severity.WARNING,
    "CVD contacts and key are RFC 9116 URIs",
    f"{P7}: the CVD section becomes security.txt; RFC 9116 §2.5.3–2.5.4 require URIs "
    "(mailto:, https:, tel:; a key at https:, dns: or openpgp4fpr:) — plain http: can be "
    "tampered with on the way.",
    applies=_has_cvd,
)
def cvd_uris(ctx: LintContext) -> Iterator[Issue]:
    cvd = ctx.profile.recovery.cvd
    if cvd is None:
        return
    for index, contact in enumerate(cvd.contacts):
        if _scheme(contact) not in CONTACT_SCHEMES:
            yield Issue(
                ("recovery", "cvd", "contacts", index),
                f"contact '{contact}' is not a mailto:, https: or tel: URI",
            )
    if cvd.encryption and _scheme(cvd.encryption) not in ENCRYPTION_SCHEMES:
        yield Issue(
            ("recovery", "cvd", "encryption"),
            f"encryption '{cvd.encryption}' is not an https:, dns: or openpgp4fpr: URI",
        )


@rule(
    "PSP-REC-009",
    Severity.INFO,
    "A support service level is stated",
    f"{P7}: the hospital's incident plan depends on how quickly the manufacturer responds.",
)
def support_sla(ctx: LintContext) -> Iterator[Issue]:
    if not (ctx.profile.recovery.sla or "").strip():
        yield Issue(
            ("recovery", "sla"), "recovery.sla is missing: how fast is an incident answered?"
        )


@rule(
    "PSP-REC-010",
    Severity.INFO,
    "The CVD acknowledgement time is stated",
    f"{P7}: a reporter who knows when to expect an answer waits instead of going public.",
    applies=_has_cvd,
)
def cvd_acknowledgement(ctx: LintContext) -> Iterator[Issue]:
    cvd = ctx.profile.recovery.cvd
    if cvd is not None and cvd.acknowledge_within_days is None:
        yield Issue(
            ("recovery", "cvd", "acknowledge_within_days"),
            "recovery.cvd.acknowledge_within_days is missing",
        )
