"""Principle 2 — data types and flows: what data the device holds and sends, and how.

The hospital's privacy and safety assessment rests on knowing which categories of
data travel where, how each flow is protected in confidentiality and integrity, and
which network functions exist beyond the device's core purpose.
"""

from __future__ import annotations

from collections.abc import Iterator

from medsec.profiles.lint.findings import Severity
from medsec.profiles.lint.registry import Issue, LintContext, rule
from medsec.profiles.psp import EncryptionKind, Flow, ProductSecurityProfile, Sensitivity

P2 = "White paper principle 2 (data types and flows)"


def personal(profile: ProductSecurityProfile, flow: Flow) -> bool:
    """True when the flow carries PHI or PII."""
    return any(
        (c := profile.category(cid)) is not None and c.kind.personal for cid in flow.categories
    )


def effective_encryption(profile: ProductSecurityProfile, flow: Flow) -> EncryptionKind | None:
    """The flow's own encryption, else the encryption of the service that carries it."""
    if flow.encryption is not None:
        return flow.encryption
    service = profile.service(flow.service) if flow.service else None
    return service.encryption if service else None


def _personal_flows(ctx: LintContext) -> Iterator[tuple[int, Flow]]:
    for index, flow in enumerate(ctx.profile.data.flows):
        if personal(ctx.profile, flow):
            yield index, flow


def _has_personal_flows(ctx: LintContext) -> bool:
    return any(True for _ in _personal_flows(ctx))


@rule(
    "PSP-DATA-001",
    Severity.ERROR,
    "PHI/PII flows declare encryption and integrity",
    f"{P2}: for personal data the hospital must show confidentiality and integrity "
    "in transit (GDPR, HIPAA); it can only do so if each flow says how they are kept.",
    applies=_has_personal_flows,
)
def personal_flow_protection(ctx: LintContext) -> Iterator[Issue]:
    for index, flow in _personal_flows(ctx):
        if effective_encryption(ctx.profile, flow) is None:
            yield Issue(
                ("data", "flows", index, "encryption"),
                f"flow '{flow.id}' carries PHI/PII but states no encryption "
                "(on the flow or on its service)",
            )
        if not (flow.integrity or "").strip():
            yield Issue(
                ("data", "flows", index, "integrity"),
                f"flow '{flow.id}' carries PHI/PII but does not say how its integrity is protected",
            )


@rule(
    "PSP-DATA-002",
    Severity.ERROR,
    "Cleartext PHI/PII needs a compensating control",
    f"{P2}: personal data sent without encryption is exposed to anyone on the path; "
    "if the protocol cannot be encrypted the manufacturer must say what protects it "
    "instead (segmentation, VPN, an encrypted tunnel).",
    applies=_has_personal_flows,
)
def cleartext_personal(ctx: LintContext) -> Iterator[Issue]:
    for index, flow in _personal_flows(ctx):
        if effective_encryption(ctx.profile, flow) is not EncryptionKind.NONE:
            continue
        service = ctx.profile.service(flow.service) if flow.service else None
        if service is None:
            yield Issue(
                ("data", "flows", index, "service"),
                f"flow '{flow.id}' sends PHI/PII in cleartext and names no service whose "
                "compensating_controls would protect it",
            )
        elif not service.compensating_controls:
            yield Issue(
                ("data", "flows", index, "encryption"),
                f"flow '{flow.id}' sends PHI/PII in cleartext over service '{service.id}', "
                "which lists no compensating_controls",
            )


