"""Addresses as integers, so that CIDR containment is a plain ``BETWEEN`` in SQL.

Every address is placed in one 128-bit space: IPv6 as itself, IPv4 as its IPv4-mapped
IPv6 address (``::ffff:a.b.c.d``). DuckDB's signed ``HUGEINT`` holds it once shifted by
−2¹²⁷ (:func:`to_key`); on an engine without 128-bit integers the same key splits into
two ``BIGINT`` columns compared lexicographically.

Which addresses are "the internet": a global address that is in no site zone (or in a
zone marked ``internet``). Not global are the special-purpose ranges of
:data:`SPECIAL_RANGES` (the IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890,
reduced to ranges that are not globally reachable).

>>> to_key("10.0.0.1") < to_key("10.0.0.2")
True
>>> key_range("10.0.0.0/8") == (to_key("10.0.0.0"), to_key("10.255.255.255"))
True
"""

from __future__ import annotations

import functools
import ipaddress

OFFSET = 1 << 127
_MAPPED = 0xFFFF << 32

#: (CIDR, kind). Kinds ``multicast``, ``broadcast``, ``unspecified`` and ``loopback``
#: are not devices: they are never listed as uninventoried.
SPECIAL_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "this-network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "ietf-protocol"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4-relay"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "broadcast"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "nat64-local"),
    ("100::/64", "discard"),
    ("2001:2::/48", "benchmarking"),
    ("2001:db8::/32", "documentation"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
)

#: Kinds of special address that are not devices.
NOT_DEVICES = frozenset({"multicast", "broadcast", "unspecified", "loopback"})


def _value(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    if isinstance(address, ipaddress.IPv4Address):
        return _MAPPED | int(address)
    mapped = address.ipv4_mapped
    return _MAPPED | int(mapped) if mapped is not None else int(address)


def to_key(text: str) -> int:
    """The signed 128-bit key of an address (``ValueError`` if it is not one)."""
    return _value(ipaddress.ip_address(text)) - OFFSET


@functools.lru_cache(maxsize=65536)
def key_range(cidr: str) -> tuple[int, int]:
    """The first and last key of a CIDR (host bits ignored)."""
    network = ipaddress.ip_network(cidr, strict=False)
    first = _value(network.network_address)
    return first - OFFSET, first + network.num_addresses - 1 - OFFSET


@functools.lru_cache(maxsize=4096)
def prefix_length(cidr: str) -> int:
    """Prefix length in the 128-bit space (IPv4 /24 → 120), for most-specific matching."""
    network = ipaddress.ip_network(cidr, strict=False)
    return network.prefixlen + (96 if network.version == 4 else 0)
