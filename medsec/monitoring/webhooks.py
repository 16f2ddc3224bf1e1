"""Where alert webhooks may post: the guard against server-side request forgery.

A webhook URL is checked when a rule is saved and again, with a fresh DNS lookup, at
every delivery (a name that resolved to a public address yesterday may resolve to
169.254.169.254 today):

* ``https`` only; ``http`` only to a loopback address, and only when
  ``MEDSEC_ALERT_WEBHOOK_ALLOW_HTTP_LOOPBACK`` is on (development, tests);
* no user name or password in the URL (the HMAC signature authenticates medsec);
* every address the host resolves to must be global unicast: private (RFC 1918, fc00::/7),
  loopback, link-local (with the cloud metadata address 169.254.169.254), shared
  (100.64.0.0/10), multicast, reserved and unspecified addresses are refused unless
  ``MEDSEC_ALERT_WEBHOOK_ALLOW`` names the host or a network that holds the address
  (hospitals do post to internal SIEMs);
* the delivery connects to the address that was checked (:attr:`Target.address`), with the
  host name for TLS (SNI and certificate check) and the ``Host`` header, and follows no
  redirect.

>>> policy = WebhookPolicy.of("10.20.0.0/16, siem.hospital.internal")
>>> policy.target("https://user:pw@siem.example/hook")
Traceback (most recent call last):
...
medsec.monitoring.webhooks.WebhookRefused: the webhook URL carries a user name or password
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from medsec.errors import Error

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


class WebhookRefused(Error):
    kind = "webhook-refused"
    status = 422
    title = "The webhook URL is not allowed"


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise WebhookRefused(
            f"the webhook host {host!r} does not resolve ({e})",
            hint="check the host name (medsec resolves it when the rule is saved and at "
            "each delivery)",
        ) from e
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class Target:
    """A checked webhook: connect to ``address``, speak to ``host``."""

    url: str
    scheme: str
    host: str
    port: int
    address: str
    #: Path and query, for the request line.
    path: str

    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{address}:{self.port}{self.path}"

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def _unwrap(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class WebhookPolicy:
    networks: tuple[Network, ...] = ()
    hosts: frozenset[str] = frozenset()
    allow_http_loopback: bool = False
    resolver: Resolver = system_resolver

    @classmethod
    def of(
        cls, allow: str = "", *, allow_http_loopback: bool = False,
        resolver: Resolver = system_resolver,
    ) -> WebhookPolicy:  # fmt: skip
        """From the ``MEDSEC_ALERT_WEBHOOK_ALLOW`` text: CIDRs and host names, by commas."""
        networks: list[Network] = []
        hosts: set[str] = set()
        for item in (part.strip() for part in allow.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                if not all(c.isalnum() or c in "-._" for c in item):
                    raise WebhookRefused(
                        f"MEDSEC_ALERT_WEBHOOK_ALLOW: {item!r} is neither a CIDR nor a host name",
                        hint="e.g. MEDSEC_ALERT_WEBHOOK_ALLOW=10.20.0.0/16,siem.hospital.internal",
                    ) from None
                hosts.add(item.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts), allow_http_loopback, resolver)

    def _allowed(self, host: str, address: Address) -> bool:
        if host in self.hosts:
            return True
        return any(address in network for network in self.networks)

    def target(self, url: str) -> Target:
        """Check ``url`` and resolve its host now; the address to connect to."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise WebhookRefused(f"the webhook URL is not a URL: {e}") from e
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http"):
            raise WebhookRefused(
                f"the webhook URL must use https, not {scheme or 'no scheme'}",
                hint="e.g. https://siem.hospital.example/medsec",
            )
        if parts.username is not None or parts.password is not None:
            raise WebhookRefused(
                "the webhook URL carries a user name or password",
                hint="leave credentials out: the receiver checks the X-Medsec-Signature HMAC",
            )
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise WebhookRefused("the webhook URL has no host")
        port = port or (443 if scheme == "https" else 80)
        if scheme == "http" and not self.allow_http_loopback:
            raise WebhookRefused(
                "the webhook URL must use https (http only to loopback, with "
                "MEDSEC_ALERT_WEBHOOK_ALLOW_HTTP_LOOPBACK=true)",
                hint="use https://",
            )
        addresses = [_unwrap(ipaddress.ip_address(a.split("%", 1)[0]))
                     for a in self.resolver(host, port)]  # fmt: skip
        if not addresses:
            raise WebhookRefused(f"the webhook host {host!r} has no address")
        if scheme == "http":
            if not (self.allow_http_loopback and all(a.is_loopback for a in addresses)):
                raise WebhookRefused(
                    "the webhook URL must use https (http only to loopback, with "
                    "MEDSEC_ALERT_WEBHOOK_ALLOW_HTTP_LOOPBACK=true)",
                    hint="use https://",
                )
        else:
            for address in addresses:
                if address.is_global and not address.is_multicast:
                    continue
                if self._allowed(host, address):
                    continue
                raise WebhookRefused(
                    f"the webhook host {host!r} resolves to {address}, a private, loopback, "
                    "link-local, multicast or reserved address",
                    hint="to post to an internal SIEM, name its host or network in "
                    "MEDSEC_ALERT_WEBHOOK_ALLOW (e.g. 10.20.0.0/16,siem.hospital.internal)",
                )
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return Target(url, scheme, host, port, str(addresses[0]), path)
