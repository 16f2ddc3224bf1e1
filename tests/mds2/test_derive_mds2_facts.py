"""The facts PSP v1 gained for the MDS2: each question they answer, case by case.

Each row changes the small test profile of ``conftest.py`` and says which answer a
question must get and which profile field it must cite; ``None`` means the profile does
not say, and the question stays for manual entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from medsec.errors import DocumentError
from medsec.mds2.answers import Choice
from medsec.profiles.loader import load_profile_text
from medsec.profiles.psp import EXAMPLE_MINIMAL

YES, NO, NA, SEE = Choice.YES, Choice.NO, Choice.NA, Choice.SEE_NOTE
REMOTE = {"methods": [{"id": "vpn", "description": "Customer-approved VPN session."}]}
PLAIN_COPY = {"category": "vitals", "location": "Log partition", "encrypted_at_rest": False}
ENDPOINT_PROTECTION = [
    {"product": "Defender", "validated": True, "configuration": "Exclude /data."}
]

OS = {"operating_system": {"name": "Zephyr RTOS", "version": "3.6"}}
SAMD_OS = {"operating_system": {"name": "RHEL", "provided_by": "manufacturer"}}
CUSTOMER_OS = {"operating_system": {"name": "Windows Server 2022", "provided_by": "customer"}}
CONFIG = {"id": "cfg", "name": "Configuration", "kind": "configuration", "sensitivity": "low"}
ACCOUNTS = [
    {
        "name": "admin",
        "enabled_at_delivery": True,
        "password_changeable": True,
        "managed_by": "customer",
    },
    {
        "name": "factory-service",
        "enabled_at_delivery": False,
        "password_changeable": False,
        "managed_by": "manufacturer",
    },
]
AUDIT = {
    "capabilities": ["Logins"],
    "recorded_events": ["login", "software-update"],
    "record_fields": ["timestamp", "user-id"],
    "owner_configurable": True,
    "tamper_protected": False,
    "read_restricted": True,
    "analysed_on_device": False,
}
PROTECTION = [
    {
        "product": "Defender",
        "validated": True,
        "preinstalled": True,
        "customer_configurable": False,
        "notifications": ["user-interface", "log"],
    },
    {
        "product": "Trellix",
        "validated": True,
        "preinstalled": False,
        "customer_configurable": False,
        "notifications": ["management-console"],
    },
]
METHOD = {"id": "vpn", "description": "Customer-approved VPN session."}
SBOM = {"format": "cyclonedx", "component_fields": ["name", "version"]}
BACKUP = {"to_removable_media": False, "to_remote_storage": True, "integrity_checked": True}

# (what the case shows, profile changes, question, expected answer, a field it must cite)
CASES: list[tuple[str, list[tuple[str, Any]], str, Choice | None, str | None]] = [
    # ------------------------------------------------------------ product.platform (CSUP, MLDP)
    (
        "operating system",
        [("product.platform", OS)],
        "CSUP-2",
        YES,
        "product.platform.operating_system.name",
    ),
    (
        "bare metal",
        [("product.platform", {"bare_metal": True})],
        "CSUP-2",
        NO,
        "product.platform.bare_metal",
    ),
    (
        "bare metal: operating-system patching N/A",
        [("product.platform", {"bare_metal": True})],
        "CSUP-2.1",
        NA,
        "product.platform.bare_metal",
    ),
    (
        "an OS the customer provides is not the device's",
        [("product.platform", CUSTOMER_OS)],
        "CSUP-2",
        None,
        None,
    ),
    ("platform unstated", [], "CSUP-2", None, None),
    (
        "COTS listed",
        [("product.platform", {"cots": [{"name": "SQLite", "version": "3.45"}]})],
        "CSUP-5",
        YES,
        "product.platform.cots",
    ),
    (
        "COTS written empty",
        [("product.platform", {"cots": []})],
        "CSUP-5",
        NO,
        "product.platform.cots",
    ),
    (
        "no COTS: its patching N/A",
        [("product.platform", {"cots": []})],
        "CSUP-5.3",
        NA,
        "product.platform.cots",
    ),
    (
        "no other software",
        [("product.platform", {"other_software": []})],
        "CSUP-6",
        NO,
        "product.platform.other_software",
    ),
    (
        "software only, but firmware listed",
        [("product.samd", True), ("product.platform", {"firmware": [{"name": "UEFI"}]})],
        "CSUP-3",
        YES,
        "product.platform.firmware",
    ),
    (
        "an OS hosts executable software",
        [("product.platform", OS)],
        "MLDP-1",
        YES,
        "product.platform.operating_system.name",
    ),
    (
        "SaMD with its own OS",
        [("product.samd", True), ("product.platform", SAMD_OS)],
        "DOC-11.1",
        YES,
        "product.platform.operating_system.provided_by",
    ),
    (
        "SaMD with its own OS: not the owner's",
        [("product.samd", True), ("product.platform", SAMD_OS)],
        "DOC-11.2",
        NO,
        "product.platform.operating_system.provided_by",
    ),
    (
        "SaMD on the customer's OS",
        [("product.samd", True), ("product.platform", CUSTOMER_OS)],
        "DOC-11.2",
        YES,
        "product.platform.operating_system.provided_by",
    ),
    (
        "SaMD hosted by the customer",
        [("product.samd", True), ("product.hosted_by", ["customer"])],
        "DOC-11.4",
        YES,
        "product.hosted_by",
    ),
    (
        "SaMD not hosted by the manufacturer",
        [("product.samd", True), ("product.hosted_by", ["customer"])],
        "DOC-11.3",
        NO,
        "product.hosted_by",
    ),
    (
        "hardware device: hosting N/A",
        [("product.hosted_by", ["customer"])],
        "DOC-11.4",
        NA,
        "product.samd",
    ),
    # ------------------------------------------------------------ product.secure_development
    (
        "secure development standard",
        [("product.secure_development", {"standards": ["IEC 62304"]})],
        "RDMP-1",
        YES,
        "product.secure_development.standards",
    ),
    (
        "no standard, written empty",
        [("product.secure_development", {"standards": []})],
        "RDMP-1",
        NO,
        "product.secure_development.standards",
    ),
    (
        "certification",
        [("product.secure_development", {"certifications": ["UL 2900-2-1"]})],
        "SAHD-2",
        YES,
        "product.secure_development.certifications",
    ),
    (
        "no certification, written empty",
        [("product.secure_development", {"certifications": []})],
        "SAHD-2",
        NO,
        "product.secure_development.certifications",
    ),
    (
        "certifications unwritten",
        [("product.secure_development", {"standards": ["IEC 62304"]})],
        "SAHD-2",
        None,
        None,
    ),
    (
        "third-party components evaluated",
        [("product.secure_development", {"third_party_evaluation": "Reviewed before use."})],
        "RDMP-2",
        YES,
        "product.secure_development.third_party_evaluation",
    ),
    (
        "component end-of-life plan",
        [("updates.lifecycle", {"third_party_end_of_life": "Replaced a year before."})],
        "RDMP-4",
        YES,
        "updates.lifecycle.third_party_end_of_life",
    ),
    # ------------------------------------------------------------ network
    (
        "APIs listed",
        [("network.apis", [{"name": "REST API", "service": "hl7"}])],
        "CONN-5",
        YES,
        "network.apis",
    ),
    ("APIs written empty", [("network.apis", [])], "CONN-5", NO, "network.apis"),
    ("APIs unstated", [], "CONN-5", None, None),
    (
        "TLS configurable",
        [("network.tls_configurable", True)],
        "CONN-7.1",
        YES,
        "network.tls_configurable",
    ),
    (
        "no TLS: its configuration N/A",
        [
            ("network.services[0].encryption", "none"),
            ("data.flows[0].encryption", "none"),
            ("network.tls_configurable", True),
        ],
        "CONN-7.1",
        NA,
        "network.services",
    ),
    (
        "no remote operation",
        [("network.remote_operation", False)],
        "CONN-8",
        NO,
        "network.remote_operation",
    ),
    (
        "personal data over a proprietary protocol",
        [("network.services[0].proprietary", True)],
        "MPII-3.9",
        YES,
        "network.services[0].proprietary",
    ),
    (
        "personal data over a standard protocol",
        [("network.services[0].proprietary", False)],
        "MPII-3.9",
        NO,
        "network.services[0].proprietary",
    ),
    ("protocol kind unstated", [], "MPII-3.9", None, None),
    (
        "host firewall",
        [("hardening.host_firewall", {"enabled": True})],
        "NAUT-2",
        YES,
        "hardening.host_firewall.enabled",
    ),
    (
        "firewall ruleset published",
        [("hardening.host_firewall", {"enabled": True, "ruleset": "Guide, appendix B."})],
        "NAUT-2.1",
        YES,
        "hardening.host_firewall.ruleset",
    ),
    (
        "no host firewall: an allow-list may still exist",
        [("hardening.host_firewall", {"enabled": False})],
        "NAUT-2",
        None,
        None,
    ),
    # ------------------------------------------------------------ remote service
    (
        "remote session shown on the device",
        [("network.remote_access", {"methods": [{**METHOD, "session_indicator": True}]})],
        "RMOT-1.2",
        YES,
        "network.remote_access.methods[0].session_indicator",
    ),
    (
        "one of two methods without an indicator",
        [
            (
                "network.remote_access",
                {
                    "methods": [
                        {**METHOD, "session_indicator": True},
                        {**METHOD, "id": "modem", "session_indicator": False},
                    ]
                },
            )
        ],
        "RMOT-1.2",
        SEE,
        "network.remote_access.methods[1].session_indicator",
    ),
    (
        "patient data visible in a session",
        [("network.remote_access", {"methods": [{**METHOD, "patient_data_visible": True}]})],
        "RMOT-1.3",
        YES,
        "network.remote_access.methods[0].patient_data_visible",
    ),
    (
        "predictive maintenance",
        [
            (
                "network.remote_access",
                {"methods": [{**METHOD, "purposes": ["predictive-maintenance"]}]},
            )
        ],
        "RMOT-2",
        YES,
        "network.remote_access.methods[0].purposes",
    ),
    (
        "repair only: no predictive maintenance",
        [("network.remote_access", {"methods": [{**METHOD, "purposes": ["repair"]}]})],
        "RMOT-2",
        NO,
        "network.remote_access.methods[0].purposes",
    ),
    ("purposes unstated", [("network.remote_access", REMOTE)], "RMOT-2", None, None),
    # ------------------------------------------------------------ data.storage
    (
        "kept until erased",
        [("data.storage[0].deletion", "until-erased")],
        "MPII-2.3",
        YES,
        "data.storage[0].deletion",
    ),
    (
        "ring buffer: not kept until erased",
        [("data.storage[0].deletion", "overwritten")],
        "MPII-2.3",
        NO,
        "data.storage[0].deletion",
    ),
    ("deletion unstated", [], "MPII-2.3", None, None),
    (
        "a second store without deletion leaves it open",
        [("data.storage[0].deletion", "overwritten"), ("data.storage[1]", PLAIN_COPY)],
        "MPII-2.3",
        None,
        None,
    ),
    (
        "no personal data stored: nothing kept",
        [("data.categories[1]", CONFIG), ("data.storage[0].category", "cfg")],
        "MPII-2.3",
        NO,
        "data.storage",
    ),
    (
        "no personal data stored: auto-deletion N/A",
        [("data.categories[1]", CONFIG), ("data.storage[0].category", "cfg")],
        "MPII-2.5",
        NA,
        "data.storage",
    ),
    (
        "deleted once archived",
        [("data.storage[0].deletion", "after-archiving")],
        "MPII-2.5",
        YES,
        "data.storage[0].deletion",
    ),
    (
        "kept in a database",
        [("data.storage[0].database", True)],
        "MPII-2.4",
        YES,
        "data.storage[0].database",
    ),
    (
        "database on the device",
        [("data.storage[0].database", True), ("data.storage[0].external", False)],
        "STCF-3",
        YES,
        "data.storage[0].external",
    ),
    (
        "database on the device: none outside",
        [("data.storage[0].database", True), ("data.storage[0].external", False)],
        "STCF-4",
        NO,
        "data.storage[0].external",
    ),
    (
        "not a database",
        [("data.storage[0].database", False)],
        "STCF-3",
        NO,
        "data.storage[0].database",
    ),
    (
        "a database, place unstated",
        [("data.storage[0].database", True)],
        "STCF-3",
        None,
        None,
    ),
    (
        "separate data partition",
        [("data.storage[0].separate_from_system", True)],
        "MPII-2.9",
        YES,
        "data.storage[0].separate_from_system",
    ),
    (
        "long-term primary store",
        [("data.storage[0].long_term", True)],
        "DTBK-1",
        YES,
        "data.storage[0].long_term",
    ),
    (
        "every store checked for changes",
        [("data.storage[0].integrity_checked", True)],
        "IGAU-1",
        YES,
        "data.storage[0].integrity_checked",
    ),
    (
        "one of two stores checked for changes",
        [
            ("data.storage[0].integrity_checked", True),
            ("data.storage[1]", {**PLAIN_COPY, "integrity_checked": False}),
        ],
        "IGAU-1",
        SEE,
        "data.storage[1].integrity_checked",
    ),
    (
        "no redundancy",
        [("data.storage[0].redundant", False)],
        "IGAU-2",
        NO,
        "data.storage[0].redundant",
    ),
    (
        "storage removable by service",
        [("hardening.physical", {"storage_removable_by_service": True})],
        "MPII-2.8",
        YES,
        "hardening.physical.storage_removable_by_service",
    ),
    # ------------------------------------------------------------ data: presentation, channels
    (
        "displays personal data",
        [("data.displays_personal_data", True)],
        "MPII-3.1",
        YES,
        "data.displays_personal_data",
    ),
    (
        "prints none",
        [("data.prints_personal_data", False)],
        "MPII-3.2",
        NO,
        "data.prints_personal_data",
    ),
    (
        "no personal data: display N/A",
        [("data.categories[0].kind", "logs"), ("data.displays_personal_data", True)],
        "MPII-3.1",
        NA,
        "data.categories",
    ),
    (
        "barcode reader: another channel",
        [("data.other_personal_data_channels", [{"kind": "barcode", "description": "Wristband"}])],
        "MPII-3.10",
        YES,
        "data.other_personal_data_channels[0].kind",
    ),
    (
        "barcode reader: no document scanning",
        [("data.other_personal_data_channels", [{"kind": "barcode", "description": "Wristband"}])],
        "MPII-3.8",
        NO,
        "data.other_personal_data_channels",
    ),
    (
        "document scanner",
        [
            (
                "data.other_personal_data_channels",
                [{"kind": "document-scanning", "description": "Consent forms"}],
            )
        ],
        "MPII-3.8",
        YES,
        "data.other_personal_data_channels[0].kind",
    ),
    (
        "no other channels, written empty",
        [("data.other_personal_data_channels", [])],
        "MPII-3.10",
        NO,
        "data.other_personal_data_channels",
    ),
    ("other channels unstated", [], "MPII-3.10", None, None),
    (
        "DICOM de-identification",
        [("data.de_identification", {"supported": True, "dicom_ps3_15": True})],
        "DIDT-1.1",
        YES,
        "data.de_identification.dicom_ps3_15",
    ),
    (
        "no de-identification: DICOM profiles N/A",
        [("data.de_identification", {"supported": False})],
        "DIDT-1.1",
        NA,
        "data.de_identification.supported",
    ),
    (
        "encryption instructions",
        [("data.encryption_at_rest", {"instructions": "Security guide §5."})],
        "STCF-1.3",
        YES,
        "data.encryption_at_rest.instructions",
    ),
    (
        "keys cannot be changed",
        [("data.encryption_at_rest", {"keys_changeable": False})],
        "STCF-2",
        NO,
        "data.encryption_at_rest.keys_changeable",
    ),
    # ------------------------------------------------------------ monitoring.sbom
    (
        "SBOM without suppliers",
        [("monitoring.sbom", SBOM)],
        "SBOM-2.2",
        NO,
        "monitoring.sbom.component_fields",
    ),
    (
        "SBOM with versions",
        [("monitoring.sbom", SBOM)],
        "SBOM-2.3",
        YES,
        "monitoring.sbom.component_fields",
    ),
    (
        "SBOM without further elements",
        [("monitoring.sbom", SBOM)],
        "SBOM-2.4",
        NO,
        "monitoring.sbom.component_fields",
    ),
    (
        "SBOM with hashes",
        [("monitoring.sbom", {**SBOM, "component_fields": ["name", "hashes"]})],
        "SBOM-2.4",
        YES,
        "monitoring.sbom.component_fields",
    ),
    (
        "components listed on the device",
        [("monitoring.sbom", {**SBOM, "on_device_listing": "Menu > About > Components"})],
        "SBOM-3",
        YES,
        "monitoring.sbom.on_device_listing",
    ),
    (
        "SBOM update process",
        [("monitoring.sbom", {**SBOM, "update_process": "With every release."})],
        "SBOM-4",
        YES,
        "monitoring.sbom.update_process",
    ),
    # ------------------------------------------------------------ users
    (
        "timeout configurable",
        [("users.sessions", {"auto_logoff": True, "timeout_configurable": True})],
        "ALOF-2",
        YES,
        "users.sessions.timeout_configurable",
    ),
    (
        "AD without group policies",
        [("users.administration", {"central": ["active-directory"], "group_policy": False})],
        "AUTH-1.2",
        NO,
        "users.administration.group_policy",
    ),
    (
        "special groups required",
        [("users.administration", {"central": ["ldap"], "required_groups": ["PACS-Users"]})],
        "AUTH-1.3",
        YES,
        "users.administration.required_groups",
    ),
    (
        "no special groups, written empty",
        [("users.administration", {"central": ["ldap"], "required_groups": []})],
        "AUTH-1.3",
        NO,
        "users.administration.required_groups",
    ),
    (
        "customer can become root",
        [("users.owner_administrator", True)],
        "AUTH-3",
        YES,
        "users.owner_administrator",
    ),
    ("kiosk mode", [("users.kiosk_mode", True)], "AUTH-5", YES, "users.kiosk_mode"),
    (
        "patient-level access control",
        [("users.record_level_access", True)],
        "SAHD-5",
        YES,
        "users.record_level_access",
    ),
    (
        "own password rules",
        [("users.password_policy", {"min_length": 12, "configurable": True})],
        "PAUT-6",
        YES,
        "users.password_policy.configurable",
    ),
    (
        "some roles work without a login",
        [("users.unique_accounts", False)],
        "PAUT-1",
        NO,
        "users.unique_accounts",
    ),
    (
        "some roles work without a login: not enforced",
        [("users.unique_accounts", False)],
        "PAUT-1.1",
        NO,
        "users.unique_accounts",
    ),
    ("no team accounts", [("users.group_accounts", False)], "PAUT-13", NO, "users.group_accounts"),
    (
        "default accounts listed",
        [("users.default_accounts", ACCOUNTS)],
        "PAUT-4",
        YES,
        "users.default_accounts",
    ),
    (
        "no default accounts, written empty",
        [("users.default_accounts", [])],
        "SGUD-3",
        YES,
        "users.default_accounts",
    ),
    ("default accounts unstated", [], "PAUT-4", None, None),
    (
        "one password cannot be changed",
        [("users.default_accounts", ACCOUNTS)],
        "PAUT-5",
        NO,
        "users.default_accounts[1].password_changeable",
    ),
    (
        "the manufacturer controls one account",
        [("users.default_accounts", ACCOUNTS)],
        "SGUD-3.1",
        NO,
        "users.default_accounts[1].managed_by",
    ),
    (
        "an account disabled at delivery",
        [("users.default_accounts", ACCOUNTS)],
        "SAHD-6",
        YES,
        "users.default_accounts[1].enabled_at_delivery",
    ),
    (
        "every account enabled: restriction left open",
        [("users.default_accounts", ACCOUNTS[:1])],
        "SAHD-6",
        None,
        None,
    ),
    (
        "an account the customer manages",
        [("users.default_accounts", ACCOUNTS)],
        "SAHD-6.1",
        YES,
        "users.default_accounts[0].managed_by",
    ),
    # ------------------------------------------------------------ users.audit
    (
        "listed event kinds: privilege changes not recorded",
        [("users.audit", AUDIT)],
        "AUDT-2.3",
        NO,
        "users.audit.recorded_events",
    ),
    (
        "listed event kinds: updates recorded",
        [("users.audit", AUDIT)],
        "AUDT-2.10",
        YES,
        "users.audit.recorded_events[1]",
    ),
    (
        "a capability naming an event beats a shorter list",
        [("users.audit", {**AUDIT, "capabilities": ["Emergency access"]})],
        "AUDT-2.9",
        YES,
        "users.audit.capabilities[0]",
    ),
    ("user id recorded", [("users.audit", AUDIT)], "AUDT-1.1", YES, "users.audit.record_fields"),
    (
        "no other personal data in records",
        [("users.audit", AUDIT)],
        "AUDT-1.2",
        NO,
        "users.audit.record_fields",
    ),
    (
        "patient id in records",
        [("users.audit", {**AUDIT, "record_fields": ["timestamp", "patient-id"]})],
        "AUDT-1.2",
        YES,
        "users.audit.record_fields",
    ),
    (
        "record attributes listed",
        [("users.audit", AUDIT)],
        "AUDT-4",
        YES,
        "users.audit.record_fields",
    ),
    (
        "timestamp in records",
        [("users.audit", AUDIT)],
        "AUDT-4.1",
        YES,
        "users.audit.record_fields",
    ),
    (
        "owner selects events",
        [("users.audit", AUDIT)],
        "AUDT-3",
        YES,
        "users.audit.owner_configurable",
    ),
    (
        "records can be modified",
        [("users.audit", AUDIT)],
        "AUDT-7",
        NO,
        "users.audit.tamper_protected",
    ),
    (
        "reading restricted",
        [("users.audit", AUDIT)],
        "AUDT-7.1",
        YES,
        "users.audit.read_restricted",
    ),
    (
        "not analysed on the device",
        [("users.audit", AUDIT)],
        "AUDT-8",
        NO,
        "users.audit.analysed_on_device",
    ),
    ("audit flags unstated", [("users.audit", {"capabilities": ["Logins"]})], "AUDT-7", None, None),
    # ------------------------------------------------------------ hardening
    (
        "hardening standard",
        [("hardening.standards", ["CIS Benchmark level 1"])],
        "SAHD-1",
        YES,
        "hardening.standards",
    ),
    ("no hardening standard", [("hardening.standards", [])], "SAHD-1", NO, "hardening.standards"),
    (
        "secure boot",
        [("hardening.boot", {"secure_boot": True})],
        "SAHD-3.1",
        YES,
        "hardening.boot.secure_boot",
    ),
    (
        "enforced allow-listing: only authorized software",
        [("hardening.allow_listing", {"enforced": True, "mechanism": "WDAC"})],
        "SAHD-3.1",
        YES,
        "hardening.allow_listing.enforced",
    ),
    (
        "enforced allow-listing blocks unapproved software",
        [("hardening.allow_listing", {"enforced": True})],
        "CSUP-10.1",
        YES,
        "hardening.allow_listing.enforced",
    ),
    (
        "no allow-listing",
        [("hardening.allow_listing", {"enforced": False})],
        "MLDP-4",
        NO,
        "hardening.allow_listing.enforced",
    ),
    (
        "owner can check integrity",
        [("hardening.owner_integrity_check", "Service > Verify software.")],
        "SAHD-4",
        YES,
        "hardening.owner_integrity_check",
    ),
    (
        "unneeded software removed",
        [("hardening.unneeded_software_removed", True)],
        "SAHD-10",
        YES,
        "hardening.unneeded_software_removed",
    ),
    (
        "boots from USB",
        [("hardening.boot", {"blocks_removable_media_boot": False})],
        "SAHD-11",
        NO,
        "hardening.boot.blocks_removable_media_boot",
    ),
    (
        "scanning guidance",
        [("hardening.scanning_guidance", "Scan outside clinical use.")],
        "SAHD-13",
        YES,
        "hardening.scanning_guidance",
    ),
    (
        "boot loader protected",
        [("hardening.boot", {"protects_bootloader": True})],
        "SAHD-15",
        YES,
        "hardening.boot.protects_bootloader",
    ),
    (
        "no host IDS",
        [("hardening.host_intrusion_detection", {"built_in": False})],
        "MLDP-5",
        NO,
        "hardening.host_intrusion_detection.built_in",
    ),
    (
        "no host IDS: its configuration N/A",
        [("hardening.host_intrusion_detection", {"built_in": False})],
        "MLDP-5.1",
        NA,
        "hardening.host_intrusion_detection.built_in",
    ),
    (
        "customer may install a host IDS",
        [("hardening.host_intrusion_detection", {"built_in": False, "customer_installable": True})],
        "MLDP-5.2",
        YES,
        "hardening.host_intrusion_detection.customer_installable",
    ),
    (
        "parts need tools to remove",
        [("hardening.physical", {"tools_required": True})],
        "PLOK-2",
        YES,
        "hardening.physical.tools_required",
    ),
    (
        "no keyed lock",
        [("hardening.physical", {"keyed_lock": False})],
        "PLOK-3",
        NO,
        "hardening.physical.keyed_lock",
    ),
    (
        "software only: locks N/A even when stated",
        [("product.samd", True), ("hardening.physical", {"keyed_lock": True})],
        "PLOK-3",
        NA,
        "product.samd",
    ),
    (
        "parts joined by external cables",
        [("hardening.physical", {"external_cables": True})],
        "TXIG-2",
        YES,
        "hardening.physical.external_cables",
    ),
    (
        "nothing installable without tools",
        [("hardening.physical", {"tool_free_installation": False})],
        "SAHD-12",
        NO,
        "hardening.physical.tool_free_installation",
    ),
    # ------------------------------------------------------------ endpoint protection
    (
        "a preinstalled product: anti-malware inside",
        [("hardening.endpoint_protection", PROTECTION)],
        "CSUP-4",
        YES,
        "hardening.endpoint_protection[0].preinstalled",
    ),
    (
        "only customer-installed products: none inside",
        [("hardening.endpoint_protection", PROTECTION[1:])],
        "CSUP-4",
        NO,
        "hardening.endpoint_protection[0].preinstalled",
    ),
    (
        "anti-malware included",
        [("hardening.endpoint_protection", PROTECTION)],
        "MLDP-2.1",
        YES,
        "hardening.endpoint_protection[0].preinstalled",
    ),
    (
        "settings fixed by the manufacturer",
        [("hardening.endpoint_protection", PROTECTION)],
        "MLDP-2.4",
        NO,
        "hardening.endpoint_protection[1].customer_configurable",
    ),
    (
        "detections shown on screen",
        [("hardening.endpoint_protection", PROTECTION)],
        "MLDP-2.5",
        YES,
        "hardening.endpoint_protection[0].notifications",
    ),
    (
        "detections not logged by any product",
        [("hardening.endpoint_protection", PROTECTION[1:])],
        "MLDP-2.7",
        NO,
        "hardening.endpoint_protection[0].notifications",
    ),
    (
        "notifications unlisted",
        [("hardening.endpoint_protection", ENDPOINT_PROTECTION)],
        "MLDP-2.5",
        None,
        None,
    ),
    (
        "only the manufacturer repairs after malware",
        [
            ("hardening.endpoint_protection", ENDPOINT_PROTECTION),
            ("recovery.repair_after_malware", "manufacturer-authorized"),
        ],
        "MLDP-2.6",
        YES,
        "recovery.repair_after_malware",
    ),
    # ------------------------------------------------------------ updates, recovery
    ("no automatic updates", [("updates.automatic", False)], "CSUP-8", NO, "updates.automatic"),
    (
        "no third-party software allowed: no approved list",
        [("updates.owner_installed_software", "not-allowed")],
        "CSUP-9",
        NO,
        "updates.owner_installed_software",
    ),
    (
        "owner installs approved software",
        [("updates.owner_installed_software", "approved-list")],
        "CSUP-10",
        YES,
        "updates.owner_installed_software",
    ),
    (
        "update review cycle",
        [("updates.review_cycle", "Monthly.")],
        "CSUP-11.2",
        YES,
        "updates.review_cycle",
    ),
    (
        "no backup to removable media",
        [("recovery.data_backup", BACKUP)],
        "DTBK-3",
        NO,
        "recovery.data_backup.to_removable_media",
    ),
    (
        "backup to remote storage",
        [("recovery.data_backup", BACKUP)],
        "DTBK-4",
        YES,
        "recovery.data_backup.to_remote_storage",
    ),
    (
        "backups checked",
        [("recovery.data_backup", BACKUP)],
        "DTBK-6",
        YES,
        "recovery.data_backup.integrity_checked",
    ),
]


@pytest.mark.parametrize(
    ("changes", "question", "expected", "cited"),
    [pytest.param(c, q, e, s, id=f"{q}: {name}") for name, c, q, e, s in CASES],
)
def test_derivation(
    check_derivation: Callable[..., None],
    changes: list[tuple[str, Any]],
    question: str,
    expected: Choice | None,
    cited: str | None,
) -> None:
    check_derivation(changes, question, expected, cited)


def test_a_platform_cannot_be_bare_metal_and_name_an_operating_system() -> None:
    """CSUP-2 reads either fact; a profile that states both is refused where it says so."""
    text = EXAMPLE_MINIMAL.replace(
        '  version: "1.0"\n',
        '  version: "1.0"\n'
        "  platform:\n"
        "    bare_metal: true\n"
        "    operating_system: {name: Zephyr RTOS}\n",
    )
    with pytest.raises(DocumentError) as caught:
        load_profile_text(text, "both.yaml")
    assert "both.yaml:6:3: product.platform: " in caught.value.diagnostics()
    assert "keep one of them" in caught.value.diagnostics()
