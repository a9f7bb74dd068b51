"""The draft summary report's content: answers grouped by session, question and subregion.

Collecting is kept apart from wording (`outline.py`) and from file formats (md, docx), so the
grouping and the attribution rule are tested once for both formats. Answers are read a database
chunk at a time and memory stays bounded: past QUOTE_LIMIT answers to one question from one
subregion, a `QuoteSample` keeps only the candidates of a sample that spans the range of who
answered (every category, country, language and length of answer), and the report says so.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.export.rows import AnswerCells, PledgeRecord, answer_text, is_skipped
from bot.export.source import ExportSource, Participation
from bot.pack import Question, QuestionType, Session
from bot.questions import KINDS, Value, read_value

GENERAL_SESSION = "general"
QUOTE_LIMIT = 25  # quotes per question and subregion; past it, a sample is quoted


@dataclass(frozen=True)
class Quote:
    """Words a stakeholder wrote, credited by name only where attribution was given."""

    text: str
    source: str
    answer_id: int = 0
    facets: tuple[str, ...] = ()  # who and how: category, country, language, length


def _rank(quote: Quote) -> int:
    """A stable pseudo-random order, so the same database always gives the same sample."""
    return zlib.crc32(quote.answer_id.to_bytes(8, "little"))


def length_band(text: str) -> str:
    return "short" if len(text) < 120 else "medium" if len(text) < 400 else "long"


class QuoteSample:
    """The quotes of one question and subregion: all up to `limit`, else a spanning sample.

    Memory is bounded by the facets seen plus `limit`: for each facet (a category, a country,
    a language, a length band) the first-ranked quote that has it, and the `limit` first-ranked
    quotes overall. The sample then covers as many facets as it can, then fills by rank.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = QUOTE_LIMIT if limit is None else limit
        self.count = 0
        self._first: list[Quote] = []
        self._by_facet: dict[str, Quote] = {}
        self._ranked: list[tuple[int, Quote]] = []

    def add(self, quote: Quote) -> None:
        self.count += 1
        if self.count <= self.limit:
            self._first.append(quote)
        rank = _rank(quote)
        for facet in quote.facets:
            held = self._by_facet.get(facet)
            if held is None or rank < _rank(held):
                self._by_facet[facet] = quote
        self._ranked.append((rank, quote))
        if len(self._ranked) > 2 * self.limit:
            self._ranked = sorted(self._ranked, key=lambda item: item[0])[: self.limit]

    @property
    def held(self) -> int:
        """How many quotes are held in memory, however many were added."""
        kept = {id(quote) for quote in self._first}
        kept |= {id(quote) for quote in self._by_facet.values()}
        return len(kept | {id(quote) for _, quote in self._ranked})

    @property
    def sampled(self) -> bool:
        return self.count > self.limit

    def quotes(self) -> list[Quote]:
        """What the report quotes, in answer order."""
        if not self.sampled:
            return list(self._first)
        candidates = {q.answer_id: q for q in self._by_facet.values()}
        candidates |= {q.answer_id: q for _, q in sorted(self._ranked, key=lambda i: i[0])}
        chosen = _spanning(list(candidates.values()), self.limit)
        return sorted(chosen, key=lambda quote: quote.answer_id)


def _spanning(candidates: Iterable[Quote], limit: int) -> list[Quote]:
    """Greedy cover: each pick adds the most facets not yet shown; ties and the rest by rank."""
    pool = sorted(candidates, key=_rank)
    chosen: list[Quote] = []
    covered: set[str] = set()
    while pool and len(chosen) < limit:
        best = max(pool, key=lambda quote: len(set(quote.facets) - covered))
        if not set(best.facets) - covered:
            break
        chosen.append(best)
        covered |= set(best.facets)
        pool.remove(best)
    return chosen + pool[: limit - len(chosen)]


