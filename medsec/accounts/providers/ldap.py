"""Sign-in against an LDAP directory (OpenLDAP, 389 DS, Active Directory) with ldap3.

Two ways to find the user, as directories are run:

* **direct bind** — ``bind_dn_template="uid={username},ou=people,dc=example,dc=org"``;
* **search, then bind** — a service account (or an anonymous bind) searches
  ``user_search_base`` with ``user_filter`` and medsec then binds as the entry found.

Groups come from a search for group entries naming the user (``groupOfNames``
``member``), from an attribute of the user (``memberOf``), or both. Values typed by
the person are escaped (RFC 4514 for DNs, RFC 4515 for filters), and an empty
password is refused before the directory sees it: an LDAP simple bind with a DN and
no password is an *unauthenticated* bind that many servers answer with success.

>>> settings = LdapSettings(
...     uri="ldaps://ldap.example.org",
...     user_search_base="ou=people,dc=example,dc=org",
...     service_bind_dn="cn=medsec,ou=services,dc=example,dc=org",
...     service_password="…",
...     group_search_base="ou=groups,dc=example,dc=org",
... )
>>> LdapProvider(settings).name
'ldap'
"""

from __future__ import annotations

import ssl
import unicodedata
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from medsec.accounts.interfaces import AuthenticationFailed, ExternalIdentity
from medsec.errors import ConfigurationError

#: Longest user name passed to the directory; longer input is refused outright.
MAX_USERNAME = 256


@dataclass(frozen=True)
class LdapSettings:
    """How to reach the directory and read users and groups from it."""

    #: ``ldaps://host[:port]``, or ``ldap://host[:port]`` with ``start_tls``.
    uri: str
    start_tls: bool = False
    #: CA certificate(s) (PEM) that sign the server's certificate; system CAs if unset.
    ca_file: Path | None = None
    #: Direct bind: a DN with ``{username}``; set this *or* ``user_search_base``.
    bind_dn_template: str | None = None
    user_search_base: str | None = None
    user_filter: str = "(&(objectClass=inetOrgPerson)(uid={username}))"
    #: Account used to search; anonymous search if unset.
    service_bind_dn: str | None = None
    service_password: str | None = field(default=None, repr=False)
    #: Where ``groupOfNames`` entries live; no group search if unset.
    group_search_base: str | None = None
    group_filter: str = "(&(objectClass=groupOfNames)(member={user_dn}))"
    #: Attribute of the user listing its groups (``memberOf``); not read if unset.
    member_of_attribute: str | None = None
    username_attribute: str = "uid"
    email_attribute: str = "mail"
    display_name_attribute: str = "cn"
    #: Stable identifier (RFC 4530 ``entryUUID``; ``objectGUID`` on AD); the DN if unset.
    subject_attribute: str | None = "entryUUID"
    connect_timeout: float = 5.0
    #: Whole seconds: ldap3 packs it into SO_RCVTIMEO as an integer.
    receive_timeout: int = 10
    #: Allow ``ldap://`` without StartTLS (passwords in clear text). Tests on loopback only.
    allow_plaintext: bool = False
    name: str = "ldap"

    def __post_init__(self) -> None:
        parts = urlsplit(self.uri)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            _invalid(f"uri is {self.uri!r}; expected ldaps://HOST[:PORT] or ldap://HOST[:PORT]")
        try:
            parts.port  # noqa: B018 (parsing the port raises on a bad one)
        except ValueError:
            _invalid(f"uri {self.uri!r} has an invalid port")
        if parts.scheme == "ldaps" and self.start_tls:
            _invalid("start_tls is set but the uri already uses TLS (ldaps://); use one")
        if parts.scheme == "ldap" and not self.start_tls and not self.allow_plaintext:
            _invalid(
                f"{self.uri} without start_tls would send passwords in clear text",
                hint="use ldaps://, or set start_tls",
            )
        if (self.bind_dn_template is None) == (self.user_search_base is None):
            _invalid("set exactly one of bind_dn_template (direct bind) or user_search_base")
        if self.bind_dn_template is not None and "{username}" not in self.bind_dn_template:
            _invalid(f"bind_dn_template {self.bind_dn_template!r} has no {{username}}")
        if self.user_search_base is not None and "{username}" not in self.user_filter:
            _invalid(f"user_filter {self.user_filter!r} has no {{username}}")
        if self.group_search_base is not None and "{user_dn}" not in self.group_filter:
            _invalid(f"group_filter {self.group_filter!r} has no {{user_dn}}")
        if bool(self.service_bind_dn) != bool(self.service_password):
            _invalid(
                "service_bind_dn and service_password go together (an empty password "
                "would be an unauthenticated bind)"
            )
        if self.ca_file is not None and not self.ca_file.is_file():
            _invalid(f"ca_file {self.ca_file} does not exist")
        if self.connect_timeout <= 0 or self.receive_timeout <= 0:
            _invalid("connect_timeout and receive_timeout must be positive (seconds)")


