"""The priority chart: one bar per level, open part drawn dark, every text escaped."""

from __future__ import annotations

import re

from medsec.findings.chart import priority_svg
from medsec.vulns.priority import Level


def test_each_level_has_a_bar_sized_by_its_count() -> None:
    svg = priority_svg({Level.CRITICAL: 4, Level.LOW: 2}, {Level.CRITICAL: 1})
    widths = [float(w) for w in re.findall(r'<rect x="80" y="\d+" width="([\d.]+)"', svg)]
    # (total, open) per level, critical … none; the widest bar is the largest count.
    assert widths[0] == 420.0 and widths[1] == 105.0
    assert widths[6] == 210.0 and widths[7] == 0.0
    assert svg.count("<rect") == 2 * len(Level)


def test_the_title_is_escaped() -> None:
    svg = priority_svg({}, {}, title="<script>&")
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg


def test_an_empty_fleet_draws_empty_bars() -> None:
    svg = priority_svg({}, {})
    assert 'width="0.0"' in svg and "none: 0 (0 open)" in svg
