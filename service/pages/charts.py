"""Charts as inline SVG drawn on the server: no script, no CDN, nothing the page's CSP
(script-src 'self', style-src 'self') would block, and they print as they show.

Colours are presentation attributes (``fill``), not style, for the same reason. Each
chart carries a <title> and a table-like text fallback in its <desc> for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

BRAND = "#0a4f8a"
ACCENT = "#b3261e"
OK = "#1e6b34"
AXIS = "#4a5561"
GRID = "#d4dae1"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    colour: str


def _ticks(peak: float) -> tuple[float, int]:
    """A round top for the axis and how many steps up to it (whole numbers for counts)."""
    if peak <= 4 and float(peak).is_integer():
        return max(peak, 1), int(max(peak, 1))
    magnitude = 10 ** math.floor(math.log10(peak))
    top = next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= peak)
    return top, 4


def _number(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:.1f}B"
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:.0f}"


def _frame(title: str, width: int, height: int, body: list[str], desc: str, css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for index, s in enumerate(series):
        left = x + index * 170
        parts.append(
            f'<rect x="{left:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{s.colour}"/>'
            f'<text x="{left + 17:.1f}" y="{y:.1f}" font-size="14" fill="{AXIS}">'
            f"{escape(s.label)}</text>"
        )
    return parts


def bars(
    title: str, labels: Sequence[str], series: Sequence[Series], *, css: str = "", height: int = 260
) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series."""
    width = 480
    left, right, top, bottom = 44, 8, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak, steps = _ticks(max([v for s in series for v in s.values] + [1]))
    body = _legend(series, left, 16)
    for step in range(steps + 1):
        value = peak * step / steps
        y = top + plot_h - plot_h * step / steps
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="14" text-anchor="end" '
            f'fill="{AXIS}">{_number(value)}</text>'
        )
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = max(min(group_w * 0.8 / max(len(series), 1), 40), 2)
    every = max(1, groups // 8)
    for g, label in enumerate(labels):
        x0 = left + g * group_w + (group_w - bar_w * len(series)) / 2
        for k, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else 0
            h = plot_h * value / peak
            body.append(
                f'<rect class="bar" x="{x0 + k * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{s.colour}">'
                f"<title>{escape(label)}: {escape(s.label)} {_number(value)}</title></rect>"
            )
        if g % every == 0:
            body.append(
                f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" '
                f'font-size="14" text-anchor="middle" fill="{AXIS}">{escape(label)}</text>'
            )
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{s.label} {_number(s.values[i])}" for s in series)
        for i, label in enumerate(labels)
        if i < min(len(s.values) for s in series)
    )
    return _frame(title, width, height, body, desc, css)


def hbars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    css: str = "",
    label_chars: int = 20,
) -> Markup:
    """Horizontal bars, one row per label (long names: provinces), series side by side;
    ``label_chars`` widens the label column for longer names (editions, sectors)."""
    width, row_h = 480, 18 * max(len(series), 1) + 10
    left, right, top = max(150, label_chars * 15 // 2), 62, 30
    height = top + row_h * max(len(labels), 1) + 8
    plot_w = width - left - right
    peak = max([v for s in series for v in s.values] + [1])
    body = _legend(series, min(left, width + 30 - 170 * len(series)), 16)
    for r, label in enumerate(labels):
        y0 = top + r * row_h
        short = label.removeprefix("Thành phố ").removeprefix("Tỉnh ")
        short = short if len(short) <= label_chars else short[: label_chars - 1] + "…"
        body.append(
            f'<text x="{left - 8}" y="{y0 + row_h / 2 + 4:.1f}" font-size="14" text-anchor="end" '
            f'fill="{AXIS}">{escape(short)}</text>'
        )
        for k, s in enumerate(series):
            value = s.values[r] if r < len(s.values) else 0
            w = plot_w * value / peak
            y = y0 + 5 + k * 18
            body.append(
                f'<rect class="bar" x="{left}" y="{y:.1f}" width="{w:.1f}" height="16" '
                f'fill="{s.colour}"><title>{escape(label)}: {_number(value)}</title></rect>'
                f'<text x="{left + w + 4:.1f}" y="{y + 13:.1f}" font-size="14" fill="{AXIS}">'
                f"{_number(value)}</text>"
            )
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{s.label} {_number(s.values[i])}" for s in series)
        for i, label in enumerate(labels)
    )
    return _frame(title, width, height, body, desc, css)


def lines(
    title: str, labels: Sequence[str], series: Sequence[Series], *, css: str = "", height: int = 260
) -> Markup:
    """Cumulative lines over time (pledged against realised), with a dot per point."""
    width = 480
    left, right, top, bottom = 66, 30, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak, steps = _ticks(max([v for s in series for v in s.values] + [1]))
    body = _legend(series, left, 16)
    for step in range(steps + 1):
        y = top + plot_h - plot_h * step / steps
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="14" text-anchor="end" '
            f'fill="{AXIS}">{_number(peak * step / steps)}</text>'
        )
    count = max(len(labels), 1)
    step_x = plot_w / max(count - 1, 1)
    every = max(1, count // 4)
    for i, label in enumerate(labels):
        if i % every == 0 or i == count - 1:
            body.append(
                f'<text x="{left + i * step_x:.1f}" y="{height - bottom + 16}" font-size="14" '
                f'text-anchor="middle" fill="{AXIS}">{escape(label)}</text>'
            )
    for s in series:
        points = [
            (left + i * step_x, top + plot_h - plot_h * v / peak) for i, v in enumerate(s.values)
        ]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<polyline class="line" points="{path}" fill="none" stroke="{s.colour}" '
            f'stroke-width="3"/>'
        )
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{s.colour}"/>' for x, y in points]
    desc = "; ".join(
        f"{label}: " + ", ".join(f"{s.label} {_number(s.values[i])}" for s in series)
        for i, label in enumerate(labels)
    )
    return _frame(title, width, height, body, desc, css)