def _invalid(message: str, *, hint: str | None = None) -> None:
    raise ConfigurationError(f"LDAP settings: {message}", hint=hint)


@dataclass(frozen=True)
class _Entry:
    dn: str
    attributes: Mapping[str, Any]

    def values(self, name: str | None) -> list[str]:
        if name is None:
            return []
        found = self.attributes.get(name, [])
        items = found if isinstance(found, list | tuple) else [found]
        return [_text(name, item) for item in items if item not in (None, "", b"")]

    def first(self, name: str | None) -> str | None:
        values = self.values(name)
        return values[0] if values else None


class LdapProvider:
    """An :class:`~medsec.accounts.interfaces.IdentityProvider` backed by LDAP."""

    def __init__(self, settings: LdapSettings) -> None:
        self.settings = settings
        self.name = settings.name

    def authenticate(self, username: str, password: str) -> ExternalIdentity:
        if not password:
            raise AuthenticationFailed(reason="ldap: empty password (unauthenticated bind)")
        if not username or len(username) > MAX_USERNAME or _has_control(username):
            raise AuthenticationFailed(reason="ldap: malformed user name")
        with self._server_errors():
            entry, groups = self._authenticate(username, password)
        return self._identity(entry, groups)

    # -- the two ways to find the user ---------------------------------------------

    def _authenticate(self, username: str, password: str) -> tuple[_Entry, list[str]]:
        s = self.settings
        if s.bind_dn_template is not None:
            user_dn = s.bind_dn_template.replace("{username}", escape_rdn(username))
            with self._bind_as_user(user_dn, password) as conn:
                entry = self._read(conn, user_dn)
                return entry, self._groups(conn, entry)
        assert s.user_search_base is not None  # noqa: S101 (checked by LdapSettings)
        with self._bind_as_service() as service:
            entry = self._find_user(service, s.user_search_base, username)
            with self._bind_as_user(entry.dn, password):
                pass
            return entry, self._groups(service, entry)

    def _find_user(self, conn: ldap3.Connection, base: str, username: str) -> _Entry:
        search_filter = self.settings.user_filter.replace(
            "{username}", escape_filter_chars(username)
        )
        try:
            entries = self._search(conn, base, search_filter, self._user_attributes(), limit=2)
        except ldap_errors.LDAPSizeLimitExceededResult:
            raise AuthenticationFailed(reason="ldap: user name matches several entries") from None
        if len(entries) != 1:
            many = "several entries" if entries else "no entry"
            raise AuthenticationFailed(reason=f"ldap: user name matches {many}")
        return entries[0]

    def _read(self, conn: ldap3.Connection, dn: str) -> _Entry:
        entries = self._search(
            conn, dn, "(objectClass=*)", self._user_attributes(), scope=ldap3.BASE
        )
        if not entries:
            raise AuthenticationFailed(reason=f"ldap: cannot read own entry {dn}")
        return entries[0]

    def _groups(self, conn: ldap3.Connection, entry: _Entry) -> list[str]:
        s = self.settings
        groups = set(entry.values(s.member_of_attribute))
        if s.group_search_base is not None:
            group_filter = s.group_filter.replace("{user_dn}", escape_filter_chars(entry.dn))
            groups.update(g.dn for g in self._search(conn, s.group_search_base, group_filter, []))
        return sorted(groups)

    def _identity(self, entry: _Entry, groups: Sequence[str]) -> ExternalIdentity:
        s = self.settings
        subject = entry.dn if s.subject_attribute is None else entry.first(s.subject_attribute)
        if subject is None:
            raise ConfigurationError(
                f"LDAP: entry {entry.dn} has no {s.subject_attribute} attribute",
                hint="set subject_attribute to an attribute every user has (objectGUID on "
                "Active Directory), or leave it empty to identify users by DN",
            )
        username = entry.first(s.username_attribute)
        if username is None:
            raise ConfigurationError(f"LDAP: entry {entry.dn} has no {s.username_attribute}")
        return ExternalIdentity(
            provider=self.name,
            subject=subject,
            username=username,
            email=entry.first(s.email_attribute),
            display_name=entry.first(s.display_name_attribute),
            groups=tuple(groups),
        )

    # -- ldap3 plumbing ----------------------------------------------------------

    def _user_attributes(self) -> list[str]:
        s = self.settings
        wanted = [
            s.username_attribute,
            s.email_attribute,
            s.display_name_attribute,
            s.subject_attribute,
            s.member_of_attribute,
        ]
        return [name for name in wanted if name]

    def _server(self) -> ldap3.Server:
        s = self.settings
        parts = urlsplit(s.uri)
        tls = ldap3.Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=str(s.ca_file) if s.ca_file else None,
            sni=parts.hostname,
        )
        return ldap3.Server(
            parts.hostname,
            port=parts.port,
            use_ssl=parts.scheme == "ldaps",
            tls=tls,
            get_info=ldap3.NONE,
            connect_timeout=s.connect_timeout,
        )

    def _connect(self, dn: str | None, password: str | None) -> ldap3.Connection:
        """An open, bound connection; closed again if any step fails."""
        s = self.settings
        conn = ldap3.Connection(
            self._server(),
            user=dn,
            password=password,
            authentication=ldap3.SIMPLE if dn else ldap3.ANONYMOUS,
            read_only=True,
            raise_exceptions=True,
            receive_timeout=s.receive_timeout,
        )
        try:
            conn.open()
            if s.start_tls:
                conn.start_tls()
            conn.bind()
        except BaseException:
            _close(conn)
            raise
        return conn

    @contextmanager
    def _bind_as_user(self, dn: str, password: str) -> Iterator[ldap3.Connection]:
        try:
            conn = self._connect(dn, password)
        except (ldap_errors.LDAPOperationResult, ldap_errors.LDAPBindError) as e:
            raise AuthenticationFailed(reason=f"ldap: bind as {dn} refused: {e}") from e
        try:
            yield conn
        finally:
            _close(conn)

    @contextmanager
    def _bind_as_service(self) -> Iterator[ldap3.Connection]:
        s = self.settings
        try:
            conn = self._connect(s.service_bind_dn, s.service_password)
        except (ldap_errors.LDAPOperationResult, ldap_errors.LDAPBindError) as e:
            who = s.service_bind_dn or "anonymous"
            raise ConfigurationError(
                f"LDAP: the directory refused the service bind as {who}: {e}",
                hint="check service_bind_dn and service_password",
            ) from e
        try:
            yield conn
        finally:
            _close(conn)

    def _search(
        self,
        conn: ldap3.Connection,
        base: str,
        search_filter: str,
        attributes: list[str],
        *,
        scope: str = ldap3.SUBTREE,
        limit: int = 0,
    ) -> list[_Entry]:
        try:
            conn.search(
                base, search_filter, search_scope=scope, attributes=attributes, size_limit=limit
            )
        except ldap_errors.LDAPNoSuchObjectResult as e:
            raise ConfigurationError(f"LDAP: search base {base} does not exist") from e
        return [
            _Entry(str(item["dn"]), item.get("attributes", {}))
            for item in conn.response or []
            if item.get("type") == "searchResEntry"
        ]

    @contextmanager
    def _server_errors(self) -> Iterator[None]:
        """Turn what is wrong with the server or the settings into ConfigurationError."""
        uri = self.settings.uri
        try:
            yield
        except (AuthenticationFailed, ConfigurationError):
            raise
        except (
            ldap_errors.LDAPCommunicationError,
            ldap_errors.LDAPStartTLSError,
            ldap_errors.LDAPCertificateError,
            ldap_errors.LDAPResponseTimeoutError,
            ssl.SSLError,
            OSError,
        ) as e:
            raise ConfigurationError(
                f"LDAP: cannot talk to {uri}: {e}",
                hint="check the uri, the network path, and that ca_file signs the server's "
                "certificate for this host name",
            ) from e
        except ldap_errors.LDAPException as e:
            raise ConfigurationError(f"LDAP: {uri} answered with an error: {e}") from e


def _close(conn: ldap3.Connection) -> None:
    """Unbind and close, also a connection whose opening failed half-way."""
    try:
        conn.unbind()
    except (ldap_errors.LDAPException, OSError):
        with suppress(ldap_errors.LDAPException, OSError):
            conn.strategy.close()
    # ldap3 leaves the socket of a failed connect() open and the connection "closed".
    if conn.socket is not None:
        with suppress(OSError):
            conn.socket.close()


def _text(name: str, value: object) -> str:
    """An attribute value as text; binary ones (AD's ``objectGUID``) in a stable form."""
    if not isinstance(value, bytes):
        return str(value)
    if name.casefold() == "objectguid" and len(value) == 16:
        return str(uuid.UUID(bytes_le=value))  # the form AD tools show
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.hex()


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("C") for ch in text)
