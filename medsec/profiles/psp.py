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
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

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


class SoftwareComponent(Section):
    """A piece of software the product contains besides the manufacturer's own code."""

    name: Text = Field(description="Product name, e.g. 'PostgreSQL' or 'Qt'.")
    version: str | None = Field(default=None, description="Version or release, e.g. '16.4'.")
    supplier: str | None = Field(default=None, description="Who makes and patches it.")
    description: str | None = Field(default=None, description="What the product uses it for.")


class OperatingSystem(Section):
    name: Text = Field(
        description="e.g. 'Windows 10 IoT Enterprise LTSC 2021', 'Red Hat Enterprise Linux 9', "
        "'Zephyr RTOS'."
    )
    version: str | None = Field(default=None, description="Version, build or release.")
    supplier: str | None = Field(default=None, description="Who maintains it, e.g. 'Microsoft'.")
    provided_by: Literal["manufacturer", "customer"] | None = Field(
        default=None,
        description="Who supplies it: the manufacturer as part of the product, or the customer "
        "(software installed on the customer's own computers).",
    )


class Platform(Section):
    """What the product's software runs on, and the third-party software it contains.

    Lists you write are complete: an empty ``cots: []`` says there is no COTS component.
    """

    operating_system: OperatingSystem | None = Field(
        default=None, description="The operating system (an RTOS counts as one)."
    )
    bare_metal: bool | None = Field(
        default=None,
        description="True declares firmware that runs without any operating system; "
        "leave out operating_system then.",
    )
    firmware: list[SoftwareComponent] = Field(
        default_factory=list,
        description="Drivers and firmware: BIOS/UEFI, controller, radio or BMC firmware.",
    )
    cots: list[SoftwareComponent] = Field(
        default_factory=list,
        description="Off-the-shelf components other than the operating system, commercial or "
        "open source: databases, runtimes, libraries, viewers.",
    )
    other_software: list[SoftwareComponent] = Field(
        default_factory=list,
        description="Other software on the device, e.g. asset- or licence-management agents.",
    )

    @model_validator(mode="after")
    def _operating_system_or_bare_metal(self) -> Self:
        if self.bare_metal and self.operating_system is not None:
            raise ValueError(
                "bare_metal: true says there is no operating system, yet operating_system "
                "is given; keep one of them"
            )
        return self


class SecureDevelopment(Section):
    """How the product was developed; lists you write are complete (empty means none)."""

    standards: list[Text] = Field(
        default_factory=list,
        description="Secure development standards followed, e.g. 'IEC 62304', "
        "'IEC 81001-5-1', 'IEC 62443-4-1'.",
    )
    certifications: list[Text] = Field(
        default_factory=list,
        description="Cybersecurity certifications of the product, e.g. "
        "'IEC 62443-4-2 SL 2 (certified by …, 2025)', 'UL 2900-2-1'.",
    )
    third_party_evaluation: str | None = Field(
        default=None,
        description="How third-party components are assessed before and while they are used.",
    )


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
    platform: Platform | None = Field(
        default=None, description="Operating system, firmware and third-party software."
    )
    hosted_by: list[Literal["customer", "manufacturer"]] = Field(
        default_factory=list,
        description="Software as a medical device: who runs the computers it is installed on.",
    )
    secure_development: SecureDevelopment | None = Field(
        default=None, description="Secure development process and certifications."
    )


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
    proprietary: bool | None = Field(
        default=None,
        description="True when the protocol is the manufacturer's own rather than a published "
        "standard (DICOM, HL7, HTTP, syslog…).",
    )

    @property
    def listening(self) -> bool:
        return self.direction is Direction.INBOUND


class RemotePurpose(enum.StrEnum):
    DIAGNOSIS = "diagnosis"
    REPAIR = "repair"
    PREDICTIVE_MAINTENANCE = "predictive-maintenance"
    SOFTWARE_DELIVERY = "software-delivery"
    ADMINISTRATION = "administration"
    TRAINING = "training"


class RemoteAccessMethod(Section):
    id: Identifier
    description: Text
    service: Identifier | None = Field(default=None, description="Id of the service used.")
    initiated_by: Literal["customer", "manufacturer", "device"] = "customer"
    customer_controls: str | None = Field(
        default=None, description="How the customer enables, approves or disables it."
    )
    logged: bool | None = None
    purposes: list[RemotePurpose] = Field(
        default_factory=list,
        description="What the access is used for; a list you write is complete.",
    )
    session_indicator: bool | None = Field(
        default=None,
        description="True when the device shows that a remote session is enabled or active.",
    )
    patient_data_visible: bool | None = Field(
        default=None, description="True when personal data can be viewed or copied in a session."
    )


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


