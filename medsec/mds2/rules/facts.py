"""Views of a profile that several MDS2 rules share, each item with its profile path.

Reading rule: a list the profile fills is taken as complete (a profile that lists its
interfaces lists all of them), so "no Bluetooth interface among the listed ones" may
answer No; an empty list that the author did not write says nothing, and the question
stays for manual entry.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from medsec.profiles.loader import format_path
from medsec.profiles.psp import (
    DEVICE,
    DataCategory,
    EncryptionKind,
    Endpoint,
    EndpointKind,
    Flow,
    Interface,
    InterfaceKind,
    ProductSecurityProfile,
    Service,
    Storage,
)

T = TypeVar("T")

WIRELESS = frozenset({InterfaceKind.WIFI, InterfaceKind.BLUETOOTH, InterfaceKind.CELLULAR})
CABLE = frozenset({InterfaceKind.USB, InterfaceKind.SERIAL})
#: Words in an authentication statement that mean "none".
NO_AUTHENTICATION = re.compile(r"^\s*(none|no|n/a|unauthenticated|anonymous)\b", re.IGNORECASE)


def path(*parts: str | int) -> str:
    """``path("data", "flows", 2)`` → ``data.flows[2]``."""
    return format_path(parts)


@dataclass(frozen=True)
class At(Generic[T]):
    """An item of a profile list together with its path, e.g. ``data.flows[2]``."""

    path: str
    item: T


def written(model: BaseModel, field: str) -> bool:
    """True when the profile author wrote ``field`` (even as an empty list)."""
    return field in model.model_fields_set


def authenticated(statement: str | None) -> bool | None:
    """Whether an ``authentication`` statement says peers authenticate; None if unstated."""
    if statement is None or not statement.strip():
        return None
    return NO_AUTHENTICATION.match(statement) is None


def mentions(pattern: str, *texts: str | None) -> bool:
    return any(t and re.search(pattern, t, re.IGNORECASE) for t in texts)


class Facts:
    """Derived views of one profile. Each property is computed once."""

    def __init__(self, profile: ProductSecurityProfile) -> None:
        self.profile = profile

    # ----------------------------------------------------------------- data

    @functools.cached_property
    def personal_categories(self) -> list[At[DataCategory]]:
        return [
            At(path("data", "categories", i, "kind"), c)
            for i, c in enumerate(self.profile.data.categories)
            if c.kind.personal
        ]

    @functools.cached_property
    def personal_ids(self) -> frozenset[str]:
        return frozenset(c.item.id for c in self.personal_categories)

    @property
    def categories_listed(self) -> bool:
        return bool(self.profile.data.categories)

    @functools.cached_property
    def device_flows(self) -> list[At[Flow]]:
        """Flows the device itself sends or receives."""
        return [
            At(path("data", "flows", i), f)
            for i, f in enumerate(self.profile.data.flows)
            if DEVICE in (f.source, f.destination)
        ]

    @functools.cached_property
    def personal_flows(self) -> list[At[Flow]]:
        return [f for f in self.device_flows if self.personal_ids & set(f.item.categories)]

    @property
    def flows_listed(self) -> bool:
        return bool(self.profile.data.flows)

    @functools.cached_property
    def personal_storage(self) -> list[At[Storage]]:
        return [
            At(path("data", "storage", i), s)
            for i, s in enumerate(self.profile.data.storage)
            if s.category in self.personal_ids
        ]

    @property
    def storage_listed(self) -> bool:
        return bool(self.profile.data.storage)

    def peer(self, flow: Flow) -> str:
        """The endpoint at the other end of a device flow."""
        return flow.destination if flow.source == DEVICE else flow.source

    def flow_encryption(self, flow: Flow) -> EncryptionKind | None:
        if flow.encryption is not None:
            return flow.encryption
        service = self.profile.service(flow.service) if flow.service else None
        return service.encryption if service else None

    def flow_service(self, flow: Flow) -> Service | None:
        return self.profile.service(flow.service) if flow.service else None

    def flow_interface(self, flow: Flow) -> Interface | None:
        service = self.flow_service(flow)
        if service is None:
            return None
        return next((i for i in self.profile.network.interfaces if i.id == service.interface), None)

    # ----------------------------------------------------------------- network

    def interfaces(self, *kinds: InterfaceKind) -> list[At[Interface]]:
        return [
            At(path("network", "interfaces", i, "kind"), n)
            for i, n in enumerate(self.profile.network.interfaces)
            if n.kind in kinds
        ]

    @property
    def interfaces_listed(self) -> bool:
        return bool(self.profile.network.interfaces) or written(self.profile.network, "interfaces")

    @functools.cached_property
    def services(self) -> list[At[Service]]:
        return [
            At(path("network", "services", i), s)
            for i, s in enumerate(self.profile.network.services)
        ]

    @property
    def services_listed(self) -> bool:
        return bool(self.profile.network.services)

    def service_path(self, service_id: str) -> str:
        index = next(i for i, s in enumerate(self.profile.network.services) if s.id == service_id)
        return path("network", "services", index)

    def endpoint(self, endpoint_id: str) -> Endpoint | None:
        return next((e for e in self.profile.network.endpoints if e.id == endpoint_id), None)

    def external(self, endpoint_id: str) -> bool | None:
        """Whether an endpoint is outside the customer's network; None when unknown.

        Manufacturer endpoints and endpoints with fixed DNS names (cloud services) are
        external; servers, workstations, devices, infrastructure and users are the
        hospital's own; an endpoint of kind ``other`` is unknown.
        """
        if endpoint_id == DEVICE:
            return False
        endpoint = self.endpoint(endpoint_id)
        if endpoint is None or endpoint.kind is EndpointKind.OTHER:
            return None
        return endpoint.kind is EndpointKind.MANUFACTURER or bool(endpoint.dns_names)

    def service_peers(self, service: Service) -> list[str]:
        return [*service.expected_client, *service.server]
