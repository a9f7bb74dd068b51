"""The pure parts of the dashboard: SVG charts, the tile map, names and the filters' parsing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from starlette.datastructures import QueryParams

from bot.core.i18n import translator
from bot.dashboard.charts import bar_chart, share_bar, stacked_bar, time_series
from bot.dashboard.filters import MAX_TEXT, parse_cursor, parse_query
from bot.dashboard.naming import Names
from bot.dashboard.tilemap import TILES, level, tile_map
from bot.pack import Pack

DAY = dt.date(2025, 3, 1)


def test_bars_escape_labels_and_show_values() -> None:
    """A label is text, never markup; each bar carries its value."""
    svg = str(bar_chart([("<script>x</script>", 7), ("Chile", 3)], "Title & more"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('class="bar"') == 2 and ">7</text>" in svg and ">3</text>" in svg
    assert "Title &amp; more" in svg
    assert str(bar_chart([], "Nothing")) == ""


def test_time_series_fills_missing_days_with_zero() -> None:
    """Three days apart: four columns, the two between them empty."""
    svg = str(time_series([(DAY, 2), (DAY + dt.timedelta(days=3), 5)], "t", str))
    assert svg.count('class="column"') == 4
    assert svg.count('height="0.0"') == 2


def test_time_series_uses_weeks_over_long_spans() -> None:
    """Over 120 days the columns are weeks, each week's days added up."""
    points = [(DAY + dt.timedelta(days=n), 1) for n in range(0, 200, 2)]
    svg = str(time_series(points, "t", str))
    assert "weekly" in svg
    assert 28 <= svg.count('class="column"') <= 30


def test_tile_map_shades_links_and_names_countries() -> None:
    """Every tile shows its code; only countries with stakeholders link to their answers."""
    svg = str(tile_map({"CL": 8, "HT": 1}, lambda code: f"name-{code}", "map", lambda c: f"/a/{c}"))
    assert svg.count('class="code"') == len(TILES)
    assert svg.count("<a ") == 2 and 'href="/a/CL"' in svg
    assert "name-CL: 8" in svg and 'class="tile q4"' in svg
    assert [level(n, 8) for n in (0, 1, 2, 4, 6, 8)] == [0, 1, 1, 2, 3, 4]


def test_stacked_bar_and_share_bar() -> None:
    """Parts in proportion with a legend; an empty bar still draws; shares stay within 0-100."""
    svg = str(stacked_bar([("sent", "Sent", 3), ("failed", "Failed", 1)], "Delivery"))
    assert 'width="240.0"' in svg and 'width="80.0"' in svg and "Sent 3" in svg
    assert "part empty" in str(stacked_bar([("sent", "Sent", 0)], "Nothing yet"))
    assert 'width="100"' in str(share_bar(150, "x")).split('class="bar"')[1]


def test_names_quote_only_consenting_organizations(pack: Pack) -> None:
    """The name where attribution was given, else category and subregion from the pack."""
    names = Names(pack, translator("en"))
    row = SimpleNamespace(
        organization="Red Migrante", attribution_consent=True, category="academia",
        subregion="caribbean", country="HT",
    )  # fmt: skip
    assert names.who(row) == "Red Migrante"
    hidden = SimpleNamespace(**{**vars(row), "attribution_consent": False})
    assert names.who(hidden) == "an academic institution from The Caribbean"
    unknown = SimpleNamespace(**{**vars(hidden), "attribution_consent": None})
    assert "Red Migrante" not in names.who(unknown)


def test_answers_read_as_a_person_reads_them(pack: Pack) -> None:
    """Options as labels, objectives by number and title, skips and files in words."""
    names = Names(pack, translator("en"))
    assert names.answer({"skipped": True}, "inclusion", "practices") == "(skipped)"
    assert names.answer({"objectives": [14]}, "inclusion", "objectives").startswith("14 · ")
    assert names.answer({"options": ["finance"]}, "inclusion", "cooperation") != "finance"
    assert names.answer({"kind": "voice", "attachment_id": 3}, "inclusion", "evidence") == (
        "Voice note: #3"
    )


def test_filters_keep_only_what_the_pack_knows(pack: Pack) -> None:
    """Known keys pass, unknown ones are dropped and flagged, countries are upper-cased."""
    query = parse_query(
        QueryParams("session=inclusion&session=nope&country=cl&country=XX&q=" + "a" * 150),
        pack,
    )
    assert query.filters.sessions == ("inclusion",)
    assert query.filters.countries == ("CL",)
    assert len(query.text) == MAX_TEXT and query.ignored
    clean = parse_query(QueryParams("language=en&subregion=caribbean&category=academia"), pack)
    assert not clean.ignored and clean.params() == [
        ("subregion", "caribbean"), ("category", "academia"), ("language", "en"),
    ]  # fmt: skip
    assert parse_cursor(QueryParams("before=12&after=x")) == (12, None)