class Api(Section):
    """An application programming interface the device offers or calls."""

    name: Text = Field(description="e.g. 'DICOMweb (WADO-RS, QIDO-RS, STOW-RS)'.")
    service: Identifier | None = Field(default=None, description="Id of the service carrying it.")
    description: str | None = Field(default=None, description="What the API is used for.")


class Network(Section):
    interfaces: list[Interface] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    remote_access: RemoteAccess | None = None
    wireless: str | None = None
    offline_updates: str | None = None
    deployment: Deployment | None = None
    apis: list[Api] = Field(
        default_factory=list,
        description="APIs the device offers or calls (REST, SOAP, messaging); a list you write "
        "is complete, an empty one says there are none.",
    )
    tls_configurable: bool | None = Field(
        default=None,
        description="True when the customer can change TLS settings (versions, cipher suites, "
        "certificates).",
    )
    remote_operation: bool | None = Field(
        default=None,
        description="True when the device's functions can be operated from another device "
        "(telemedicine, remote control). Remote service is remote_access.",
    )


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


class Deletion(enum.StrEnum):
    """When the device deletes stored data by itself."""

    UNTIL_ERASED = "until-erased"
    """Kept until someone deletes them."""
    RETENTION_PERIOD = "retention-period"
    """Deleted automatically after a set time."""
    OVERWRITTEN = "overwritten"
    """The oldest records are overwritten when the space is full (a ring buffer)."""
    AFTER_ARCHIVING = "after-archiving"
    """Deleted once a long-term archive (a PACS, a server) confirms that it holds them."""


class Storage(Section):
    category: Identifier
    location: Text
    encrypted_at_rest: bool
    method: str | None = None
    retention: str | None = None
    deletion: Deletion | None = Field(
        default=None, description="When the device deletes these data by itself."
    )
    database: bool | None = Field(
        default=None, description="True when the data are kept in a database."
    )
    external: bool | None = Field(
        default=None,
        description="True when the storage is outside the device (a remote database or "
        "share); False when it is on the device's own media.",
    )
    separate_from_system: bool | None = Field(
        default=None,
        description="True when kept apart from the operating system: another drive, "
        "another partition or remote storage.",
    )
    long_term: bool | None = Field(
        default=None,
        description="True when the device is the long-term primary store of these data (as a "
        "PACS is), not a cache or buffer.",
    )
    integrity_checked: bool | None = Field(
        default=None,
        description="True when the device detects changes to the stored records (checksums, "
        "hashes, signatures).",
    )
    redundant: bool | None = Field(
        default=None,
        description="True when the data survive the failure of a disk or medium (RAID, "
        "mirroring, replication).",
    )


class ExtraFunction(Section):
    """A network function beyond the core purpose, e.g. a diagnostic web server."""

    id: Identifier
    description: Text
    service: Identifier | None = None
    enabled_by_default: bool = False
    can_be_disabled: bool | None = None


class PersonalDataChannelKind(enum.StrEnum):
    DOCUMENT_SCANNING = "document-scanning"
    BARCODE = "barcode"
    RFID = "rfid"
    OTHER = "other"


class PersonalDataChannel(Section):
    """A way personal data enter or leave the device besides flows, media and cables."""

    kind: PersonalDataChannelKind = Field(description="document-scanning, barcode, rfid or other.")
    description: Text = Field(description="What enters or leaves this way, and how.")


class DeIdentification(Section):
    supported: bool = Field(description="True when the device itself can de-identify data.")
    dicom_ps3_15: bool | None = Field(
        default=None,
        description="True when it follows the DICOM PS3.15 Annex E Basic Application Level "
        "Confidentiality Profile (and its options).",
    )
    description: str | None = Field(
        default=None, description="What is de-identified, when, and with which options."
    )


class EncryptionAtRest(Section):
    """How the customer manages the encryption of stored data (see storage[].encrypted_at_rest)."""

    instructions: str | None = Field(
        default=None, description="Where the customer learns to set up, check or manage it."
    )
    keys_changeable: bool | None = Field(
        default=None, description="True when the customer can change or rotate the keys."
    )


