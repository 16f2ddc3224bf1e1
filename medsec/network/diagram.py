"""The zone diagram of a site as SVG, drawn on the server (no JavaScript).

Zones are boxes (name, target SL, CIDRs) around an ellipse, so that an arrow between two
of them passes no third; each conduit is an arrow from the
zone that opens the connections to the other (two heads when bidirectional), labelled
with its services. A zone pair with a ``no-conduit`` conflict — a flow a profile needs
that no conduit permits — is drawn as a dashed red arrow, over the conduit if there is
one (it does not permit enough) or alone (there is none). The SVG carries a ``<title>``
and a ``<desc>`` that say the same in words; pages show the conduit table beside it.

>>> from medsec.network.site import Site, Zone
>>> svg = zone_diagram(Site(site="S", zones=[Zone(name="a", security_level=2)]), [])
>>> svg.startswith("<svg") and "SL 2" in svg
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from medsec.network.flowmap import Conflict
from medsec.network.site import Conduit, ConduitService, Site

BOX_W, BOX_H = 230, 86
MARGIN = 20

_PAIR = re.compile(r"(\S+) → (\S+) ")


@dataclass(frozen=True)
class Arrow:
    start: str
    end: str
    label: str
    both: bool
    conflict: bool


def conflict_pairs(conflicts: Sequence[Conflict]) -> dict[tuple[str, str], list[str]]:
    """Zone pairs (opener, listener) of the ``no-conduit`` conflicts, with their flows."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for c in conflicts:
        found = _PAIR.search(c.message) if c.kind == "no-conduit" else None
        if found:
            pairs.setdefault((found[1], found[2]), []).append(c.flow)
    return pairs


def service_label(service: ConduitService) -> str:
    ports = ",".join(
        str(p.start) if p.start == p.end else f"{p.start}-{p.end}" for p in service.ports
    )
    proto = "" if service.protocol == "any" else service.protocol
    where = " ".join(x for x in (proto, ports) if x)
    return f"{service.name} ({where})" if service.name and where else service.name or where


def conduit_label(conduit: Conduit) -> str:
    return "; ".join(service_label(s) for s in conduit.services)


def _arrows(site: Site, conflicts: Sequence[Conflict]) -> list[Arrow]:
    pairs = conflict_pairs(conflicts)
    arrows = [
        Arrow(c.from_zone, c.to_zone, conduit_label(c), c.bidirectional, False)
        for c in site.conduits
    ]
    for (start, end), flows in sorted(pairs.items()):
        arrows.append(Arrow(start, end, f"needed, not permitted: {', '.join(flows)}", False, True))
    return arrows


def _edge(cx: float, cy: float, dx: float, dy: float) -> tuple[float, float]:
    """Where the ray from a box's centre in direction (dx, dy) leaves the box."""
    scale = min(
        (BOX_W / 2) / abs(dx) if dx else math.inf, (BOX_H / 2) / abs(dy) if dy else math.inf
    )
    return cx + dx * scale, cy + dy * scale


def zone_diagram(site: Site, conflicts: Sequence[Conflict]) -> str:
    """The SVG document (an ``<svg>`` element, to inline in HTML or serve as a file)."""
    centres: dict[str, tuple[float, float]] = {}
    boxes: list[str] = []
    count = len(site.zones)
    rx = max(BOX_W * 1.2, count * 62.0)
    ry = max(BOX_H * 1.6, count * 40.0)
    width = int(2 * (MARGIN + rx) + BOX_W)
    height = int(2 * (MARGIN + ry) + BOX_H)
    for i, zone in enumerate(site.zones):
        angle = -math.pi / 2 + 2 * math.pi * i / max(count, 1)
        cx = width / 2 + (rx * math.cos(angle) if count > 1 else 0)
        cy = height / 2 + (ry * math.sin(angle) if count > 1 else 0)
        x, y = round(cx - BOX_W / 2), round(cy - BOX_H / 2)
        centres[zone.name] = (cx, cy)
        nets = ", ".join(zone.cidrs) or ("the internet" if zone.internet else "no networks")
        if len(nets) > 38:
            nets = nets[:37] + "…"
        boxes.append(
            f'<g class="zone"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="#f4f7fb" stroke="#34495e" stroke-width="1.5"/>'
            f'<text x="{x + 12}" y="{y + 26}" font-weight="bold">{escape(zone.name)}</text>'
            f'<text x="{x + 12}" y="{y + 50}">SL {zone.security_level}</text>'
            f'<text x="{x + 12}" y="{y + 74}" font-size="12">{escape(nets)}</text></g>'
        )
    lines: list[str] = []
    seen: dict[frozenset[str], int] = {}
    for arrow in _arrows(site, conflicts):
        if arrow.start not in centres or arrow.end not in centres:
            continue
        (ax, ay), (bx, by) = centres[arrow.start], centres[arrow.end]
        key = frozenset((arrow.start, arrow.end))
        nth = seen.get(key, 0)
        seen[key] = nth + 1
        length = math.hypot(bx - ax, by - ay) or 1.0
        ux, uy = (bx - ax) / length, (by - ay) / length
        # offsets across the line, the same side for both directions of one pair
        sign = 1 if arrow.start < arrow.end else -1
        shift = (nth * 14 - 7) * sign
        ox, oy = -uy * shift, ux * shift
        sx, sy = _edge(ax, ay, ux, uy)
        ex, ey = _edge(bx, by, -ux, -uy)
        sx, sy, ex, ey = sx + ox, sy + oy, ex + ox, ey + oy
        colour = "#c0392b" if arrow.conflict else "#2c3e50"
        dash = ' stroke-dasharray="6 4"' if arrow.conflict else ""
        marker = "conflict" if arrow.conflict else "head"
        start = f' marker-start="url(#{marker}-back)"' if arrow.both else ""
        label = arrow.label if len(arrow.label) <= 44 else arrow.label[:43] + "…"
        at = 0.5 + (0.12 if nth % 2 else -0.12) * (1 if nth else 0)
        lx, ly = sx + (ex - sx) * at + ox, sy + (ey - sy) * at + oy - 4
        lines.append(
            f'<g class="{"conflict" if arrow.conflict else "conduit"}">'
            f"<title>{escape(arrow.start)} → {escape(arrow.end)}: {escape(arrow.label)}</title>"
            f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="{colour}" '
            f'stroke-width="2"{dash} marker-end="url(#{marker})"{start}/>'
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" text-anchor="middle" '
            f'fill="{colour}" stroke="#fff" stroke-width="3" paint-order="stroke">'
            f"{escape(label)}</text></g>"
        )
    pairs = conflict_pairs(conflicts)
    desc = (
        f"{len(site.zones)} zones and {len(site.conduits)} conduits of site {site.site}; "
        f"{len(pairs)} zone pairs with flows no conduit permits. The conduit table below "
        "lists the same."
    )
    defs = "".join(
        f'<marker id="{name}{suffix}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="{orient}"><path d="M0,0 L10,5 L0,10 z" fill="{fill}"/></marker>'
        for name, fill in (("head", "#2c3e50"), ("conflict", "#c0392b"))
        for suffix, orient in (("", "auto"), ("-back", "auto-start-reverse"))
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="zd-title zd-desc" '
        f'font-family="system-ui, sans-serif" font-size="14">'
        f'<title id="zd-title">Zones and conduits of {escape(site.site)}</title>'
        f'<desc id="zd-desc">{escape(desc)}</desc><defs>{defs}</defs>'
        + "".join(boxes)
        + "".join(lines)
        + "</svg>"
    )
