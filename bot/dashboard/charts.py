"""Charts drawn on the server as inline SVG: no script, no CDN, readable without colour.

Each chart is a pure function from figures to markup, styled by classes in dashboard.css (the
page's Content-Security-Policy forbids inline styles). Every bar carries its value as text and a
<title>, so the figures can be read by a screen reader and copied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 520
ROW = 26
LABEL_WIDTH = 210
MAX_LABEL = 28


def _short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _svg(width: int, height: int, title: str, body: list[str], css: str = "chart") -> Markup:
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bar_chart(
    rows: Sequence[tuple[str, int]], title: str, number: Callable[[int], str] = str
) -> Markup:
    """Horizontal bars in the given order, each labelled with its name and value."""
    if not rows:
        return Markup("")
    top = max(count for _, count in rows) or 1
    span = WIDTH - LABEL_WIDTH - 70
    body = []
    for index, (label, count) in enumerate(rows):
        y = index * ROW
        width = max(round(span * count / top), 1 if count else 0)
        text = f"{label}: {number(count)}"
        body.append(
            f'<g class="row"><title>{escape(text)}</title>'
            f'<text class="label" x="0" y="{y + 17}">{escape(_short(label))}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 4}" width="{width}" height="{ROW - 8}"/>'
            f'<text class="value" x="{LABEL_WIDTH + width + 6}" y="{y + 17}">'
            f"{escape(number(count))}</text></g>"
        )
    return _svg(WIDTH, len(rows) * ROW, title, body)


def _buckets(points: Sequence[tuple[dt.date, int]]) -> tuple[list[tuple[dt.date, int]], bool]:
    """Every day from the first to the last (gaps as zero); weeks when that is over 120 days."""
    counts = dict(points)
    first, last = min(counts), max(counts)
    if (last - first).days < 120:
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return [(day, counts.get(day, 0)) for day in days], False
    weeks: dict[dt.date, int] = {}
    for day, count in points:
        monday = day - dt.timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + count
    start = min(weeks)
    mondays = [start + dt.timedelta(weeks=n) for n in range((max(weeks) - start).days // 7 + 1)]
    return [(monday, weeks.get(monday, 0)) for monday in mondays], True


def time_series(
    points: Sequence[tuple[dt.date, int]],
    title: str,
    day_label: Callable[[dt.date], str],
    number: Callable[[int], str] = str,
) -> Markup:
    """Columns per day (or per week over long spans) with the first, last and highest marked."""
    if not points:
        return Markup("")
    series, weekly = _buckets(points)
    height, bottom, left = 180, 24, 44
    plot_w, plot_h = WIDTH - left - 8, height - bottom - 14
    top = max(count for _, count in series) or 1
    step = plot_w / len(series)
    body = [
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{WIDTH - 8}" '
        f'y2="{height - bottom}"/>',
        f'<text class="tick" x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
        f'<text class="tick" x="{left - 6}" y="22" text-anchor="end">{escape(number(top))}</text>',
    ]
    for index, (day, count) in enumerate(series):
        bar_h = plot_h * count / top
        x = left + index * step
        label = f"{day_label(day)}: {number(count)}"
        body.append(
            f'<rect class="column" x="{x + step * 0.1:.1f}" y="{height - bottom - bar_h:.1f}" '
            f'width="{max(step * 0.8, 1):.1f}" height="{bar_h:.1f}"><title>{escape(label)}'
            f"</title></rect>"
        )
    first, last = series[0][0], series[-1][0]
    body.append(
        f'<text class="tick" x="{left}" y="{height - 6}">{escape(day_label(first))}</text>'
        f'<text class="tick" x="{WIDTH - 8}" y="{height - 6}" text-anchor="end">'
        f"{escape(day_label(last))}</text>"
    )
    css = "chart series weekly" if weekly else "chart series"
    return _svg(WIDTH, height, title, body, css)


def share_bar(percent: int, label: str) -> Markup:
    """A small bar of a share out of 100, for a table cell."""
    width = max(0, min(100, percent))
    return Markup(
        f'<svg class="share" viewBox="0 0 100 10" role="img" aria-label="{escape(label)}">'
        f'<rect class="track" x="0" y="0" width="100" height="10"/>'
        f'<rect class="bar" x="0" y="0" width="{width}" height="10"/></svg>'
    )


def stacked_bar(parts: Sequence[tuple[str, str, int]], title: str) -> Markup:
    """One bar split into (css class, label, count) parts, with a legend below."""
    total = sum(count for _, _, count in parts)
    width, height = 320, 46
    body, x = [], 0.0
    for css, label, count in parts:
        if not count:
            continue
        part = width * count / (total or 1)
        body.append(
            f'<rect class="part {escape(css)}" x="{x:.1f}" y="0" width="{part:.1f}" height="18">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        x += part
    if not total:
        body.append(f'<rect class="part empty" x="0" y="0" width="{width}" height="18"/>')
    legend_x = 0
    for css, label, count in parts:
        text = f"{label} {count}"
        body.append(
            f'<rect class="part {escape(css)}" x="{legend_x}" y="28" width="10" height="10"/>'
            f'<text class="legend" x="{legend_x + 14}" y="37">{escape(text)}</text>'
        )
        legend_x += 14 + 7 * len(text) + 12
    return _svg(max(width, legend_x), height, title, body, "chart stacked")
