"""The Product Security Profile (PSP), version 1.

One profile per product version is the manufacturer's single source of truth; every
artifact medsec produces (security guide, MDS2, MUD, firewall policy, SIEM rules,
security.txt, VEX) is derived from it. The sections follow the seven principles of the
DITTA white paper *Best Practices for Sharing Cybersecurity Information*:

=============  =============================================
section        principle
=============  =============================================
``network``    1 — segmenting networks
``data``       2 — data types and flows
``monitoring`` 3 — monitoring (identity, SBOM, event catalog)
``users``      4 — user management
``hardening``  5 — hardening
``updates``    6 — updating and end of support
``recovery``   7 — recovery and escalation
=============  =============================================

Fields that the white paper asks a manufacturer to state, but whose absence still leaves
a usable document, are optional here: :mod:`medsec.profiles.lint` reports them missing.
Fields without which the document makes no sense (ids, names, a TCP port) are required.

>>> from medsec.profiles.loader import load_profile_text
>>> profile = load_profile_text(EXAMPLE_MINIMAL, "inline.yaml")
>>> profile.product.name
'Example Monitor'
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    Field(description="A stable identifier: letters, digits, '.', '_' or '-', at most 64."),
]
Port = Annotated[int, Field(description="A TCP/UDP/SCTP port number.")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

#: The endpoint id that always means the device the profile describes.
DEVICE = "device"


class Section(BaseModel):
    """Base of every profile model: unknown keys are errors, so typos are caught."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


# --------------------------------------------------------------------------- product


class DeviceIdentifier(Section):
    scheme: Text = Field(description="Identifier system, e.g. UDI-DI, GMDN, GTIN.")
    value: Text


class Manufacturer(Section):
    name: Text
    url: str | None = None
    country: str | None = None


class Product(Section):
    manufacturer: Manufacturer
    name: Text
    models: list[Text] = Field(default_factory=list, description="Model names or numbers.")
    version: Text = Field(description="The product version this profile describes.")
    release_date: dt.date | None = None
    description: str | None = None
    device_identifiers: list[DeviceIdentifier] = Field(default_factory=list)
    intended_network_use: str | None = Field(
        default=None, description="What the network connection is for, in the IFU's words."
    )
    samd: bool = Field(default=False, description="Software as a medical device.")
    cpe: str | None = Field(default=None, description="CPE 2.3 name of the product.")
    purl: str | None = Field(default=None, description="Package URL of the product.")


# --------------------------------------------------------------------------- network (1)


class InterfaceKind(enum.StrEnum):
    ETHERNET = "ethernet"
    WIFI = "wifi"
    BLUETOOTH = "bluetooth"
    USB = "usb"
    SERIAL = "serial"
    CELLULAR = "cellular"
    OTHER = "other"


class Interface(Section):
    id: Identifier
    kind: InterfaceKind
    description: str | None = None
    enabled_by_default: bool = True
    can_be_disabled: bool | None = None


class Protocol(enum.StrEnum):
    TCP = "tcp"
    UDP = "udp"
    SCTP = "sctp"
    ICMP = "icmp"
    ICMPV6 = "icmpv6"
    IP = "ip"
    OTHER = "other"

    @property
    def has_ports(self) -> bool:
        return self in (Protocol.TCP, Protocol.UDP, Protocol.SCTP)


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    """The device listens; ``expected_client`` connects to it."""
    OUTBOUND = "outbound"
    """The device is the client; it connects to ``server`` on ``default_port``."""


class EncryptionKind(enum.StrEnum):
    NONE = "none"
    TLS = "tls"
    DTLS = "dtls"
    SSH = "ssh"
    IPSEC = "ipsec"
    WPA2 = "wpa2"
    WPA3 = "wpa3"
    APPLICATION = "application"
    OTHER = "other"


class PortRange(Section):
    min: int
    max: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.min <= port <= self.max

    def __str__(self) -> str:
        return f"{self.min}–{self.max}"


class EndpointKind(enum.StrEnum):
    SERVER = "server"
    WORKSTATION = "workstation"
    DEVICE = "device"
    INFRASTRUCTURE = "infrastructure"
    MANUFACTURER = "manufacturer"
    USER = "user"
    OTHER = "other"


class Endpoint(Section):
    """An abstract party the device talks to: "PACS", "pump server", "NTP server"…

    A hospital binds each endpoint to concrete assets, CIDRs or DNS names; the id
    ``device`` is reserved for the device itself.
    """

    id: Identifier
    name: Text
    kind: EndpointKind = EndpointKind.OTHER
    description: str | None = None
    dns_names: list[str] = Field(
        default_factory=list, description="Fixed DNS names (manufacturer cloud endpoints)."
    )


