"""Reading inventory files: delimiters, BOM, header aliases, mappings, JSON; and any bytes
at all only ever raise :class:`medsec.errors.Error`."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.inventory.rows import InventoryFileError, parse_mapping, read_rows


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_any_delimiter_with_or_without_a_bom(delimiter: str, bom: str) -> None:
    header = delimiter.join(["Serial Number", "Manufacturer", "Model", "IP Address"])
    row = delimiter.join(["SN-1", "Northwind", "LVP-3000", "10.0.0.1"])
    table = read_rows("a.csv", f"{bom}{header}\r\n{row}\r\n".encode())
    assert [r.values for r in table.rows] == [
        {"serial": "SN-1", "vendor": "Northwind", "model": "LVP-3000", "ip_addresses": "10.0.0.1"}
    ]
    assert table.rows[0].columns["serial"] == "Serial Number"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("S/N", "serial"),
        ("serial_number", "serial"),
        ("SERIAL-NO", "serial"),
        ("Firmware", "firmware_version"),
        ("Software Version", "firmware_version"),
        ("IP Address", "ip_addresses"),
        ("MAC Address", "mac"),
        ("Host Name", "hostname"),
        ("Clinical Criticality", "criticality"),
        ("Hardware Revision", "hardware_revision"),
        ("HW Rev", "hardware_revision"),
        ("hardware_revision", "hardware_revision"),
        ("Configuration", "configuration"),
        ("Config", "configuration"),
        ("Device Configuration", "configuration"),
    ],
)
def test_common_headers_are_recognised(header: str, field: str) -> None:
    first = "serial" if field != "serial" else "vendor"
    table = read_rows("a.csv", f"{first},{header}\nx,y\n".encode())
    assert table.rows[0].values[field] == "y"


def test_rows_know_their_line_even_after_blank_and_multiline_records() -> None:
    text = 'serial,location\nA,"ICU\nbed 1"\n\nB,ward\n'
    table = read_rows("a.csv", text.encode())
    assert [(r.number, r.line, r.values["serial"]) for r in table.rows] == [
        (1, 2, "A"),
        (2, 5, "B"),
    ]


def test_unknown_columns_are_ignored_and_reported() -> None:
    table = read_rows("a.csv", b"serial,Colour\nA,red\n")
    assert table.ignored_columns == ["Colour"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"Colour\nred\n", "no column gives the serial number"),
        (b"serial,S/N\nA,B\n", "both give serial"),
        (b"serial\nA,B,C\n", "3 cells, the header has 1"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"serial": 1}', "expected a list of objects"),
        (b"[1, 2]", "expected a list of objects"),
        (b"[{", "not JSON"),
    ],
)
def test_unreadable_files(content: bytes, message: str) -> None:
    with pytest.raises(InventoryFileError, match=message):
        read_rows("a.csv", content)


def test_json_rows_carry_lists_and_numbers_as_text() -> None:
    data = [{"serial": 42, "ip_addresses": ["10.0.0.1", "10.0.0.2"], "vendor": None}]
    table = read_rows("a.json", json.dumps(data).encode())
    assert table.rows[0].values == {
        "serial": "42",
        "ip_addresses": "10.0.0.1; 10.0.0.2",
        "vendor": "",
    }


def test_a_mapping_chooses_columns() -> None:
    mapping = parse_mapping("m.toml", b'"Device ID" = "serial"\n"Maker" = "vendor"\n')
    table = read_rows("a.csv", b"Device ID,Maker,Serial Number\nD1,Acme,ignored\n", mapping)
    assert table.rows[0].values == {"serial": "D1", "vendor": "Acme"}
    assert table.ignored_columns == ["Serial Number"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.toml", b'"x" = "colour"', "unknown field"),
        ("m.toml", b"x = [", "not a TOML or JSON mapping"),
        ("m.json", b'{"x": 1}', "a mapping is a table"),
    ],
)
def test_bad_mappings(name: str, content: bytes, message: str) -> None:
    with pytest.raises(InventoryFileError, match=message):
        parse_mapping(name, content)


def test_a_mapping_naming_a_missing_column_is_refused() -> None:
    with pytest.raises(InventoryFileError, match="does not have: Device ID"):
        read_rows("a.csv", b"serial\nA\n", {"Device ID": "serial"})


CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_any_bytes_raise_only_error(content: bytes) -> None:
    try:
        read_rows("fuzz.csv", content)
    except Error:
        pass


@settings(max_examples=200)
@given(
    st.lists(st.lists(CELLS, min_size=1, max_size=5), min_size=1, max_size=6),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_any_csv_like_text_raises_only_error(rows: list[list[str]], delimiter: str) -> None:
    text = "\n".join(delimiter.join(row) for row in [["serial", "vendor"], *rows])
    try:
        table = read_rows("fuzz.csv", text.encode())
    except Error:
        return
    assert all(row.number >= 1 and row.line >= 2 for row in table.rows)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | CELLS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(CELLS, children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["serial", "S/N", "vendor", "x"]), JSON_VALUES), max_size=4
    )
)
def test_any_json_list_raises_only_error(items: list[dict[str, object]]) -> None:
    try:
        read_rows("fuzz.json", json.dumps(items).encode())
    except Error:
        pass


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_any_mapping_bytes_raise_only_error(content: bytes) -> None:
    for name in ("m.toml", "m.json"):
        try:
            parse_mapping(name, content)
        except Error:
            pass
