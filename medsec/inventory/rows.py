"""Reading an inventory file (CSV or JSON) into rows of asset fields.

CSV: any delimiter (sniffed among ``, ; tab |``), UTF-8 with or without a byte-order mark,
a header line naming the columns. JSON: a list of objects. A **column mapping** says
which file column holds which field (:data:`medsec.inventory.drafts.FIELDS`); for the
fields it does not give, common headers are recognised (``Serial Number``, ``S/N``,
``IP Address``, ``Firmware`` …, see :data:`DEFAULT_HEADERS`). Columns that map to no
field are reported as ignored.

>>> table = read_rows("a.csv", b"S/N;Manufacturer;Model\\nX1;Northwind;LVP-3000\\n")
>>> [(r.line, r.values["serial"], r.values["vendor"]) for r in table.rows]
[(2, 'X1', 'Northwind')]
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from dataclasses import dataclass, field

from medsec.errors import Error
from medsec.inventory.drafts import FIELDS

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000


def header_key(name: str) -> str:
    """``"Serial Number"``, ``serial_number``, ``SERIAL-NUMBER`` → ``serialnumber``."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


#: Normalised header → field, for files without a mapping.
DEFAULT_HEADERS: dict[str, str] = {
    **{header_key(name): name for name in FIELDS},
    **{
        header_key(alias): target
        for target, aliases in {
            "serial": ["Serial Number", "Serial No", "S/N", "SN", "Serial #", "Seriennummer"],
            "vendor": ["Manufacturer", "Make", "Hersteller", "Vendor Name"],
            "model": ["Model Number", "Model Name", "Device Model", "Product", "Modell"],
            "firmware_version": [
                "Firmware",
                "Firmware Version",
                "Software Version",
                "Software",
                "FW",
                "Version",
                "SW Version",
            ],
            "hardware_revision": [
                "Hardware Revision",
                "Hardware Rev",
                "HW Revision",
                "HW Rev",
                "Hardware Version",
                "HW Version",
            ],
            "configuration": [
                "Config",
                "Device Configuration",
                "Configuration Name",
                "Konfiguration",
            ],
            "ip_addresses": ["IP", "IP Address", "IP Addresses", "IPv4", "IPv4 Address"],
            "mac": ["MAC", "MAC Address", "Hardware Address", "Ethernet Address"],
            "hostname": ["Host", "Host Name", "DNS Name", "Device Name", "FQDN"],
            "zone": ["Network Zone", "Segment", "Zone Name"],
            "location": ["Room", "Ward", "Department Location", "Standort"],
            "owner": ["Owner", "Responsible", "Department", "Custodian"],
            "criticality": ["Clinical Criticality", "Criticality Level", "Risk Class"],
            "product_version_id": ["Profile Version", "Profile Version Id"],
        }.items()
        for alias in aliases
    },
}


class InventoryFileError(Error):
    """The file cannot be read as an inventory (before any row is checked)."""

    kind = "invalid-document"
    status = 422
    title = "The inventory file is not valid"


@dataclass(frozen=True)
class Row:
    """One record: its 1-based number among the records, where it starts (CSV line, or the
    JSON index), and each field's value with the column it came from."""

    number: int
    line: int
    values: dict[str, str]
    columns: dict[str, str]


@dataclass(frozen=True)
class Table:
    source: str
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)


def parse_mapping(name: str, content: bytes) -> dict[str, str]:
    """A mapping file (TOML or JSON): ``{"File column" = "field"}``, at the top level or in
    a ``[columns]`` table."""
    try:
        text = content.decode("utf-8-sig")
        data: object = json.loads(text) if name.lower().endswith(".json") else tomllib.loads(text)
    except (ValueError, RecursionError) as e:
        raise InventoryFileError(
            f"{name}: not a TOML or JSON mapping ({e})",
            hint='write lines like "Serial Number" = "serial"',
        ) from e
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise InventoryFileError(
            f"{name}: a mapping is a table of file column = field name",
            hint='e.g. "S/N" = "serial"',
        )
    unknown = sorted({v for v in data.values() if v not in FIELDS})
    if unknown:
        raise InventoryFileError(
            f"{name}: unknown field(s) {', '.join(unknown)}",
            hint=f"fields: {', '.join(FIELDS)}",
        )
    return {str(k): str(v) for k, v in data.items()}


