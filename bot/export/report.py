"""The draft summary report's content: answers grouped by session, question and subregion.

Collecting is kept apart from wording (`outline.py`) and from file formats (md, docx), so the
grouping and the attribution rule are tested once for both formats.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bot.export.rows import AnswerRecord, PledgeRecord, quoted_as
from bot.export.source import ExportSource, Participation
from bot.pack import Question, QuestionType, Session

GENERAL_SESSION = "general"


@dataclass(frozen=True)
class Quote:
    """Words a stakeholder wrote, credited by name only where attribution was given."""

    text: str
    source: str


@dataclass
class QuestionDigest:
    """What one question received: quotes by subregion, or counts for choices and objectives."""

    question: Question
    answered: int = 0
    quotes: defaultdict[str | None, list[Quote]] = field(default_factory=lambda: defaultdict(list))
    options: Counter[str] = field(default_factory=Counter)
    objectives: Counter[int] = field(default_factory=Counter)


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
        SessionDigest(session, {q.key: QuestionDigest(q) for q in session.questions})
        for session in source.labels.pack.sessions
        if not wanted or session.key in wanted
    ]


def _add(digest: QuestionDigest, record: AnswerRecord, cited: Counter[int]) -> None:
    """File one answer under its question; pledges are reported from the pledge rows."""
    value, kind = record.value, digest.question.type
    if kind == QuestionType.PLEDGE:
        return
    digest.answered += 1
    if kind == QuestionType.SINGLE_CHOICE:
        digest.options[str(value.get("option"))] += 1
    elif kind == QuestionType.MULTIPLE_CHOICE:
        digest.options.update(str(key) for key in value.get("options", []))
    elif kind == QuestionType.OBJECTIVES:
        numbers = [int(number) for number in value.get("objectives", [])]
        digest.objectives.update(numbers)
        cited.update(numbers)
    else:
        digest.quotes[record.subregion].append(Quote(record.answer, quoted_as(record)))


async def collect(source: ExportSource) -> ReportData:
    """Read every current answer and pledge the filters keep, skipped answers left out."""
    sessions = _digests(source)
    questions = {(d.session.key, k): q for d in sessions for k, q in d.questions.items()}
    cited: Counter[int] = Counter()
    count = 0
    async for record in source.answers():
        if record.skipped or not isinstance(record.value, dict):
            continue
        count += 1
        digest = questions.get((record.session, record.question))
        if digest is not None:
            _add(digest, record, cited)
    pledges = [pledge async for pledge in source.pledges()]
    for pledge in pledges:
        cited.update(pledge.objectives)
    participation = await source.participation()
    return ReportData(sessions, participation, pledges, cited, count)
