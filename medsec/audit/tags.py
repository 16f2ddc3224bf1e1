"""Audit event tags, ``source:subject:action`` (as warehouse names its events).

A SIEM rule or a query selects by prefix: ``accounts:`` for everything about accounts,
``accounts:login:`` for logins.
"""

from __future__ import annotations

import enum


class Tag(enum.StrEnum):
    LOGIN_SUCCEEDED = "accounts:login:succeeded"
    LOGIN_FAILED = "accounts:login:failed"
    LOGOUT = "accounts:login:logout"
    ACCOUNT_LOCKED = "accounts:user:locked"
    SESSION_REVOKED = "accounts:session:revoked"
    SESSION_EXPIRED = "accounts:session:expired"
    SETUP_LINK_ISSUED = "accounts:setup:link-issued"
    SETUP_COMPLETED = "accounts:setup:completed"
    USER_CREATED = "accounts:user:created"
    USER_ROLE_CHANGED = "accounts:user:role-changed"
    USER_DISABLED = "accounts:user:disabled"
    USER_ENABLED = "accounts:user:enabled"
    USER_DELETED = "accounts:user:deleted"
    PASSWORD_CHANGED = "accounts:password:changed"  # noqa: S105 (an event name)
    PASSWORD_RESET = "accounts:password:reset"  # noqa: S105 (an event name)
    MFA_ENROLLED = "accounts:mfa:enrolled"
    MFA_RESET = "accounts:mfa:reset"
    MFA_FAILED = "accounts:mfa:failed"
    RECOVERY_CODE_USED = "accounts:mfa:recovery-code-used"
    TOKEN_CREATED = "accounts:api-token:created"  # noqa: S105 (an event name)
    TOKEN_REVOKED = "accounts:api-token:revoked"  # noqa: S105 (an event name)
    ORGANIZATION_CREATED = "accounts:organization:created"
    SETTINGS_CHANGED = "accounts:settings:changed"
    ACCESS_REVIEW_EXPORTED = "accounts:access-review:exported"
    PERMISSION_DENIED = "accounts:permission:denied"
    PROFILE_UPLOADED = "products:profile:uploaded"
    PROFILE_PUBLISHED = "products:profile:published"
    PROFILE_EXPORTED = "products:profile:exported"
    HOLDING_ADDED = "products:holding:added"
    HOLDING_REMOVED = "products:holding:removed"
    MDS2_UPLOADED = "mds2:document:uploaded"
    MDS2_DELETED = "mds2:document:deleted"
    UPDATE_RELEASE_CREATED = "updates:release:created"
    UPDATE_RELEASE_PUBLISHED = "updates:release:published"
    UPDATE_PATCH_CHANGED = "updates:patch:changed"
    UPDATE_NOTICE_SAVED = "updates:notice:saved"
    UPDATE_NOTICE_PUBLISHED = "updates:notice:published"
    UPDATE_SETTINGS_CHANGED = "updates:settings:changed"
    SITE_CREATED = "inventory:site:created"
    SITE_UPDATED = "inventory:site:updated"
    SITE_DELETED = "inventory:site:deleted"
    ZONE_CREATED = "inventory:zone:created"
    ZONE_DELETED = "inventory:zone:deleted"
    ASSET_CREATED = "inventory:asset:created"
    ASSET_UPDATED = "inventory:asset:updated"
    ASSET_DELETED = "inventory:asset:deleted"
    ASSET_FIRMWARE_CHANGED = "inventory:asset:firmware-changed"
    INVENTORY_IMPORTED = "inventory:import:completed"
    IDENTITY_REPORTED = "inventory:identity:reported"
    CASE_OPENED = "escalation:case:opened"
    CASE_STATE_CHANGED = "escalation:case:state-changed"
    CASE_MESSAGE_POSTED = "escalation:case:message-posted"
    CASE_ATTACHMENT_ADDED = "escalation:case:attachment-added"
    CASE_AFTER_ACTION_SAVED = "escalation:case:after-action-saved"
    CASE_OVERDUE = "escalation:case:overdue"
    NOTIFICATION_DELIVERED = "notifications:notification:delivered"
    TRAINING_OBJECTIVE_SAVED = "education:objective:saved"
    TRAINING_ATTESTED = "education:attestation:recorded"
    TRAINING_REMINDED = "education:attestation:reminded"
    TRAINING_REPORT_EXPORTED = "education:report:exported"
    RISK_WORKSHEET_SAVED = "education:risk-worksheet:saved"
    RISK_WORKSHEET_SIGNED = "education:risk-worksheet:signed-off"
    AUDIT_EXPORTED = "audit:log:exported"
    BACKUP_CREATED = "instance:backup:created"
    BACKUP_RESTORED = "instance:backup:restored"
    INSTANCE_RESET = "instance:secrets:wiped"


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"