class Service(Section):
    """One row of the white paper's Table 1 (network configuration)."""

    id: Identifier
    name: Text = Field(description="IANA service name where one exists (e.g. dicom, https).")
    description: Text
    protocol: Protocol
    interface: Identifier = Field(description="Id of an entry in network.interfaces.")
    default_port: Port | None = Field(default=None, description="Required for TCP/UDP/SCTP.")
    configurable_range: PortRange | None = Field(
        default=None, description="Ports the customer may choose instead of the default."
    )
    direction: Direction = Direction.INBOUND
    expected_client: list[Identifier] = Field(
        default_factory=list,
        description="Endpoint ids that connect to this service (inbound); "
        "for outbound services the device itself is the client.",
    )
    server: list[Identifier] = Field(
        default_factory=list, description="Endpoint ids the device connects to (outbound)."
    )
    reason: str | None = Field(default=None, description="Why the service exists.")
    required: bool = True
    enabled_by_default: bool = True
    can_be_disabled: bool | None = None
    authentication: str | None = Field(
        default=None, description="How peers authenticate, or 'none'."
    )
    encryption: EncryptionKind | None = None
    encryption_detail: str | None = Field(default=None, description="e.g. 'TLS 1.2 or 1.3'.")
    compensating_controls: list[str] = Field(
        default_factory=list, description="Controls that make up for missing encryption."
    )

    @property
    def listening(self) -> bool:
        return self.direction is Direction.INBOUND


class RemoteAccessMethod(Section):
    id: Identifier
    description: Text
    service: Identifier | None = Field(default=None, description="Id of the service used.")
    initiated_by: Literal["customer", "manufacturer", "device"] = "customer"
    customer_controls: str | None = Field(
        default=None, description="How the customer enables, approves or disables it."
    )
    logged: bool | None = None


class RemoteAccess(Section):
    """Every remote or manufacturer service access path: the white paper allows no secret
    backdoors, so the absence of remote access is declared too (``none: true``)."""

    statement: str | None = None
    methods: list[RemoteAccessMethod] = Field(
        default_factory=list, description="Empty together with none: true means no access."
    )
    none: bool = Field(default=False, description="True declares that there is no remote access.")


class Deployment(Section):
    zones: list[str] = Field(default_factory=list, description="Recommended network zones.")
    dmz_intermediaries: list[str] = Field(default_factory=list)
    firewall_guidance: str | None = None


class Network(Section):
    interfaces: list[Interface] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    remote_access: RemoteAccess | None = None
    wireless: str | None = None
    offline_updates: str | None = None
    deployment: Deployment | None = None


# --------------------------------------------------------------------------- data (2)


class DataKind(enum.StrEnum):
    PHI = "phi"
    PII = "pii"
    CLINICAL = "clinical"
    CONFIGURATION = "configuration"
    CREDENTIALS = "credentials"
    LOGS = "logs"
    DIAGNOSTICS = "diagnostics"
    SOFTWARE = "software"
    OTHER = "other"

    @property
    def personal(self) -> bool:
        return self in (DataKind.PHI, DataKind.PII)


class Sensitivity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class DataCategory(Section):
    id: Identifier
    name: Text
    kind: DataKind
    sensitivity: Sensitivity
    description: str | None = None


class Flow(Section):
    id: Identifier
    source: Identifier = Field(description="Endpoint id, or 'device'.")
    destination: Identifier = Field(description="Endpoint id, or 'device'.")
    categories: list[Identifier] = Field(min_length=1, description="Data category ids.")
    service: Identifier | None = Field(default=None, description="Id of the service carrying it.")
    description: str | None = None
    encryption: EncryptionKind | None = None
    integrity: str | None = Field(default=None, description="How integrity is protected.")
    timeliness: str | None = None
    accuracy: str | None = None
    delivery: str | None = Field(default=None, description="e.g. 'at least once, acknowledged'.")
    intended_recipient: str | None = None


class Storage(Section):
    category: Identifier
    location: Text
    encrypted_at_rest: bool
    method: str | None = None
    retention: str | None = None


class ExtraFunction(Section):
    """A network function beyond the core purpose, e.g. a diagnostic web server."""

    id: Identifier
    description: Text
    service: Identifier | None = None
    enabled_by_default: bool = False
    can_be_disabled: bool | None = None


class Data(Section):
    categories: list[DataCategory] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    storage: list[Storage] = Field(default_factory=list)
    extra_network_functions: list[ExtraFunction] = Field(default_factory=list)


# --------------------------------------------------------------------------- monitoring (3)


