"""A stakeholder's time zone from their country, from maintained data (CLDR via Babel, tzdata)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from importlib import resources

from babel.core import get_global


@lru_cache(maxsize=512)
def country_zone(country: str | None, fallback: str) -> str:
    """The zone most of the country lives by.

    CLDR lists a country's zones in no useful order (Chile starts with Coyhaique), so take the
    metazone most of its zones share, and within it the zone tzdata's zone.tab lists first.
    """
    if not country:
        return fallback
    zones = list(get_global("territory_zones").get(country.upper(), ()))
    if not zones:
        return fallback
    meta_zones = get_global("meta_zones")
    shared = Counter(meta_zones.get(zone, zone) for zone in zones)
    order = _zone_tab_order()
    return min(
        zones,
        key=lambda zone: (-shared[meta_zones.get(zone, zone)], order.get(zone, len(order)), zone),
    )


@lru_cache(maxsize=1)
def _zone_tab_order() -> dict[str, int]:
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return {row[2]: index for index, row in enumerate(rows) if len(row) >= 3}
