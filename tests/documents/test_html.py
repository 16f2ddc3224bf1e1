"""The HTML guide: Table 1 and every section, escaped, self-contained and accessible."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from medsec.documents import render_html
from medsec.documents.guide import TABLE1_COLUMNS
from medsec.profiles.loader import load_profile_text
from medsec.profiles.psp import EXAMPLE_MINIMAL, ProductSecurityProfile


@dataclass
class Table:
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class Page(HTMLParser):
    """Collects headings, tables (by id), <th> attributes and resource references."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, Table] = {}
        self.headings: list[tuple[str, str]] = []
        self.th_scopes: list[str | None] = []
        self.references: list[str] = []
        self._table: Table | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_thead = False
        self._heading: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._table = Table()
            self.tables[attributes.get("id") or f"table-{len(self.tables)}"] = self._table
        elif tag == "thead":
            self._in_thead = True
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []
            if tag == "th":
                self.th_scopes.append(attributes.get("scope"))
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = (tag, [])
        for name in ("src", "srcset"):
            if name in attributes:
                self.references.append(f"{tag} {name}")
        if tag == "link":
            self.references.append("link")

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_thead = False
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._in_thead:
                self._table.headers = self._row
            else:
                self._table.rows.append(self._row)
            self._row = None
        elif self._heading and tag == self._heading[0]:
            self.headings.append((tag, " ".join("".join(self._heading[1]).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading[1].append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def page(pump: ProductSecurityProfile) -> Page:
    return parse(render_html(pump))


def test_table_1_has_exactly_the_seed_columns_then_medsec_columns(page: Page) -> None:
    assert page.tables["services"].headers == [
        "Service",
        "Description",
        "Protocol",
        "Interface",
        "Default port",
        "Configurable range",
        "Expected client",
        "Direction",
        "Enabled by default",
        "Can be disabled",
        "Authentication",
        "Encryption",
    ]
    assert tuple(page.tables["services"].headers) == TABLE1_COLUMNS


def test_table_1_lists_every_service_with_name_and_port(
    page: Page, pump: ProductSecurityProfile
) -> None:
    rows = page.tables["services"].rows
    assert len(rows) == len(pump.network.services)
    column = TABLE1_COLUMNS.index
    for row, service in zip(rows, pump.network.services, strict=True):
        assert row[column("Service")] == service.name
        assert row[column("Default port")] == str(service.default_port)
        assert row[column("Protocol")] == service.protocol.value.upper()
        assert row[column("Direction")] == service.direction.value


def test_outbound_service_names_the_server_as_what_the_device_connects_to(page: Page) -> None:
    pumplink = page.tables["services"].rows[0]
    assert pumplink[TABLE1_COLUMNS.index("Expected client")] == (
        "this device (connects to Northwind Pump Server)"
    )


def test_ports_to_open_list_each_enabled_service_from_and_to(page: Page) -> None:
    default = next(t for t in page.tables.values() if t.headers[:3] == ["Service", "From", "To"])
    assert [
        "northwind-pumplink",
        "Northwind LVP 3000 (this device)",
        "Northwind Pump Server",
        "TCP 8443",
        "1024–65535",
    ] in default.rows
    assert [
        "ntp",
        "Northwind LVP 3000 (this device)",
        "Hospital NTP server",
        "UDP 123",
        "—",
    ] in default.rows
    # Disabled by default: listed in the second table only.
    assert all(r[0] not in ("https", "syslog-tls") for r in default.rows)
    optional = [t for t in page.tables.values() if t.headers[:3] == ["Service", "From", "To"]][1]
    assert [
        "https",
        "Biomedical engineering service laptop",
        "Northwind LVP 3000 (this device)",
        "TCP 443",
        "—",
    ] in optional.rows


def test_flow_table_names_categories_with_kind_and_sensitivity_and_marks_phi(page: Page) -> None:
    flows = page.tables["flow-table"]
    assert flows.headers == [
        "Flow",
        "Source",
        "Destination",
        "Data categories (kind, sensitivity)",
        "Service",
        "Encryption",
        "Integrity",
        "Timeliness",
        "Delivery",
        "Intended recipient",
    ]
    orders = next(r for r in flows.rows if r[0].startswith("orders-to-pump"))
    assert orders[0] == "orders-to-pump PHI/PII"
    assert orders[3] == "Infusion orders (patient id, drug, rate, volume) (PHI, high)"
    assert orders[4] == "northwind-pumplink (TCP 8443)"
    library = next(r for r in flows.rows if r[0].startswith("library-to-pump"))
    assert library[0] == "library-to-pump"  # configuration data: no PHI mark


def test_event_catalog_gives_severity_name_and_number(page: Page) -> None:
    events = page.tables["event-table"]
    assert events.headers == [
        "ID (MSGID)",
        "Severity",
        "Category",
        "Description",
        "Meaning",
        "Recommended action",
    ]
    assert events.rows[0][:3] == ["AUTH-FAIL", "Warning (4)", "authentication"]
    assert ["LIB-SIG-FAIL", "Critical (2)", "security"] in [r[:3] for r in events.rows]


@pytest.mark.parametrize(
    "heading",
    [
        "1. Network configuration and segmentation",
        "2. Data and data flows",
        "3. Monitoring",
        "4. User management",
        "5. Hardening",
        "6. Updates and end of support",
        "7. Recovery and escalation",
    ],
)
def test_one_section_per_principle(page: Page, heading: str) -> None:
    assert ("h2", heading) in page.headings


@pytest.mark.parametrize(
    "text",
    [
        # deployment guidance
        "Medical device Wi-Fi (pumps)",
        "Deny all traffic between pumps",
        # user management: life cycle, MFA, reset, return for repair, default password
        "leavers are disabled on the pump server the same day",
        "TOTP",
        "A reset is refused while an infusion runs",
        "Northwind's repair centre resets again on arrival",
        "The commissioning password must be changed",
        # hardening trade-offs
        "Offline updates are no longer possible",
        "Malicious USB media could be offered",
        # updates, priorities, lifecycle
        "Install within 7 days",
        "2034-12-31",
        "Trade-in programme towards the LVP 4000",
        # recovery: SLA, incident information, CVD
        "Security incidents acknowledged within 4 hours",
        "Serial numbers and firmware versions of affected pumps",
        "mailto:psirt@northwind-infusion.example",
        "https://psirt.northwind-infusion.example/pgp-key.asc",
    ],
)
def test_guide_carries_the_profile_statements(pump: ProductSecurityProfile, text: str) -> None:
    assert text in render_html(pump).replace("&#39;", "'")


def test_one_h1_and_every_table_header_has_a_scope(page: Page) -> None:
    assert [h for h in page.headings if h[0] == "h1"] == [
        ("h1", "Customer security guide — Northwind LVP 3000 4.2.1")
    ]
    assert page.th_scopes and all(scope in ("col", "row") for scope in page.th_scopes)


def test_page_is_self_contained(pump: ProductSecurityProfile) -> None:
    html = render_html(pump)
    assert parse(html).references == []
    assert "<style>" in html and "@page" in html
    assert "<svg" in html
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html)


def test_profile_text_is_escaped(hostile: ProductSecurityProfile) -> None:
    html = render_html(hostile)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in html  # shown as text, not as a link


def test_missing_information_is_shown_as_not_stated() -> None:
    html = render_html(load_profile_text(EXAMPLE_MINIMAL))
    assert html.count('<span class="missing">not stated</span>') > 10
    assert "The profile declares no network services." in html