IdentityField = Literal["vendor", "model", "serial", "firmware", "software", "hostname", "mac"]


def _core_identity_fields() -> list[IdentityField]:
    return ["vendor", "model", "serial", "firmware"]


class IdentityReporting(Section):
    methods: list[Text] = Field(description="How vendor/model/serial/firmware are read centrally.")
    fields: list[IdentityField] = Field(default_factory=_core_identity_fields)


class SbomReference(Section):
    format: Literal["cyclonedx", "spdx"]
    url: str | None = None
    path: str | None = None
    spec_version: str | None = None
    availability: str | None = Field(default=None, description="How customers obtain it.")


class LogTransport(Section):
    protocol: Literal["syslog-rfc5424-tls", "syslog-rfc5424-tcp", "syslog-rfc5424-udp",
                      "syslog-rfc3164", "atna", "other"]
    service: Identifier | None = None
    description: str | None = None


class EventCategory(enum.StrEnum):
    SECURITY = "security"
    AUTHENTICATION = "authentication"
    CONFIGURATION = "configuration"
    SYSTEM = "system"
    NETWORK = "network"
    CLINICAL = "clinical"
    UPDATE = "update"
    AUDIT = "audit"


class EventMatch(Section):
    """How to recognise the event in a syslog message, when MSGID alone is not enough."""

    app_name: str | None = None
    regex: str | None = Field(default=None, description="Python regex over the MSG part.")


class Event(Section):
    id: Annotated[
        str,
        Field(
            description="Stable event id, used as the RFC 5424 MSGID (1–32 printable ASCII)."
        ),
    ]
    severity: int = Field(description="RFC 5424 severity: 0 emergency … 7 debug.")
    category: EventCategory
    description: Text
    meaning: str | None = None
    recommended_action: str | None = None
    sample_message: str | None = None
    match: EventMatch | None = None


class Monitoring(Section):
    identity_reporting: IdentityReporting | None = None
    sbom: SbomReference | None = None
    log_transport: list[LogTransport] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)


# --------------------------------------------------------------------------- users (4)


class Role(Section):
    id: Identifier
    name: Text
    privileges: list[Text] = Field(min_length=1)
    description: str | None = None


class AccountAdministration(Section):
    local_accounts: bool = True
    central: list[Literal["ldap", "active-directory", "radius", "kerberos", "oidc", "saml"]] = (
        Field(default_factory=list)
    )
    description: str | None = None


class Mfa(Section):
    supported: bool
    methods: list[str] = Field(default_factory=list)
    required_for: list[Identifier] = Field(default_factory=list, description="Role ids.")


class Sessions(Section):
    idle_timeout_minutes: int | None = None
    auto_logoff: bool = False
    emergency_access: str | None = Field(default=None, description="Break-glass access.")


class PasswordPolicy(Section):
    min_length: int
    blocklist: bool = False
    complexity: str | None = None
    max_age_days: int | None = None
    history: int | None = None
    lockout: str | None = None


class DefaultPassword(Section):
    exists: bool
    change_enforced: bool = Field(
        default=False, description="The device refuses operational use until it is changed."
    )
    description: str | None = None


class Wipeable(enum.StrEnum):
    KEYS = "keys"
    CERTIFICATES = "certificates"
    NETWORK_ADDRESSES = "network_addresses"
    CREDENTIALS = "credentials"
    PHI = "phi"
    LOGS = "logs"
    CONFIGURATION = "configuration"


class Reset(Section):
    procedure: Text
    wipes: list[Wipeable] = Field(default_factory=list)
    logged: bool = False
    safe_operation: str | None = Field(
        default=None, description="How the device stays safe during and after a reset."
    )


class ConfigurationBackup(Section):
    supported: bool
    procedure: str | None = None
    encrypted: bool | None = None


class Audit(Section):
    capabilities: list[Text] = Field(min_length=1)
    export: str | None = None


class Users(Section):
    roles: list[Role] = Field(default_factory=list)
    administration: AccountAdministration | None = None
    mfa: Mfa | None = None
    sessions: Sessions | None = None
    password_policy: PasswordPolicy | None = None
    default_password: DefaultPassword | None = None
    reset: Reset | None = None
    configuration_backup: ConfigurationBackup | None = None
    returned_device_privacy: str | None = None
    audit: Audit | None = None
    lifecycle: str | None = Field(
        default=None, description="Account life cycle: hire, role change, leave."
    )


# --------------------------------------------------------------------------- hardening (5)