class Data(Section):
    categories: list[DataCategory] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    storage: list[Storage] = Field(default_factory=list)
    extra_network_functions: list[ExtraFunction] = Field(default_factory=list)
    displays_personal_data: bool | None = Field(
        default=None, description="True when the device shows personal data on a screen."
    )
    prints_personal_data: bool | None = Field(
        default=None,
        description="True when the device prints reports or images with personal data.",
    )
    other_personal_data_channels: list[PersonalDataChannel] = Field(
        default_factory=list,
        description="Other ways personal data enter or leave (scanned documents, barcode or "
        "RFID readers); a list you write is complete, an empty one says there are none.",
    )
    de_identification: DeIdentification | None = Field(
        default=None, description="Whether the device can de-identify personal data."
    )
    encryption_at_rest: EncryptionAtRest | None = Field(
        default=None, description="How the customer sets up and manages encryption at rest."
    )


# --------------------------------------------------------------------------- monitoring (3)


IdentityField = Literal["vendor", "model", "serial", "firmware", "software", "hostname", "mac"]


def _core_identity_fields() -> list[IdentityField]:
    return ["vendor", "model", "serial", "firmware"]


class IdentityReporting(Section):
    methods: list[Text] = Field(description="How vendor/model/serial/firmware are read centrally.")
    fields: list[IdentityField] = Field(default_factory=_core_identity_fields)


class SbomField(enum.StrEnum):
    """A field that every component of an SBOM carries."""

    NAME = "name"
    VERSION = "version"
    SUPPLIER = "supplier"
    PURL = "purl"
    CPE = "cpe"
    HASHES = "hashes"
    LICENSES = "licenses"
    DEPENDENCIES = "dependencies"


class SbomReference(Section):
    format: Literal["cyclonedx", "spdx"]
    url: str | None = None
    path: str | None = None
    spec_version: str | None = None
    availability: str | None = Field(default=None, description="How customers obtain it.")
    component_fields: list[SbomField] = Field(
        default_factory=list,
        description="Fields every component carries; a list you write is complete.",
    )
    on_device_listing: str | None = Field(
        default=None,
        description="How to list the installed software components on the device itself "
        "(a command or a menu).",
    )
    update_process: str | None = Field(
        default=None, description="When and how the SBOM is updated."
    )


class LogTransport(Section):
    protocol: Literal[
        "syslog-rfc5424-tls",
        "syslog-rfc5424-tcp",
        "syslog-rfc5424-udp",
        "syslog-rfc3164",
        "atna",
        "other",
    ]
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
        Field(description="Stable event id, used as the RFC 5424 MSGID (1–32 printable ASCII)."),
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
    group_policy: bool | None = Field(
        default=None,
        description="True when the customer can push Active Directory group policies to it.",
    )
    required_groups: list[Text] = Field(
        default_factory=list,
        description="Directory groups, organisational units or policies the customer must "
        "create; a list you write is complete, an empty one says none are needed.",
    )


class Mfa(Section):
    supported: bool
    methods: list[str] = Field(default_factory=list)
    required_for: list[Identifier] = Field(default_factory=list, description="Role ids.")


class Sessions(Section):
    idle_timeout_minutes: int | None = None
    auto_logoff: bool = False
    emergency_access: str | None = Field(default=None, description="Break-glass access.")
    timeout_configurable: bool | None = Field(
        default=None, description="True when the customer can change the idle timeout."
    )


class PasswordPolicy(Section):
    min_length: int
    blocklist: bool = False
    complexity: str | None = None
    max_age_days: int | None = None
    history: int | None = None
    lockout: str | None = None
    configurable: bool | None = Field(
        default=None, description="True when the customer can set its own password rules."
    )


class DefaultAccount(Section):
    """An account that exists when the device is delivered (administrator, service…)."""

    name: Text = Field(description="Account name, e.g. 'root', 'service', 'admin'.")
    purpose: str | None = Field(default=None, description="What it is for and who uses it.")
    enabled_at_delivery: bool | None = Field(
        default=None, description="False when the manufacturer delivers it disabled or locked."
    )
    password_changeable: bool | None = Field(
        default=None, description="True when its password (or key) can be changed."
    )
    managed_by: Literal["customer", "manufacturer"] | None = Field(
        default=None, description="Who controls its password and whether it is enabled."
    )


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


