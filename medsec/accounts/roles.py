"""Roles and the permissions they grant — declared once, here.

Every route and service asks for a :class:`Permission`; :data:`ROLE_PERMISSIONS` says which
roles hold it. ``docs/roles.md`` is checked against this table by a test.

>>> Permission.AUDIT_READ in ROLE_PERMISSIONS[Role.AUDITOR]
True
>>> Permission.USERS_MANAGE in ROLE_PERMISSIONS[Role.AUDITOR]
False
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    PRODUCT_SECURITY_OFFICER = "product-security-officer"
    SECURITY_ANALYST = "security-analyst"
    CLINICAL_ENGINEER = "clinical-engineer"
    AUDITOR = "auditor"
    REPORTER = "reporter"


class OrganizationKind(enum.StrEnum):
    MANUFACTURER = "manufacturer"
    HEALTHCARE_PROVIDER = "healthcare-provider"
    BOTH = "both"

    @property
    def is_manufacturer(self) -> bool:
        return self in (OrganizationKind.MANUFACTURER, OrganizationKind.BOTH)

    @property
    def is_provider(self) -> bool:
        return self in (OrganizationKind.HEALTHCARE_PROVIDER, OrganizationKind.BOTH)


class Permission(enum.StrEnum):
    """What an action needs. Names are ``subject:verb``."""

    ORGANIZATION_READ = "organization:read"
    ORGANIZATION_MANAGE = "organization:manage"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    AUDIT_READ = "audit:read"
    PRODUCTS_READ = "products:read"
    PRODUCTS_WRITE = "products:write"
    PRODUCTS_PUBLISH = "products:publish"
    HOLDINGS_MANAGE = "holdings:manage"
    UPDATES_WRITE = "updates:write"
    UPDATES_PUBLISH = "updates:publish"
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    #: The only scope a device's or a manufacturer server's token needs.
    INVENTORY_REPORT_IDENTITY = "inventory:report-identity"
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    TRAINING_ATTEST = "training:attest"
    TRAINING_READ = "training:read"
    TRAINING_MANAGE = "training:manage"
    RISK_READ = "risk:read"
    RISK_WRITE = "risk:write"
    TOKENS_OWN = "tokens:own"
    REPORTS_SUBMIT = "reports:submit"
    DISCLOSURE_TRIAGE = "disclosure:triage"
    #: Record a triage decision on a vulnerability finding of the hospital's devices.
    FINDINGS_TRIAGE = "findings:triage"


_READ_ONLY = frozenset(
    {Permission.ORGANIZATION_READ, Permission.PRODUCTS_READ, Permission.TOKENS_OWN}
)
#: Hospital staff who keep the device inventory (and issue identity-report tokens).
_INVENTORY = frozenset(
    {
        Permission.INVENTORY_READ,
        Permission.INVENTORY_WRITE,
        Permission.INVENTORY_REPORT_IDENTITY,
    }
)

#: Incident cases between a hospital and a manufacturer.
_CASES = frozenset({Permission.CASES_READ, Permission.CASES_WRITE})
#: Hospital staff who assess the risk of integration points.
_RISK = frozenset({Permission.RISK_READ, Permission.RISK_WRITE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - {Permission.REPORTS_SUBMIT},
    Role.PRODUCT_SECURITY_OFFICER: _READ_ONLY
    | _CASES
    | {
        Permission.TRAINING_ATTEST,
        Permission.PRODUCTS_WRITE,
        Permission.PRODUCTS_PUBLISH,
        Permission.UPDATES_WRITE,
        Permission.UPDATES_PUBLISH,
        Permission.USERS_READ,
        Permission.DISCLOSURE_TRIAGE,
    },
    Role.SECURITY_ANALYST: _READ_ONLY
    | _INVENTORY
    | _CASES
    | _RISK
    | {
        Permission.HOLDINGS_MANAGE,
        Permission.USERS_READ,
        Permission.TRAINING_ATTEST,
        Permission.FINDINGS_TRIAGE,
    },
    Role.CLINICAL_ENGINEER: _READ_ONLY
    | _INVENTORY
    | _CASES
    | _RISK
    | {Permission.HOLDINGS_MANAGE, Permission.TRAINING_ATTEST},
    Role.AUDITOR: _READ_ONLY
    | {
        Permission.AUDIT_READ,
        Permission.USERS_READ,
        Permission.INVENTORY_READ,
        Permission.CASES_READ,
        Permission.RISK_READ,
        Permission.TRAINING_READ,
    },
    Role.REPORTER: frozenset({Permission.REPORTS_SUBMIT, Permission.TOKENS_OWN}),
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.ADMIN: "Manages the organization, its users, tokens and settings; reads everything.",
    Role.PRODUCT_SECURITY_OFFICER: (
        "Manufacturer: authors, uploads and publishes profiles, update releases and "
        "end-of-support notices."
    ),
    Role.SECURITY_ANALYST: "Hospital: reviews profiles of held products, manages holdings "
    "and the device inventory, triages vulnerability findings.",
    Role.CLINICAL_ENGINEER: "Hospital biomedical/clinical engineering: products it holds, "
    "the device inventory.",
    Role.AUDITOR: "Read-only, including the audit log and the user-access review.",
    Role.REPORTER: "Outside party (researcher, customer) that submits vulnerability reports.",
}
