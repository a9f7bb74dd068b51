"""The report quotes everything up to a limit, past it a sample spanning who answered."""

from __future__ import annotations

import pytest

from bot.export import report
from bot.export.report import Quote, QuoteSample, length_band
from bot.pack import Pack
from storage.db import Database
from tests.export.helpers import export_bytes
from tests.export.seed import ANA_TEXT, BEN_TEXT, Seed

CATEGORIES = ("migrant_led", "academia", "civil_society", "diaspora")
COUNTRIES = ("HT", "DO", "JM", "CU", "TT", "BB")


def _quote(number: int, text: str = "Una respuesta") -> Quote:
    category, country = CATEGORIES[number % 4], COUNTRIES[number % 6]
    language = "es" if number % 5 else "en"
    facets = (f"c:{category}", f"n:{country}", f"l:{language}", length_band(text * (number % 3)))
    return Quote(text, f"org {number}", number, facets)


def _filled(count: int, limit: int = 10) -> QuoteSample:
    sample = QuoteSample(limit)
    for number in range(1, count + 1):
        sample.add(_quote(number))
    return sample


def test_up_to_the_limit_every_answer_is_quoted_in_order() -> None:
    """At or below the limit nothing is sampled: every quote, in answer order."""
    sample = _filled(10)
    assert not sample.sampled
    assert [quote.answer_id for quote in sample.quotes()] == list(range(1, 11))


def test_past_the_limit_a_sample_spans_every_category_country_and_language() -> None:
    """A sample of `limit` quotes covers each category, country and language that answered."""
    sample = _filled(5_000)
    quotes = sample.quotes()
    assert sample.sampled and sample.count == 5_000 and len(quotes) == 10
    shown = {facet for quote in quotes for facet in quote.facets}
    every = {facet for number in range(1, 5_001) for facet in _quote(number).facets}
    assert shown == every
    assert [quote.answer_id for quote in quotes] == sorted(quote.answer_id for quote in quotes)


def test_the_sample_is_the_same_every_time() -> None:
    """The same answers give the same sample, so a report can be made again."""
    assert _filled(3_000).quotes() == _filled(3_000).quotes()


def test_memory_stays_bounded_however_many_answers() -> None:
    """Quotes held stay under the facets seen plus twice the limit."""
    sample = _filled(20_000)
    facets = len(CATEGORIES) + len(COUNTRIES) + 2 + 3
    assert sample.held <= facets + 2 * sample.limit


@pytest.fixture
def limit_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "QUOTE_LIMIT", 1)


async def test_report_says_how_many_were_quoted_and_where_the_rest_are(
    db: Database, pack: Pack, seeded: Seed, limit_one: None
) -> None:
    """Past the limit the report keeps the count in the heading and points to the spreadsheet."""
    text = (await export_bytes(db, pack, "md")).decode("utf-8")
    caribbean = text.index("### the Caribbean (2)")
    note = "1 of 2 answers are quoted here"
    assert text.index(note, caribbean) < text.index("###", caribbean + 5)
    assert "spreadsheet export (xlsx or csv)" in text
    assert (ANA_TEXT in text) != (BEN_TEXT in text)


async def test_spanish_report_words_the_sample_in_spanish(
    db: Database, pack: Pack, seeded: Seed, limit_one: None
) -> None:
    """The note about the sample is in the report language."""
    text = (await export_bytes(db, pack, "md", language="es")).decode("utf-8")
    assert "Se citan aquí 1 de 2 respuestas" in text