def _columns(source: str, headers: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """Header → field, checking that no field comes from two columns."""
    chosen: dict[str, str] = {}
    if mapping is not None:
        missing = sorted(set(mapping) - set(headers))
        if missing:
            raise InventoryFileError(
                f"{source}: the mapping names column(s) the file does not have: "
                + ", ".join(missing),
                hint=f"the file's columns: {', '.join(headers)}",
            )
    # The mapping first; then the common headers, for fields the mapping does not give.
    if mapping is not None:
        chosen.update({h: mapping[h] for h in headers if h in mapping})
        duplicated = sorted({t for t in chosen.values() if list(chosen.values()).count(t) > 1})
        if duplicated:
            raise InventoryFileError(
                f"{source}: the mapping gives {', '.join(duplicated)} from several columns",
                hint="map each field from one column",
            )
    for header in headers:
        target = DEFAULT_HEADERS.get(header_key(header))
        if header in chosen or target is None:
            continue
        if target in chosen.values():
            if mapping is not None and target in mapping.values():
                continue  # the mapping chose another column for this field
            first = next(h for h, t in chosen.items() if t == target)
            raise InventoryFileError(
                f"{source}: columns '{first}' and '{header}' both give {target}",
                hint="map one of them with --mapping, or rename one",
            )
        chosen[header] = target
    if "serial" not in chosen.values():
        raise InventoryFileError(
            f"{source}: no column gives the serial number",
            hint='name a column "Serial Number" or map one: "<column>" = "serial"',
        )
    return chosen


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _read_csv(source: str, text: str, mapping: dict[str, str] | None) -> Table:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            sample.split("\n", 1)[0] or sample, delimiters=",;\t|"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = [h.strip() for h in next(reader, [])]
        if not any(headers):
            raise InventoryFileError(f"{source}: empty file", hint="the first line names columns")
        columns = _columns(source, headers, mapping)
        rows: list[Row] = []
        line = reader.line_num + 1
        for record in reader:
            if not any(cell.strip() for cell in record):
                line = reader.line_num + 1
                continue
            if len(record) > len(headers):
                raise InventoryFileError(
                    f"{source}:{line}: {len(record)} cells, the header has {len(headers)}",
                    hint="quote cells that contain the delimiter",
                )
            values = {
                target: record[i] if i < len(record) else ""
                for i, header in enumerate(headers)
                if (target := columns.get(header))
            }
            rows.append(Row(len(rows) + 1, line, values, {v: k for k, v in columns.items()}))
            if len(rows) > MAX_ROWS:
                raise InventoryFileError(f"{source}: more than {MAX_ROWS} rows")
            line = reader.line_num + 1
    except csv.Error as e:
        raise InventoryFileError(f"{source}:{reader.line_num}: {e}") from e
    ignored = [h for h in headers if h and h not in columns]
    return Table(source, rows, ignored)


def _read_json(source: str, text: str, mapping: dict[str, str] | None) -> Table:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise InventoryFileError(f"{source}: not JSON ({e})") from e
    if isinstance(data, dict) and isinstance(data.get("assets"), list):
        data = data["assets"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InventoryFileError(
            f"{source}: expected a list of objects", hint='[{"serial": "…", "vendor": "…"}]'
        )
    if len(data) > MAX_ROWS:
        raise InventoryFileError(f"{source}: more than {MAX_ROWS} rows")
    headers: list[str] = []
    for item in data:
        headers.extend(str(k) for k in item if str(k) not in headers)
    columns = _columns(source, headers, mapping) if data else {}
    rows = [
        Row(
            index + 1,
            index + 1,
            {t: _cell(item.get(h)) for h, t in columns.items() if h in item},
            {t: h for h, t in columns.items()},
        )
        for index, item in enumerate(data)
    ]
    return Table(source, rows, [h for h in headers if h not in columns])


def read_rows(source: str, content: bytes, mapping: dict[str, str] | None = None) -> Table:
    """The rows of a CSV or JSON inventory file (JSON when it starts with ``[`` or ``{``)."""
    if len(content) > MAX_FILE_BYTES:
        raise InventoryFileError(f"{source}: larger than {MAX_FILE_BYTES} bytes")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InventoryFileError(
            f"{source}: not UTF-8 text (byte {e.start})", hint="save the file as UTF-8"
        ) from e
    if "\x00" in text:
        raise InventoryFileError(f"{source}: contains NUL bytes", hint="export as text")
    if text.lstrip()[:1] in ("[", "{"):
        return _read_json(source, text, mapping)
    return _read_csv(source, text, mapping)
