"""Findings by priority as an inline SVG bar chart, drawn on the server (no JavaScript).

One bar per priority level (critical … none); the open part of each bar (affected or
under investigation) is drawn dark, the rest (VEX or triage cleared, unknown version)
light. Every text is escaped; the page shows the same figures as a table.

>>> from medsec.vulns.priority import Level
>>> svg = priority_svg({Level.CRITICAL: 3}, {Level.CRITICAL: 2})
>>> svg.startswith("<svg") and "critical: 3 (2 open)" in svg
True
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

from medsec.vulns.priority import Level

WIDTH, ROW, LEFT, RIGHT, TOP = 560, 28, 80, 60, 8
COLOURS = {
    Level.CRITICAL: "#8b1a1a",
    Level.HIGH: "#c0392b",
    Level.MEDIUM: "#b9770e",
    Level.LOW: "#1f5f99",
    Level.NONE: "#5d6d7e",
}


def priority_svg(
    total: Mapping[Level, int], open_: Mapping[Level, int], title: str = "Findings by priority"
) -> str:
    """Bars of ``total`` per level with the ``open_`` part dark."""
    levels = list(Level)
    height = TOP * 2 + ROW * len(levels)
    most = max([total.get(level, 0) for level in levels] + [1])
    inner = WIDTH - LEFT - RIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="findings-chart-title">',
        f'<title id="findings-chart-title">{escape(title)}</title>',
    ]
    for i, level in enumerate(levels):
        y = TOP + i * ROW
        count, opened = total.get(level, 0), min(open_.get(level, 0), total.get(level, 0))
        width, dark = inner * count / most, inner * opened / most
        label = f"{level.value}: {count} ({opened} open)"
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 17}" text-anchor="end" font-size="12">'
            f"{escape(level.value)}</text>"
            f'<rect x="{LEFT}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" '
            f'fill="{COLOURS[level]}" fill-opacity="0.35"><title>{escape(label)}</title></rect>'
            f'<rect x="{LEFT}" y="{y + 4}" width="{dark:.1f}" height="{ROW - 8}" '
            f'fill="{COLOURS[level]}"><title>{escape(label)}</title></rect>'
            f'<text x="{LEFT + width + 6:.1f}" y="{y + 17}" font-size="12">{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
