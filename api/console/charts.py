"""Charts for the dashboard, drawn on the server as SVG: no chart library to fetch, nothing
from a CDN, readable without JavaScript. Pure: numbers in, markup out (escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 560, 220, 36


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "") -> str:
    """Vertical bars with their value above each; the title is the accessible name."""
    top = max([v for v in values if v is not None] + [0.0]) or 1.0
    n = max(len(values), 1)
    slot = (WIDTH - 2 * PAD) / n
    parts = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = 0 if value is None else (HEIGHT - 2 * PAD) * value / top
        x = PAD + index * slot + slot * 0.15
        y = HEIGHT - PAD - height
        shown = "–" if value is None else f"{value:,.0f}{unit}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}" '
            f'class="bar"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="value">'
            f"{escape(shown)}</text>"
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - PAD + 16:.1f}" text-anchor="middle" '
            f'class="label">{escape(label)}</text>'
        )
    return _svg(title, "".join(parts))


def line_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str) -> str:
    """A line through the known points (a gap where a value is missing)."""
    known = [v for v in values if v is not None]
    top, bottom = (max(known), min(known)) if known else (1.0, 0.0)
    span = (top - bottom) or 1.0
    n = max(len(values) - 1, 1)
    points, marks = [], []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = PAD + (WIDTH - 2 * PAD) * index / n
        if value is not None:
            y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * (value - bottom) / span
            points.append(f"{x:.1f},{y:.1f}")
            marks.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="point">'
                f"<title>{escape(label)}: {value:,.1f}</title></circle>"
            )
        marks.append(
            f'<text x="{x:.1f}" y="{HEIGHT - PAD + 16:.1f}" text-anchor="middle" class="label">'
            f"{escape(label)}</text>"
        )
    line = f'<polyline points="{" ".join(points)}" class="line" fill="none"/>' if points else ""
    return _svg(title, line + "".join(marks))


def _svg(title: str, body: str) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'class="chart" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>'
        f"{body}</svg>"
    )
