"""The data-flow diagram of a profile, as a small self-contained SVG.

The device sits in the middle; the endpoints it talks to sit left and right of it, one
row each. Every declared data flow is a solid arrow in the direction the data travels,
labelled with its service and port and its data categories; flows that carry PHI or PII
are red, thicker and tagged ``[PHI]``/``[PII]`` (colour is never the only mark). A
service connection that carries no declared flow (NTP, say) is a dashed grey arrow from
the side that opens the connection.

The SVG is written by hand: no Python library lays out and renders a small node-link
diagram without a system binary (graphviz's ``dot``, or a browser for JavaScript
libraries), and this layout — two columns around one box, horizontal arrows — needs no
layout engine. Every piece of profile text is XML-escaped, and text widths are estimated
from the character count because no font metrics are available without a renderer.

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> flow_diagram_svg(load_profile_text(EXAMPLE_MINIMAL)).startswith("<svg")
True
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass

from medsec.documents.guide import port_label
from medsec.profiles.psp import DEVICE, Direction, Endpoint, ProductSecurityProfile

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
FONT_SIZE = 11
LINE = 14  # baseline-to-baseline distance of label lines
CHAR_WIDTH = 6.6  # average advance of an 11 px sans-serif character, estimated
PAD = 10
MARGIN = 20
NODE_WIDTH = 200
DEVICE_WIDTH = 190
LABEL_WRAP = 44  # characters per label line
NAME_WRAP = 26  # characters per line in a node box
ROW_GAP = 16
TOP = 48

PERSONAL = "#b00020"
PLAIN = "#1f4e79"
CONNECTION = "#6b6b6b"

#: Characters XML 1.0 forbids even when escaped; dropped from any text we draw.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """Profile text made safe for SVG character data and attribute values."""
    return html.escape(_NOT_XML.sub("", value), quote=True)


@dataclass(frozen=True)
class Label:
    text: str
    personal: bool = False


@dataclass(frozen=True)
class Arrow:
    """All flows (or one connection) between one endpoint and the device, one way."""

    to_device: bool
    lines: tuple[Label, ...]
    personal: bool
    declared_flow: bool

    @property
    def height(self) -> int:
        return len(self.lines) * LINE + 18


@dataclass(frozen=True)
class Row:
    endpoint: Endpoint
    name_lines: tuple[str, ...]
    arrows: tuple[Arrow, ...]

    @property
    def height(self) -> int:
        node = (len(self.name_lines) + 1) * LINE + 2 * PAD
        lanes = sum(a.height for a in self.arrows) + PAD
        return max(node, lanes)


def _arrows(profile: ProductSecurityProfile, endpoint: str) -> tuple[Arrow, ...]:
    arrows = []
    carried: set[str] = set()  # service ids that carry a declared flow with this endpoint
    for to_device in (True, False):
        flows = [
            f
            for f in profile.data.flows
            if (f.source, f.destination)
            == ((endpoint, DEVICE) if to_device else (DEVICE, endpoint))
        ]
        if not flows:
            continue
        lines: list[Label] = []
        for flow in flows:
            service = profile.service(flow.service) if flow.service else None
            if service is not None:
                carried.add(service.id)
            via = f"{service.name} {port_label(service)}" if service else "service not stated"
            names = []
            personal = False
            for category_id in flow.categories:
                category = profile.category(category_id)
                if category is None:
                    names.append(category_id)
                    continue
                tag = f" [{category.kind.value.upper()}]" if category.kind.personal else ""
                personal = personal or category.kind.personal
                names.append(category.name + tag)
            wrapped = textwrap.wrap(f"{via}: {'; '.join(names)}", LABEL_WRAP)
            lines.extend(Label(line, personal) for line in wrapped)
        personal_arrow = any(line.personal for line in lines)
        arrows.append(Arrow(to_device, tuple(lines), personal_arrow, declared_flow=True))
    for service in profile.network.services:
        peers = (
            service.server if service.direction is Direction.OUTBOUND else service.expected_client
        )
        if endpoint not in peers or service.id in carried:
            continue
        label = f"{service.name} {port_label(service)} (connection only, no data flow declared)"
        arrows.append(
            Arrow(
                to_device=service.direction is Direction.INBOUND,
                lines=tuple(Label(line) for line in textwrap.wrap(label, LABEL_WRAP)),
                personal=False,
                declared_flow=False,
            )
        )
    return tuple(arrows)


def _height(column: list[Row]) -> int:
    return sum(r.height + ROW_GAP for r in column)


def _label_text(x: float, y: float, line: str, *, bold: bool = False, fill: str = "#000") -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-family="{FONT}" font-size="{FONT_SIZE}" '
        f'fill="{fill}"{weight}>{_text(line)}</text>'
    )


def _arrow(x_from: float, x_to: float, y: float, arrow: Arrow) -> list[str]:
    colour = PERSONAL if arrow.personal else PLAIN if arrow.declared_flow else CONNECTION
    width = 3 if arrow.personal else 1.5
    dash = "" if arrow.declared_flow else ' stroke-dasharray="6 4"'
    step = -9 if x_to > x_from else 9
    return [
        f'<line x1="{x_from:.0f}" y1="{y:.0f}" x2="{x_to + step:.0f}" y2="{y:.0f}" '
        f'stroke="{colour}" stroke-width="{width}"{dash}/>',
        f'<polygon points="{x_to:.0f},{y:.0f} {x_to + step:.0f},{y - 5:.0f} '
        f'{x_to + step:.0f},{y + 5:.0f}" fill="{colour}"/>',
    ]


def _row(
    row: Row, node_x: float, y: float, near: float, far: float, *, endpoint_on_left: bool
) -> list[str]:
    """One endpoint box and its arrows, each in a group a reader (or a test) can find."""
    ident = _text(row.endpoint.id)
    out = [
        f'<g class="endpoint" data-endpoint="{ident}">',
        f"<title>{_text(row.endpoint.name)}</title>",
        f'<rect x="{node_x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{row.height}" '
        'rx="4" fill="#f7f7f7" stroke="#444" stroke-width="1"/>',
    ]
    for i, line in enumerate(row.name_lines):
        out.append(_label_text(node_x + PAD, y + PAD + (i + 1) * LINE, line, bold=True))
    kind_y = y + PAD + (len(row.name_lines) + 1) * LINE
    out.append(_label_text(node_x + PAD, kind_y, f"({row.endpoint.kind.value})"))
    out.append("</g>")
    lane = y + PAD
    for arrow in row.arrows:
        kind = "flow" if arrow.declared_flow else "connection"
        personal = " personal" if arrow.personal else ""
        direction = "to-device" if arrow.to_device else "from-device"
        out.append(
            f'<g class="{kind}{personal}" data-endpoint="{ident}" data-direction="{direction}">'
        )
        for i, label in enumerate(arrow.lines):
            colour = PERSONAL if label.personal else "#000"
            out.append(_label_text(near + 12, lane + (i + 1) * LINE, label.text, fill=colour))
        line_y = lane + len(arrow.lines) * LINE + 8
        rightwards = arrow.to_device == endpoint_on_left
        start, end = (near, far) if rightwards else (far, near)
        out.extend(_arrow(start, end, line_y, arrow))
        out.append("</g>")
        lane += arrow.height
    return out


def flow_diagram_svg(profile: ProductSecurityProfile) -> str:
    """An SVG document (no XML declaration, so it can be inlined in HTML)."""
    rows = [
        Row(e, tuple(textwrap.wrap(e.name, NAME_WRAP)) or (e.id,), _arrows(profile, e.id))
        for e in profile.network.endpoints
    ]
    longest = max((len(ln.text) for r in rows for a in r.arrows for ln in a.lines), default=0)
    gap = max(200.0, min(longest * CHAR_WIDTH + 40, LABEL_WRAP * CHAR_WIDTH + 40))
    left: list[Row] = []
    right: list[Row] = []
    for row in rows:  # each row goes to the shorter column, keeping the profile's order
        column = left if _height(left) <= _height(right) else right
        column.append(row)
    body = max(_height(left), _height(right), 100)
    device_x = MARGIN + NODE_WIDTH + gap
    right_x = device_x + DEVICE_WIDTH + gap
    width = right_x + NODE_WIDTH + MARGIN
    legend_y = TOP + body + 20
    height = legend_y + 3 * LINE + MARGIN
    product = profile.product
    title = f"Data flows of {product.name} {product.version}"

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        'aria-labelledby="flow-diagram-title flow-diagram-desc" class="flow-diagram">',
        f'<title id="flow-diagram-title">{_text(title)}</title>',
        '<desc id="flow-diagram-desc">The device in the middle and the parties it '
        "exchanges data with around it. The data-flow table lists the same flows.</desc>",
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#fff"/>',
        _label_text(MARGIN, 26, title, bold=True),
        f'<rect x="{device_x:.0f}" y="{TOP}" width="{DEVICE_WIDTH}" height="{body - ROW_GAP}" '
        'rx="8" fill="#e8f0f8" stroke="#1f4e79" stroke-width="2"/>',
    ]
    device_lines = [*textwrap.wrap(product.name, NAME_WRAP - 4), product.version, "(this device)"]
    centre = TOP + (body - ROW_GAP) / 2 - len(device_lines) * LINE / 2 + LINE
    for i, line in enumerate(device_lines):
        out.append(_label_text(device_x + PAD, centre + i * LINE, line, bold=i == 0))

    for side, column in ((0, left), (1, right)):
        node_x = MARGIN if side == 0 else right_x
        # A lane runs between `near` (its left end) and `far`: from the endpoint box to the
        # device box in the left column, from the device box to the endpoint box on the right.
        near = MARGIN + NODE_WIDTH if side == 0 else device_x + DEVICE_WIDTH
        far = device_x if side == 0 else right_x
        y = float(TOP)
        for row in column:
            out.extend(_row(row, node_x, y, near, far, endpoint_on_left=side == 0))
            y += row.height + ROW_GAP

    legend = [
        (PERSONAL, "Red, thick, tagged [PHI]/[PII]: the flow carries personal (health) data."),
        (PLAIN, "Solid: a declared data flow, pointing the way the data travels."),
        (CONNECTION, "Dashed: a connection without a declared data flow, from its initiator."),
    ]
    for i, (colour, text) in enumerate(legend):
        out.append(_label_text(MARGIN, legend_y + i * LINE, text, fill=colour))
    out.append("</svg>")
    return "\n".join(out)