@dataclass
class QuestionDigest:
    """What one question received: quotes by subregion, or counts for choices and objectives."""

    question: Question
    session_key: str = ""
    answered: int = 0
    quotes: defaultdict[str | None, QuoteSample] = field(
        default_factory=lambda: defaultdict(QuoteSample)
    )
    options: Counter[str] = field(default_factory=Counter)
    objectives: Counter[int] = field(default_factory=Counter)
    values: list[Value] = field(default_factory=list)  # for a type that sums answers up


@dataclass
class SessionDigest:
    session: Session
    questions: dict[str, QuestionDigest]


@dataclass
class ReportData:
    """Everything the report says, before it is worded in a language."""

    sessions: list[SessionDigest]
    participation: Participation
    pledges: list[PledgeRecord]
    objectives_cited: Counter[int]
    answers: int = 0

    @property
    def thematic(self) -> list[SessionDigest]:
        return [digest for digest in self.sessions if digest.session.key != GENERAL_SESSION]

    @property
    def general(self) -> SessionDigest | None:
        return next((d for d in self.sessions if d.session.key == GENERAL_SESSION), None)

    def most_cited(self, limit: int = 10) -> list[tuple[int, int]]:
        """The objectives cited most, ties broken by objective number."""
        ranked = sorted(self.objectives_cited.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]


def _digests(source: ExportSource) -> list[SessionDigest]:
    wanted = source.filters.sessions
    return [
        SessionDigest(session, {q.key: QuestionDigest(q, session.key) for q in session.questions})
        for session in source.labels.pack.sessions
        if not wanted or session.key in wanted
    ]


def _quote(row: Any, table: AnswerCells, text: str) -> Quote:
    """`text` as quoted, with who said it as the attribution rule allows."""
    who = table.who(row)  # organization, described_as, category, _, country, country_name, ...
    organization, described_as, country_name = who[0], who[1], who[5]
    if organization:
        source = f"{organization} ({country_name})" if country_name else str(organization)
    else:
        source = str(described_as)
    facets = (f"c:{row.category}", f"n:{row.country}", f"l:{row.language}", length_band(text))
    return Quote(text, source, row.answer_id, facets)


def _add(digest: QuestionDigest, row: Any, cited: Counter[int], table: AnswerCells) -> None:
    """File one answer under its question; pledges are reported from the pledge rows."""
    value, kind = row.value, digest.question.type
    if kind == QuestionType.PLEDGE:
        return
    digest.answered += 1
    asked = table.labels.asked(row.session_key, row.question_key)
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        if kind == QuestionType.SINGLE_CHOICE:
            digest.options[str(value.get("option"))] += 1
        else:
            digest.options.update(str(key) for key in value.get("options", []))
        if asked and (value.get("text") or value.get("texts")):  # written after an option
            words = KINDS[kind].written(read_value(digest.question, value), asked)
            if words:  # quoted below the counts
                digest.quotes[row.subregion].add(_quote(row, table, words))
    elif kind == QuestionType.OBJECTIVES:
        numbers = [int(number) for number in value.get("objectives", [])]
        digest.objectives.update(numbers)
        cited.update(numbers)
    elif KINDS[kind].summarizes:
        digest.values.append(read_value(digest.question, value))
    else:
        digest.quotes[row.subregion].add(_quote(row, table, answer_text(value, asked)))


async def collect(source: ExportSource) -> ReportData:
    """Read every current answer and pledge the filters keep, skipped answers left out."""
    sessions = _digests(source)
    questions = {(d.session.key, k): q for d in sessions for k, q in d.questions.items()}
    cited: Counter[int] = Counter()
    table = AnswerCells(source.labels, source.anonymize)
    count = 0
    async for batch in source.answer_batches():
        for row in batch:
            if is_skipped(row.value) or not isinstance(row.value, dict):
                continue
            count += 1
            digest = questions.get((row.session_key, row.question_key))
            if digest is not None:
                _add(digest, row, cited, table)
    pledges = [pledge async for pledge in source.pledges()]
    for pledge in pledges:
        cited.update(pledge.objectives)
    participation = await source.participation()
    return ReportData(sessions, participation, pledges, cited, count)