class AuditedEvent(enum.StrEnum):
    """A kind of event recorded in the audit log (the MDS2 AUDT-2 list)."""

    LOGIN = "login"
    """Successful login and logout."""
    LOGIN_FAILURE = "login-failure"
    PRIVILEGE_CHANGE = "privilege-change"
    USER_MANAGEMENT = "user-management"
    """Creation, change and deletion of user accounts."""
    DATA_PRESENTATION = "data-presentation"
    """Display or printing of clinical or personal data."""
    DATA_CHANGE = "data-change"
    """Creation, change and deletion of clinical or personal data."""
    REMOVABLE_MEDIA = "removable-media"
    """Import or export of data on removable media."""
    NETWORK_TRANSFER = "network-transfer"
    """Receipt or transmission of data or commands over a network or cable."""
    SERVICE_SESSION = "service-session"
    """Remote or on-site service."""
    API_ACCESS = "api-access"
    EMERGENCY_ACCESS = "emergency-access"
    SOFTWARE_UPDATE = "software-update"
    CONFIGURATION_CHANGE = "configuration-change"


class AuditRecordField(enum.StrEnum):
    """A data attribute every audit record carries."""

    TIMESTAMP = "timestamp"
    EVENT = "event"
    OUTCOME = "outcome"
    USER_ID = "user-id"
    USER_NAME = "user-name"
    ROLE = "role"
    SOURCE_ADDRESS = "source-address"
    DEVICE_ID = "device-id"
    PATIENT_ID = "patient-id"
    OBJECT_ID = "object-id"
    """The record, study or file the event concerns."""


