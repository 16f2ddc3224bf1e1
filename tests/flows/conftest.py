"""Builders shared by the flows tests: Zeek logs and authorized maps written by hand.

Tests import nothing from here: the builders come as the session fixture ``kit``
(``kit.conn_row(...)``, ``kit.tsv_text(...)``, ``kit.flow(...)``, ``kit.build_map(...)``)
and ``write_tsv`` writes a log into the test's ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from medsec.flows.authorized import AuthorizedMap, parse_map

CONN_FIELDS = (
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
    "resp_bytes conn_state local_orig missed_bytes history orig_pkts orig_ip_bytes "
    "resp_pkts resp_ip_bytes tunnel_parents"
).split()
CONN_TYPES = (
    "time string addr port addr port enum string interval count count string bool count "
    "string count count count count set[string]"
).split()

WriteTsv = Callable[..., Path]


def conn_row(
    orig: str,
    resp: str,
    port: int | str,
    proto: str = "tcp",
    *,
    ts: float | str = 1700000000.5,
    service: str = "-",
    orig_bytes: int | str = 100,
    resp_bytes: int | str = 200,
    orig_port: int | str = 40000,
) -> list[str]:
    """One conn.log data row with the standard fields."""
    stamp = f"{ts:.6f}" if isinstance(ts, float) else ts  # as Zeek writes `time`
    return [
        stamp, "CuId1", orig, str(orig_port), resp, str(port), proto, service, "0.500000",
        str(orig_bytes), str(resp_bytes), "SF", "-", "0", "ShADadFf", "5", "400", "5", "500",
        "(empty)",
    ]  # fmt: skip


def tsv_text(
    rows: Sequence[Sequence[str] | str],
    fields: Sequence[str] = CONN_FIELDS,
    types: Sequence[str] | None = CONN_TYPES,
    path: str | None = "conn",
    close: bool = True,
) -> str:
    lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-"]
    if path is not None:
        lines.append(f"#path\t{path}")
    lines.append("#open\t2023-11-14-22-13-20")
    lines.append("#fields\t" + "\t".join(fields))
    if types is not None:
        lines.append("#types\t" + "\t".join(types))
    lines += [r if isinstance(r, str) else "\t".join(r) for r in rows]
    if close:
        lines.append("#close\t2023-11-14-23-00-00")
    return "\n".join(lines) + "\n"


@pytest.fixture
def write_tsv(tmp_path: Path) -> WriteTsv:
    counter = iter(range(1_000_000))

    def write(rows: Sequence[Sequence[str] | str], name: str | None = None, **kw: Any) -> Path:
        path = tmp_path / (name or f"conn-{next(counter)}.log")
        path.write_text(tsv_text(rows, **kw), encoding="utf-8")
        return path

    return write


def flow(
    id: str,
    asset: str,
    direction: str,
    protocol: str,
    ports: Sequence[tuple[int, int]],
    peers: Sequence[str],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": id,
        "asset": asset,
        "direction": direction,
        "protocol": protocol,
        "ports": [list(p) for p in ports],
        "peer_cidrs": list(peers),
        **extra,
    }


def build_map(
    assets: Sequence[dict[str, Any]],
    flows: Sequence[dict[str, Any]],
    zones: Sequence[dict[str, Any]] = (),
    conduits: Sequence[dict[str, Any]] = (),
) -> AuthorizedMap:
    return parse_map(
        {
            "map_version": 1,
            "site": "Test site",
            "zones": list(zones),
            "assets": list(assets),
            "flows": list(flows),
            "conduits": list(conduits),
        },
        "test-map.json",
    )


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    return SimpleNamespace(
        CONN_FIELDS=CONN_FIELDS,
        CONN_TYPES=CONN_TYPES,
        conn_row=conn_row,
        tsv_text=tsv_text,
        flow=flow,
        build_map=build_map,
    )
