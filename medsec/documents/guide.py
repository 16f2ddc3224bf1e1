"""The customer security guide as data: what every renderer (HTML, Markdown, PDF) shows.

:func:`build_guide` turns a profile into rows that are already worded for a reader
("outbound", "yes", "TCP 8443"), so the HTML and Markdown templates only lay them out and
never repeat a rule. Everything is derived from the profile alone; a fact the profile
does not state is shown as :data:`NOT_STATED`, never guessed.

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> guide = build_guide(load_profile_text(EXAMPLE_MINIMAL))
>>> guide.title
'Customer security guide — Example Monitor 1.0'
>>> guide.services
()
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from medsec.profiles.psp import (
    DEVICE,
    Direction,
    EncryptionKind,
    Flow,
    ProductSecurityProfile,
    Service,
)

#: Shown wherever the profile is silent, so a reader sees the gap instead of a blank.
NOT_STATED = "not stated"

#: RFC 5424 §6.2.1 severity names, by numeric code.
SEVERITY_NAMES = (
    "Emergency",
    "Alert",
    "Critical",
    "Error",
    "Warning",
    "Notice",
    "Informational",
    "Debug",
)

#: Table 1 of the white paper (network configuration), in the seed's column order,
#: followed by the columns medsec adds. Shared by the HTML and Markdown templates.
TABLE1_COLUMNS = (
    "Service",
    "Description",
    "Protocol",
    "Interface",
    "Default port",
    "Configurable range",
    "Expected client",
    "Direction",
    "Enabled by default",
    "Can be disabled",
    "Authentication",
    "Encryption",
)


#: URI schemes the guide turns into links; anything else (javascript:, data:…) stays text.
LINK_SCHEMES = frozenset({"https", "http", "mailto", "tel"})


def href(url: str | None) -> str:
    """``url`` if it is safe to link to, else the empty string."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in LINK_SCHEMES else ""


def yes_no(value: bool | None) -> str:
    """``True`` → ``yes``, ``False`` → ``no``, ``None`` → :data:`NOT_STATED`."""
    if value is None:
        return NOT_STATED
    return "yes" if value else "no"


def encryption_label(kind: EncryptionKind | None, detail: str | None = None) -> str:
    if kind is None:
        return NOT_STATED
    label = "none" if kind is EncryptionKind.NONE else kind.value.upper()
    return f"{label} ({detail})" if detail else label


def port_label(service: Service) -> str:
    """``TCP 8443``, or ``ICMP`` for protocols without ports."""
    protocol = service.protocol.value.upper()
    if service.default_port is None:
        return protocol
    return f"{protocol} {service.default_port}"


@dataclass(frozen=True)
class ServiceRow:
    """One row of Table 1."""

    id: str
    name: str
    description: str
    protocol: str
    interface: str
    default_port: str
    configurable_range: str
    expected_client: str
    direction: str
    enabled_by_default: str
    can_be_disabled: str
    authentication: str
    encryption: str

    def cells(self) -> tuple[str, ...]:
        """The cells in :data:`TABLE1_COLUMNS` order."""
        return (
            self.name,
            self.description,
            self.protocol,
            self.interface,
            self.default_port,
            self.configurable_range,
            self.expected_client,
            self.direction,
            self.enabled_by_default,
            self.can_be_disabled,
            self.authentication,
            self.encryption,
        )


@dataclass(frozen=True)
class PortRule:
    """One firewall opening the device needs: who connects to whom, on what."""

    service: str
    source: str
    destination: str
    port: str
    configurable: str
    enabled_by_default: bool


@dataclass(frozen=True)
class CategoryLabel:
    name: str
    kind: str
    sensitivity: str
    personal: bool

    def __str__(self) -> str:
        return f"{self.name} ({self.kind.upper()}, {self.sensitivity})"


@dataclass(frozen=True)
class FlowRow:
    id: str
    source: str
    destination: str
    categories: tuple[CategoryLabel, ...]
    service: str
    encryption: str
    integrity: str
    timeliness: str
    delivery: str
    intended_recipient: str

    @property
    def personal(self) -> bool:
        """True when the flow carries PHI or PII."""
        return any(c.personal for c in self.categories)


@dataclass(frozen=True)
class EventRow:
    id: str
    severity: int
    severity_name: str
    category: str
    description: str
    meaning: str
    recommended_action: str


