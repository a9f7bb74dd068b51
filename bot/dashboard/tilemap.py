"""A schematic tile map of Latin America and the Caribbean: one equal square per country.

Equal tiles keep small island States as visible as Brazil, which suits a count of
organizations better than a geographic map would. Positions are hand-placed from north-west to
south-east; a country a pack adds outside this grid is shown in the bar chart beside the map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from markupsafe import Markup, escape

TILE = 44
GAP = 4

# (column, row) of each country's tile.
TILES: dict[str, tuple[int, int]] = {
    "MX": (0, 0), "CU": (3, 0), "BS": (4, 0), "TC": (5, 0), "BM": (8, 0),
    "GT": (0, 1), "BZ": (1, 1), "KY": (2, 1), "JM": (3, 1), "HT": (4, 1), "DO": (5, 1),
    "PR": (6, 1), "VI": (7, 1), "VG": (8, 1), "AI": (9, 1),
    "SV": (0, 2), "HN": (1, 2), "NI": (2, 2), "AW": (4, 2), "CW": (5, 2), "SX": (9, 2),
    "KN": (10, 2),
    "CR": (1, 3), "PA": (2, 3), "AG": (8, 3), "MS": (9, 3), "GP": (10, 3),
    "CO": (3, 4), "VE": (4, 4), "GY": (5, 4), "SR": (6, 4), "GF": (7, 4), "DM": (8, 4),
    "MQ": (9, 4), "LC": (10, 4),
    "EC": (2, 5), "PE": (3, 5), "BO": (4, 5), "BR": (5, 5), "TT": (8, 5), "VC": (9, 5),
    "BB": (10, 5),
    "CL": (3, 6), "PY": (4, 6), "UY": (5, 6), "GD": (9, 6),
    "AR": (4, 7),
}  # fmt: skip


def level(count: int, top: int) -> int:
    """0 for none, then 1 to 4 by the share of the largest count (the tile's shade)."""
    if count <= 0 or top <= 0:
        return 0
    return min(4, 1 + (4 * count - 1) // top)


def tile_map(
    counts: Mapping[str, int],
    name: Callable[[str], str],
    title: str,
    href: Callable[[str], str] | None = None,
) -> Markup:
    """The tiles, shaded by count; each names its country and count, and may link to answers."""
    top = max(counts.values(), default=0)
    columns = 1 + max(column for column, _ in TILES.values())
    rows = 1 + max(row for _, row in TILES.values())
    body = []
    for code, (column, row) in TILES.items():
        count = counts.get(code, 0)
        x, y = column * (TILE + GAP), row * (TILE + GAP)
        label = f"{name(code)}: {count}"
        shade = level(count, top)
        tile = (
            f'<rect class="tile q{shade}" x="{x}" y="{y}" width="{TILE}" '
            f'height="{TILE}" rx="4"/>'
            f'<text class="code" x="{x + TILE / 2}" y="{y + 19}" text-anchor="middle">{code}</text>'
            f'<text class="count" x="{x + TILE / 2}" y="{y + 35}" text-anchor="middle">'
            f"{count}</text>"
        )
        inner = f"<title>{escape(label)}</title>{tile}"
        if href is not None and count:
            inner = f'<a href="{escape(href(code))}" aria-label="{escape(label)}">{inner}</a>'
        body.append(f'<g class="country q{shade}">{inner}</g>')
    width, height = columns * (TILE + GAP), rows * (TILE + GAP)
    return Markup(
        f'<svg class="chart tilemap" viewBox="0 0 {width} {height}" role="group" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )
