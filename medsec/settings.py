"""Settings of a medsec instance, from ``MEDSEC_*`` environment variables, ``.env`` and a
secrets directory (pydantic-settings). Built by the app factory and the CLI, never at import.

>>> s = Settings(data_dir=Path("/tmp/medsec-doc"))
>>> s.resolved_database_url()
'sqlite:////tmp/medsec-doc/medsec.db'
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from medsec.errors import ConfigurationError


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "medsec"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MEDSEC_", env_file=".env", extra="ignore", secrets_dir=None
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in data_dir."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key for signing and encrypting secrets at rest; generated into "
        "data_dir/secret_key (mode 0600) when not given.",
    )
    base_url: str = Field(default="http://127.0.0.1:8000", description="Public URL of the UI.")
    session_idle_minutes: int = 15
    session_absolute_hours: int = 12
    reauth_minutes: int = Field(
        default=5, description="How recent a login a sensitive action needs."
    )
    cookie_secure: bool = True
    threads: int = Field(
        default=8,
        ge=1,
        le=32,
        description="Threads per server process for database work; more requests wait.",
    )
    setup_link_hours: int = 24
    dormant_days: int = 90
    login_rate_per_minute: int = Field(default=10, description="Login attempts per IP per minute.")
    lockout_threshold: int = Field(default=5, description="Failures before an account locks.")
    password_min_length: int = Field(default=12, description="Shortest new password (≥ 8).")
    password_max_length: int = Field(default=128, description="Longest new password (≥ 64).")
    password_min_score: int = Field(default=3, description="zxcvbn score a password needs (0–4).")
    breached_passwords: Path | None = Field(
        default=None, description="A Pwned Passwords download (range folder or sorted file)."
    )
    central_organization: str | None = Field(
        default=None, description="Organization that LDAP/OIDC users are provisioned into."
    )
    audit_syslog_host: str | None = None
    audit_syslog_port: int = 6514
    audit_syslog_tls: bool = True
    audit_syslog_ca_file: Path | None = None
    monitor_rfc3164_timezone: str = Field(
        default="UTC",
        description="IANA time zone of devices that send RFC 3164 syslog (no offset in it).",
    )
    monitor_max_message_size: int = Field(
        default=8192, description="Syslog messages longer than this (octets) are truncated."
    )
    monitor_tls_cert_file: Path | None = Field(
        default=None, description="PEM certificate (chain) of the syslog TLS listener."
    )
    monitor_tls_key_file: Path | None = Field(
        default=None, description="PEM private key of the syslog TLS listener."
    )
    monitor_tls_client_ca_file: Path | None = Field(
        default=None,
        description="PEM CA file: when set, TLS senders must present a certificate it signed.",
    )

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for alert and notification emails; unset: no email.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_security: str = Field(
        default="starttls",
        pattern="^(starttls|tls|none)$",
        description="starttls (STARTTLS on the port, default), tls (implicit TLS, port 465) "
        "or none (plain SMTP: a relay on the same host or a test server).",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login user, if any.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP login password.")
    smtp_from: str = Field(
        default="medsec@localhost",
        description="Sender address (From) of alert and notification emails.",
    )
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    alert_syslog_host: str | None = Field(
        default=None, description="Collector (SIEM) for alert rules that forward to syslog."
    )
    alert_syslog_port: int = Field(default=6514, ge=1, le=65535)
    alert_syslog_tls: bool = True
    alert_webhook_allow: str = Field(
        default="",
        description="Comma-separated CIDRs and host names that alert webhooks may reach "
        "although private, loopback or link-local (an internal SIEM: 10.20.0.0/16, "
        "siem.hospital.internal).",
    )
    alert_webhook_allow_http_loopback: bool = Field(
        default=False,
        description="Allow http:// webhooks to loopback addresses (development and tests).",
    )
    alert_delivery_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts per alert notification before giving up."
    )
    alert_delivery_backoff_seconds: float = Field(
        default=60.0, gt=0, le=86_400,
        description="Wait after the first failed attempt; doubled after each further one "
        "(at most six hours).",
    )  # fmt: skip

    disclosure_contacts: list[str] = Field(
        default_factory=list,
        description="security.txt Contact URIs (mailto:, https:, tel:); default: the "
        "instance's public report form.",
    )
    disclosure_encryption: str | None = Field(
        default=None, description="security.txt Encryption: URI of the team's OpenPGP key."
    )
    disclosure_policy: str | None = Field(
        default=None, description="security.txt Policy: URI of the disclosure policy."
    )
    disclosure_languages: list[str] = Field(
        default_factory=lambda: ["en"], description="security.txt Preferred-Languages."
    )
    disclosure_expires_days: int = Field(
        default=180, ge=1, le=365, description="security.txt Expires: this many days ahead."
    )
    disclosure_reports_per_hour: int = Field(
        default=5, description="Vulnerability reports and reporter replies per IP per hour."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'medsec.db'}"

    def resolved_secret_key(self) -> bytes:
        """The instance secret: from settings, else from ``data_dir/secret_key`` (created once)."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value().encode()
            if len(value) < 32:
                raise ConfigurationError(
                    "MEDSEC_SECRET_KEY is shorter than 32 characters",
                    hint="generate one with: "
                    "python -c 'import secrets; print(secrets.token_urlsafe(48))'",
                )
            return value
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_bytes().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48).encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key
