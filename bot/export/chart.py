"""A PNG bar chart for the report, drawn by the Agg canvas so servers need no display."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def bar_chart(rows: list[tuple[str, int]], title: str, axis_label: str) -> bytes:
    """Horizontal bars, largest on top; a Figure of its own, so no pyplot global state."""
    ordered = list(reversed(rows))
    figure = Figure(figsize=(7, 0.5 * len(rows) + 1.5), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    bars = axes.barh([label for label, _ in ordered], [count for _, count in ordered])
    axes.bar_label(bars, padding=3)
    axes.set_title(title)
    axes.set_xlabel(axis_label)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