@rule(
    "PSP-DATA-003",
    Severity.WARNING,
    "Data categories are declared",
    f"{P2}: every flow and store is described in terms of data categories and their "
    "sensitivity; without them nothing can be said about what is at stake.",
)
def categories_declared(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.data.categories:
        yield Issue(
            ("data", "categories"),
            "data.categories is empty: list PHI/PII, clinical, configuration, credential "
            "and log data with their sensitivity",
        )


@rule(
    "PSP-DATA-004",
    Severity.WARNING,
    "Data flows are declared for a device with network services",
    f"{P2}: the services say which ports are open; the flows say what data goes "
    "through them, to whom — the basis of the hospital's data protection assessment.",
    applies=lambda ctx: bool(ctx.profile.network.services),
)
def flows_declared(ctx: LintContext) -> Iterator[Issue]:
    if not ctx.profile.data.flows:
        yield Issue(
            ("data", "flows"),
            "data.flows is empty although the device has network services: "
            "describe what data each service carries",
        )


@rule(
    "PSP-DATA-005",
    Severity.WARNING,
    "PHI/PII stored on the device is encrypted at rest",
    f"{P2}: devices are lost, stolen and returned for repair; personal data stored "
    "unencrypted leaves with them.",
    applies=lambda ctx: any(
        (c := ctx.profile.category(s.category)) is not None and c.kind.personal
        for s in ctx.profile.data.storage
    ),
)
def personal_at_rest(ctx: LintContext) -> Iterator[Issue]:
    for index, stored in enumerate(ctx.profile.data.storage):
        category = ctx.profile.category(stored.category)
        if category is not None and category.kind.personal and not stored.encrypted_at_rest:
            yield Issue(
                ("data", "storage", index, "encrypted_at_rest"),
                f"personal data '{stored.category}' is stored unencrypted in {stored.location}",
            )


@rule(
    "PSP-DATA-006",
    Severity.WARNING,
    "Extra network functions are disabled by default",
    f"{P2}: functions beyond the device's core purpose (diagnostic servers, cloud "
    "links) widen what the device exposes; the hospital should opt in to them.",
    applies=lambda ctx: bool(ctx.profile.data.extra_network_functions),
)
def extra_functions_off(ctx: LintContext) -> Iterator[Issue]:
    for index, extra in enumerate(ctx.profile.data.extra_network_functions):
        if extra.enabled_by_default:
            yield Issue(
                ("data", "extra_network_functions", index, "enabled_by_default"),
                f"extra network function '{extra.id}' is enabled by default",
            )


@rule(
    "PSP-DATA-007",
    Severity.WARNING,
    "Extra network functions state whether they can be disabled",
    f"{P2}: a hospital that does not need an extra function wants to switch it off "
    "and needs to know whether it can.",
    applies=lambda ctx: bool(ctx.profile.data.extra_network_functions),
)
def extra_functions_disable(ctx: LintContext) -> Iterator[Issue]:
    for index, extra in enumerate(ctx.profile.data.extra_network_functions):
        if extra.can_be_disabled is None:
            yield Issue(
                ("data", "extra_network_functions", index, "can_be_disabled"),
                f"extra network function '{extra.id}' does not state can_be_disabled",
            )


def _sensitive_impersonal(ctx: LintContext) -> Iterator[tuple[int, Flow]]:
    """Flows of high-sensitivity data that is not PHI/PII (PSP-DATA-001 covers those)."""
    for index, flow in enumerate(ctx.profile.data.flows):
        if personal(ctx.profile, flow):
            continue
        if any(
            (c := ctx.profile.category(cid)) is not None and c.sensitivity is Sensitivity.HIGH
            for cid in flow.categories
        ):
            yield index, flow


@rule(
    "PSP-DATA-008",
    Severity.WARNING,
    "Flows of high-sensitivity data state their integrity protection",
    f"{P2}: for configuration such as a drug library or dose limits, tampering harms "
    "patients even though nothing is secret; integrity protection must be stated.",
    applies=lambda ctx: any(True for _ in _sensitive_impersonal(ctx)),
)
def sensitive_integrity(ctx: LintContext) -> Iterator[Issue]:
    for index, flow in _sensitive_impersonal(ctx):
        if not (flow.integrity or "").strip():
            yield Issue(
                ("data", "flows", index, "integrity"),
                f"flow '{flow.id}' carries high-sensitivity data but does not say how its "
                "integrity is protected",
            )


@rule(
    "PSP-DATA-009",
    Severity.INFO,
    "Flows state their timeliness requirements",
    f"{P2}: clinical data that arrives late can be as harmful as wrong data; the "
    "hospital sizes its network and monitoring by the stated timeliness.",
    applies=lambda ctx: bool(ctx.profile.data.flows),
)
def flow_timeliness(ctx: LintContext) -> Iterator[Issue]:
    for index, flow in enumerate(ctx.profile.data.flows):
        if not (flow.timeliness or "").strip():
            yield Issue(
                ("data", "flows", index, "timeliness"),
                f"flow '{flow.id}' does not state its timeliness",
            )