class HardeningMeasure(Section):
    id: Identifier
    title: Text
    description: str | None = None
    applied_by_default: bool = False
    functional_impact: str | None = None
    risk_if_not_applied: str | None = None
    reversible: bool | None = None
    safety_implications: str | None = None
    warranty_implications: str | None = None


class EndpointProtection(Section):
    product: Text
    version: str | None = None
    validated: bool
    configuration: str | None = None


class Hardening(Section):
    secure_by_default: str | None = None
    measures: list[HardeningMeasure] = Field(default_factory=list)
    endpoint_protection: list[EndpointProtection] = Field(default_factory=list)


# --------------------------------------------------------------------------- updates (6)


class UpdateChannel(Section):
    kind: Literal["online", "offline-media", "service-visit", "central-server"]
    description: str | None = None


class ApplyMode(enum.StrEnum):
    DURING_OPERATION = "during-operation"
    PLANNED_DOWNTIME = "planned-downtime"
    SHUTDOWN = "shutdown"


class PriorityLevel(Section):
    level: Text
    meaning: Text
    expected_action: str | None = None


class Lifecycle(Section):
    end_of_sale: dt.date | None = None
    end_of_support: dt.date | None = None
    end_of_security_updates: dt.date | None = None
    plan: str | None = Field(default=None, description="Upgrade or replacement options.")


class Updates(Section):
    channels: list[UpdateChannel] = Field(default_factory=list)
    apply_modes: list[ApplyMode] = Field(default_factory=list)
    procedure: str | None = None
    preparation: str | None = Field(default=None, description="Compatibility checks, archiving.")
    installers: list[Literal["customer", "manufacturer-service"]] = Field(default_factory=list)
    priority_scale: list[PriorityLevel] = Field(default_factory=list)
    third_party_monitoring: str | None = None
    validated_patches: str | None = Field(
        default=None, description="Where the validated third-party patch list is published."
    )
    lifecycle: Lifecycle | None = None


# --------------------------------------------------------------------------- recovery (7)


class Contact(Section):
    name: Text
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    hours: str | None = None


class Cvd(Section):
    """Coordinated vulnerability disclosure; also the source of security.txt (RFC 9116)."""

    contacts: list[str] = Field(
        min_length=1, description="RFC 9116 Contact values: mailto:, https: or tel: URIs."
    )
    encryption: str | None = Field(default=None, description="URI of an OpenPGP key.")
    policy: str | None = Field(default=None, description="URI of the disclosure policy.")
    acknowledgments: str | None = None
    preferred_languages: list[str] = Field(default_factory=lambda: ["en"])
    canonical: str | None = Field(default=None, description="Where security.txt is published.")
    expires: dt.date | None = Field(default=None, description="security.txt Expires date.")
    acknowledge_within_days: int | None = None
    researcher_guidance: str | None = None


class Recovery(Section):
    support_contacts: list[Contact] = Field(default_factory=list)
    sla: str | None = None
    incident_information: list[Text] = Field(
        default_factory=list, description="What to send the manufacturer during an incident."
    )
    backup_restore: str | None = None
    recovery_procedure: str | None = None
    cvd: Cvd | None = None
    isac: list[str] = Field(default_factory=list)
    advisory_channels: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------- the profile


class Mds2Answer(Section):
    answer: Literal["Yes", "No", "N/A", "See note"]
    note: str | None = None
    reference: str | None = None


class ProductSecurityProfile(Section):
    """A Product Security Profile, ``psp_version: 1``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="medsec Product Security Profile, version 1",
        json_schema_extra={"$id": "https://medsec.dev/schemas/psp-1.schema.json"},
    )

    psp_version: Literal[1]
    product: Product
    network: Network = Field(default_factory=Network)
    data: Data = Field(default_factory=Data)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    users: Users = Field(default_factory=Users)
    hardening: Hardening = Field(default_factory=Hardening)
    updates: Updates = Field(default_factory=Updates)
    recovery: Recovery = Field(default_factory=Recovery)
    mds2: dict[str, Mds2Answer] = Field(
        default_factory=dict, description="Manual MDS2 answers keyed by question id."
    )

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.network.services if s.id == service_id), None)

    def endpoint_name(self, endpoint_id: str) -> str:
        if endpoint_id == DEVICE:
            return f"{self.product.name} (this device)"
        found = next((e for e in self.network.endpoints if e.id == endpoint_id), None)
        return found.name if found else endpoint_id

    def category(self, category_id: str) -> DataCategory | None:
        return next((c for c in self.data.categories if c.id == category_id), None)


EXAMPLE_MINIMAL = """\
psp_version: 1
product:
  manufacturer: {name: Example Medical}
  name: Example Monitor
  version: "1.0"
"""
