"""The update-compliance chart as inline SVG, drawn on the server (no JavaScript).

Every text in it is escaped; the page shows the same figures as a table for screen
readers and for copying.

>>> import datetime as dt
>>> from medsec.updates.exposure import CompliancePoint
>>> at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
>>> svg = compliance_svg([CompliancePoint(at, 3, 4)])
>>> svg.startswith("<svg") and "75%" in svg
True
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from medsec.updates.exposure import CompliancePoint

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


def compliance_svg(points: Sequence[CompliancePoint], title: str = "Update compliance") -> str:
    """A line chart of the share up to date (0–100 %) per point."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step if len(points) > 1 else LEFT + inner_w / 2

    def y(share: float) -> float:
        return TOP + inner_h * (1 - share)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    parts.extend(
        f'<line x1="{LEFT}" y1="{y(share):.1f}" x2="{WIDTH - RIGHT}" y2="{y(share):.1f}" '
        'stroke="#ccc" stroke-width="1"/>'
        f'<text x="{LEFT - 6}" y="{y(share) + 4:.1f}" text-anchor="end" '
        f'font-size="11">{int(share * 100)}%</text>'
        for share in (0.0, 0.5, 1.0)
    )
    coords = " ".join(f"{x(i):.1f},{y(p.share):.1f}" for i, p in enumerate(points))
    if points:
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#1f5f99" stroke-width="2"/>')
    for i, point in enumerate(points):
        label = escape(point.at.date().isoformat())
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(point.share):.1f}" r="3" fill="#1f5f99">'
            f"<title>{label}: {round(point.share * 100)}% "
            f"({point.up_to_date}/{point.total})</title></circle>"
        )
        if i % max(1, len(points) // 6) == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="10">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