class Audit(Section):
    capabilities: list[Text] = Field(min_length=1)
    export: str | None = None
    recorded_events: list[AuditedEvent] = Field(
        default_factory=list,
        description="Kinds of events the audit log records; a list you write is complete.",
    )
    record_fields: list[AuditRecordField] = Field(
        default_factory=list,
        description="Attributes every audit record carries; a list you write is complete.",
    )
    owner_configurable: bool | None = Field(
        default=None, description="True when the customer can choose which events are recorded."
    )
    tamper_protected: bool | None = Field(
        default=None,
        description="True when nobody, administrators included, can change or delete records "
        "on the device.",
    )
    read_restricted: bool | None = Field(
        default=None, description="True when only authorised roles can read the audit log."
    )
    analysed_on_device: bool | None = Field(
        default=None, description="True when the device itself analyses its audit log."
    )


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
    unique_accounts: bool | None = Field(
        default=None,
        description="True when every user, service staff included, must log in with an "
        "individual account (break-glass access aside); False when some roles share a login "
        "or use the device without one.",
    )
    group_accounts: bool | None = Field(
        default=None, description="True when accounts shared by a team are supported."
    )
    default_accounts: list[DefaultAccount] = Field(
        default_factory=list,
        description="Accounts that exist at delivery; a list you write is complete, an empty "
        "one says there are none.",
    )
    owner_administrator: bool | None = Field(
        default=None,
        description="True when the customer can give itself unrestricted administrator rights "
        "(root, the local Administrator).",
    )
    kiosk_mode: bool | None = Field(
        default=None,
        description="True when users see only the product's application by default, without "
        "access to the operating system.",
    )
    record_level_access: bool | None = Field(
        default=None,
        description="True when access can be limited to particular patients, records or files, "
        "beyond roles.",
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


class MalwareNotification(enum.StrEnum):
    """Where a malware detection is reported."""

    USER_INTERFACE = "user-interface"
    LOG = "log"
    MANAGEMENT_CONSOLE = "management-console"


class EndpointProtection(Section):
    product: Text
    version: str | None = None
    validated: bool
    configuration: str | None = None
    preinstalled: bool | None = Field(
        default=None,
        description="True when the product ships with it installed; False when the customer "
        "installs it.",
    )
    customer_configurable: bool | None = Field(
        default=None, description="True when the customer may change its settings itself."
    )
    notifications: list[MalwareNotification] = Field(
        default_factory=list,
        description="Where detections are reported; a list you write is complete.",
    )


class HostFirewall(Section):
    enabled: bool = Field(description="True when the device filters traffic itself.")
    ruleset: str | None = Field(
        default=None, description="Where its ruleset is documented, or the ruleset in brief."
    )


class BootProtection(Section):
    secure_boot: bool | None = Field(
        default=None,
        description="True when the device starts only manufacturer-signed software (UEFI "
        "Secure Boot, verified boot).",
    )
    blocks_removable_media_boot: bool | None = Field(
        default=None,
        description="True when the device can refuse to boot from USB drives, discs or other "
        "uncontrolled media.",
    )
    protects_bootloader: bool | None = Field(
        default=None,
        description="True when BIOS/UEFI setup and the boot loader cannot be reached during "
        "boot without a password.",
    )


class AllowListing(Section):
    enforced: bool = Field(
        description="True when, as delivered, only allowed software can run on the device."
    )
    mechanism: str | None = Field(
        default=None, description="e.g. 'Windows Defender Application Control', 'fapolicyd'."
    )


class HostIntrusionDetection(Section):
    built_in: bool = Field(description="True when the device runs a host-based IDS/IPS.")
    product: str | None = Field(default=None, description="Which one, e.g. 'AIDE'.")
    customer_configurable: bool | None = Field(
        default=None, description="True when the customer can configure the built-in one."
    )
    customer_installable: bool | None = Field(
        default=None, description="True when the customer may install one of its own."
    )


class PhysicalSecurity(Section):
    tools_required: bool | None = Field(
        default=None,
        description="True when no component holding personal data (removable media aside) "
        "can be removed without tools.",
    )
    keyed_lock: bool | None = Field(
        default=None,
        description="True when those components are behind an individually keyed lock.",
    )
    removable_media_lock: bool | None = Field(
        default=None,
        description="True when the customer can lock access to removable media.",
    )
    storage_removable_by_service: bool | None = Field(
        default=None,
        description="True when a service technician can take out the internal storage media "
        "(for separate destruction or to keep them).",
    )
    external_cables: bool | None = Field(
        default=None,
        description="True when the product consists of parts connected by external cables.",
    )
    tool_free_installation: bool | None = Field(
        default=None,
        description="True when someone at the device can add software or hardware without tools.",
    )


class Hardening(Section):
    secure_by_default: str | None = None
    measures: list[HardeningMeasure] = Field(default_factory=list)
    endpoint_protection: list[EndpointProtection] = Field(default_factory=list)
    standards: list[Text] = Field(
        default_factory=list,
        description="Hardening standards applied, e.g. 'CIS Benchmark level 1', 'DISA STIG'; "
        "an empty list you write says none.",
    )
    host_firewall: HostFirewall | None = Field(
        default=None, description="The device's own packet filter."
    )
    boot: BootProtection | None = Field(
        default=None, description="What protects the start of the device."
    )
    allow_listing: AllowListing | None = Field(
        default=None, description="Application allow-listing."
    )
    host_intrusion_detection: HostIntrusionDetection | None = Field(
        default=None, description="Host-based intrusion detection or prevention."
    )
    physical: PhysicalSecurity | None = Field(
        default=None, description="Physical security of the hardware (not for SaMD)."
    )
    unneeded_software_removed: bool | None = Field(
        default=None,
        description="True when applications not needed for the intended use, those included "
        "with the operating system too, are removed or disabled.",
    )
    owner_integrity_check: str | None = Field(
        default=None,
        description="How the customer can verify that the installed software is unmodified.",
    )
    scanning_guidance: str | None = Field(
        default=None,
        description="What the customer should know before scanning the device with network "
        "security scanners.",
    )


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
    third_party_end_of_life: str | None = Field(
        default=None,
        description="How third-party components that reach end of life are handled.",
    )


class OwnerInstalledSoftware(enum.StrEnum):
    """Which third-party software the customer may install on the device."""

    NOT_ALLOWED = "not-allowed"
    APPROVED_LIST = "approved-list"
    """Only software on the manufacturer's approved list."""
    ANY = "any"


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
    automatic: bool | None = Field(
        default=None,
        description="True when the device installs updates without a person approving each "
        "installation.",
    )
    owner_installed_software: OwnerInstalledSoftware | None = Field(
        default=None, description="Which third-party software the customer may install."
    )
    review_cycle: str | None = Field(
        default=None,
        description="How often new third-party updates are reviewed for the product, e.g. "
        "'monthly, within 30 days of Patch Tuesday'.",
    )


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


class DataBackup(Section):
    """The device's own backup of its data (configuration backup is users.configuration_backup)."""

    to_removable_media: bool | None = Field(
        default=None, description="True when the device can back up data to removable media."
    )
    to_remote_storage: bool | None = Field(
        default=None, description="True when the device can back up data to remote storage."
    )
    integrity_checked: bool | None = Field(
        default=None,
        description="True when the integrity and authenticity of a backup can be checked.",
    )
    description: str | None = Field(default=None, description="How backups are made and checked.")


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
    data_backup: DataBackup | None = Field(
        default=None, description="The device's own backup of its data."
    )
    repair_after_malware: Literal["manufacturer-authorized", "customer"] | None = Field(
        default=None,
        description="Who may repair the device after malware was found: only "
        "manufacturer-authorized service, or the customer's own staff too.",
    )


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
