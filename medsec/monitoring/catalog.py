r"""The event catalogs of the product versions a hospital runs, and how a message is
matched to one of their events.

A message matches an event of its product version by MSGID first (the catalog's event
id *is* the RFC 5424 MSGID); failing that, by the first event whose ``match`` rule holds:
the rule's ``app_name`` (if given) equals the message's APP-NAME and its ``regex`` (if
given) is found in MSG (``re.search``). A rule with neither never matches. Named groups
of the regex are kept as the match's captures.

>>> from medsec.profiles.loader import load_profile_text
>>> profile = load_profile_text('''
... psp_version: 1
... product: {manufacturer: {name: Northwind}, name: LVP 3000, version: "4.2"}
... monitoring:
...   events:
...     - {id: AUTH-FAIL, severity: 4, category: authentication, description: Login failed,
...        match: {regex: 'login failed for (?P<user>\\S+)'}}
... ''')
>>> catalog = Catalog([profile])
>>> product = catalog.find("LVP 3000", "4.2")
>>> product.slug
'northwind-lvp-3000'
>>> from medsec.monitoring.syslog.parser import read_message
>>> found = catalog.match(product, read_message(b"<36>1 - - - - - - login failed for tech"))
>>> (found.event.id, found.matched_by, found.captures)
('AUTH-FAIL', 'match-rule', (('user', 'tech'),))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from medsec.errors import Error
from medsec.monitoring.syslog.message import SyslogMessage
from medsec.profiles.psp import Event, ProductSecurityProfile


def slugify(text: str) -> str:
    """Lower-case letters and digits joined by ``-`` (for file names and Sigma products)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "product"


#: How many (name, version, manufacturer) answers a catalog keeps (one per product
#: version of the inventory, in practice).
_FOUND_LIMIT = 10_000


@dataclass(frozen=True, order=True)
class ProductRef:
    """One product version, as its profile names it."""

    manufacturer: str
    name: str
    version: str

    @property
    def slug(self) -> str:
        """Manufacturer and product, without the version (a Sigma logsource product)."""
        return slugify(f"{self.manufacturer} {self.name}")

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.name} {self.version}"

    @classmethod
    def of(cls, profile: ProductSecurityProfile) -> ProductRef:
        p = profile.product
        return cls(p.manufacturer.name, p.name, p.version)


@dataclass(frozen=True)
class CatalogMatch:
    event: Event
    matched_by: Literal["msgid", "match-rule"]
    #: Named groups of the match rule's regex, in the regex's order.
    captures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Rule:
    event: Event
    app_name: str | None
    regex: re.Pattern[str] | None


class Catalog:
    """The catalogs of the given profiles, one per product version."""

    def __init__(self, profiles: Iterable[ProductSecurityProfile]) -> None:
        self._events: dict[ProductRef, dict[str, Event]] = {}
        self._rules: dict[ProductRef, list[_Rule]] = {}
        #: :meth:`find`'s answers: every message of an asset asks the same question.
        self._found: dict[tuple[str, str, str | None], ProductRef | None] = {}
        for profile in profiles:
            ref = ProductRef.of(profile)
            if ref in self._events:
                raise Error(
                    f"two profiles describe {ref}",
                    hint="give each product version's profile once",
                )
            self._events[ref] = {e.id: e for e in profile.monitoring.events}
            self._rules[ref] = [
                _Rule(e, e.match.app_name, re.compile(e.match.regex) if e.match.regex else None)
                for e in profile.monitoring.events
                if e.match is not None and (e.match.app_name or e.match.regex)
            ]

    @property
    def products(self) -> list[ProductRef]:
        return sorted(self._events)

    def find(self, name: str, version: str, manufacturer: str | None = None) -> ProductRef | None:
        """The product version named so (case-insensitive names), if its profile is loaded."""
        key = (name, version, manufacturer)
        if key in self._found:
            return self._found[key]
        found = self._find(name, version, manufacturer)
        if len(self._found) < _FOUND_LIMIT:
            self._found[key] = found
        return found

    def _find(self, name: str, version: str, manufacturer: str | None) -> ProductRef | None:
        for ref in self._events:
            if (
                ref.name.casefold() == name.casefold()
                and ref.version == version
                and (manufacturer is None or ref.manufacturer.casefold() == manufacturer.casefold())
            ):
                return ref
        return None

    def events(self, product: ProductRef) -> list[Event]:
        return list(self._events.get(product, {}).values())

    def match(self, product: ProductRef, message: SyslogMessage) -> CatalogMatch | None:
        """The catalog event of ``product`` that ``message`` reports, if any."""
        events = self._events.get(product, {})
        if message.msgid is not None and (event := events.get(message.msgid)) is not None:
            return CatalogMatch(event, "msgid")
        for rule in self._rules.get(product, []):
            if rule.app_name is not None and rule.app_name != message.app_name:
                continue
            captures: tuple[tuple[str, str], ...] = ()
            if rule.regex is not None:
                found = rule.regex.search(message.msg)
                if found is None:
                    continue
                captures = tuple((k, v) for k, v in found.groupdict().items() if v is not None)
            return CatalogMatch(rule.event, "match-rule", captures)
        return None