@dataclass(frozen=True)
class Guide:
    """Everything a guide renderer needs; ``profile`` gives the free-text sections."""

    profile: ProductSecurityProfile
    title: str
    services: tuple[ServiceRow, ...]
    ports_to_open: tuple[PortRule, ...]
    flows: tuple[FlowRow, ...]
    events: tuple[EventRow, ...]

    @property
    def table1_columns(self) -> tuple[str, ...]:
        return TABLE1_COLUMNS


def build_guide(profile: ProductSecurityProfile) -> Guide:
    """Derive the guide's tables from ``profile`` (a pure function)."""
    product = profile.product
    return Guide(
        profile=profile,
        title=f"Customer security guide — {product.name} {product.version}",
        services=tuple(_service_row(profile, s) for s in profile.network.services),
        ports_to_open=tuple(r for s in profile.network.services for r in _port_rules(profile, s)),
        flows=tuple(_flow_row(profile, f) for f in profile.data.flows),
        events=tuple(
            EventRow(
                id=e.id,
                severity=e.severity,
                severity_name=severity_name(e.severity),
                category=e.category.value,
                description=e.description,
                meaning=e.meaning or NOT_STATED,
                recommended_action=e.recommended_action or NOT_STATED,
            )
            for e in profile.monitoring.events
        ),
    )


def severity_name(severity: int) -> str:
    """RFC 5424 name of a severity code (``4`` → ``Warning``)."""
    if 0 <= severity < len(SEVERITY_NAMES):
        return SEVERITY_NAMES[severity]
    return f"unknown ({severity})"


def _names(profile: ProductSecurityProfile, ids: list[str]) -> str:
    return ", ".join(profile.endpoint_name(i) for i in ids)


def _service_row(profile: ProductSecurityProfile, service: Service) -> ServiceRow:
    interface = next((i for i in profile.network.interfaces if i.id == service.interface), None)
    interface_label = (
        f"{service.interface} ({interface.kind.value})" if interface else service.interface
    )
    if service.direction is Direction.OUTBOUND:
        servers = _names(profile, service.server) or NOT_STATED
        client = f"this device (connects to {servers})"
    else:
        client = _names(profile, service.expected_client) or NOT_STATED
    return ServiceRow(
        id=service.id,
        name=service.name,
        description=service.description,
        protocol=service.protocol.value.upper(),
        interface=interface_label,
        default_port=str(service.default_port) if service.default_port is not None else "—",
        configurable_range=str(service.configurable_range) if service.configurable_range else "—",
        expected_client=client,
        direction=service.direction.value,
        enabled_by_default=yes_no(service.enabled_by_default),
        can_be_disabled=yes_no(service.can_be_disabled),
        authentication=service.authentication or NOT_STATED,
        encryption=encryption_label(service.encryption, service.encryption_detail),
    )


def _port_rules(profile: ProductSecurityProfile, service: Service) -> list[PortRule]:
    """Firewall openings for ``service``: one per peer, in the direction of connection."""
    device = profile.endpoint_name(DEVICE)
    peers = service.server if service.direction is Direction.OUTBOUND else service.expected_client
    labels = [profile.endpoint_name(p) for p in peers] or [f"{NOT_STATED} (any)"]
    configurable = str(service.configurable_range) if service.configurable_range else "—"
    rules = []
    for peer in labels:
        source, destination = (
            (device, peer) if service.direction is Direction.OUTBOUND else (peer, device)
        )
        rules.append(
            PortRule(
                service=service.name,
                source=source,
                destination=destination,
                port=port_label(service),
                configurable=configurable,
                enabled_by_default=service.enabled_by_default,
            )
        )
    return rules


def _flow_row(profile: ProductSecurityProfile, flow: Flow) -> FlowRow:
    categories = []
    for category_id in flow.categories:
        category = profile.category(category_id)
        if category is None:  # the loader's cross-check prevents this; stay readable anyway
            categories.append(CategoryLabel(category_id, "unknown", NOT_STATED, personal=False))
        else:
            categories.append(
                CategoryLabel(
                    category.name,
                    category.kind.value,
                    category.sensitivity.value,
                    personal=category.kind.personal,
                )
            )
    service = profile.service(flow.service) if flow.service else None
    return FlowRow(
        id=flow.id,
        source=profile.endpoint_name(flow.source),
        destination=profile.endpoint_name(flow.destination),
        categories=tuple(categories),
        service=f"{service.name} ({port_label(service)})" if service else NOT_STATED,
        encryption=encryption_label(flow.encryption),
        integrity=flow.integrity or NOT_STATED,
        timeliness=flow.timeliness or NOT_STATED,
        delivery=flow.delivery or NOT_STATED,
        intended_recipient=flow.intended_recipient or NOT_STATED,
    )
