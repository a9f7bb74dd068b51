"""The CSV's rows as text, fast: what depends on the question or the stakeholder rendered once.

Per answer only its id, revision, date and answer cells are written; the question's cells
(session to question_type) and the stakeholder's (organization to publication_consent) are
neutralised and quoted once and joined as text. A closed answer's cells are kept by its stored
JSON text, so a choice made many times is described once. Equal, byte for byte, to `csv.writer`
over `AnswerCells(..., neutralise)` (tests/export/test_csv_fast.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bot.export.csv_text import LINE_END, csv_cells, csv_text
from bot.export.labels import Labels
from bot.export.rows import (
    WHO_CACHE_LIMIT,
    AnswerCells,
    answer_text,
    extra_cells,
    is_skipped,
    neutralise,
    typed,
)
from bot.pack import QuestionType
from bot.questions import Asked
from storage.exports import stored_iso_seconds

ANSWER_CACHE_LIMIT = 50_000  # closed answers whose cells are remembered; past it, start over


class StoredStakeholder(NamedTuple):
    """The stakeholder columns of a stored row, consents as booleans (SQLite gives 0 or 1)."""

    stakeholder_id: int
    organization: str | None
    category: str | None
    country: str | None
    subregion: str | None
    email: str | None
    attribution_consent: bool | None
    publication_consent: bool | None


def _consent(stored: Any) -> bool | None:
    return None if stored is None else bool(stored)


@dataclass
class _Question:
    """One question's cells as CSV text, and its answers' cells by stored JSON text."""

    cells: str  # session,session_title,question,question_text,question_type
    asked: Asked | None
    own: tuple[str, ...]
    is_text: bool  # a free text: its texts repeat too seldom to keep (skips are kept)
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)


class CsvRows:
    """Stored answer rows (storage.exports.stored_answers_statement) to CSV lines."""

    def __init__(
        self, labels: Labels, anonymize: bool, loads: Callable[[str], Any] = json.loads
    ) -> None:
        self.table = AnswerCells(labels, anonymize, neutralise)
        self.loads = loads
        self._extra = labels.extra_columns
        # a free text's answer has no cells of its own in the columns question types add
        self._no_extras = "," + csv_cells([None] * len(self._extra)) if self._extra else ""
        self._questions: dict[tuple[str, str], _Question] = {}
        self._who: dict[int, str] = {}
        self._languages: dict[str, str] = {}
        self._kept = 0  # answers kept across questions

    @property
    def header(self) -> str:
        return csv_cells(self.table.columns) + LINE_END

    def lines(self, rows: Sequence[Any]) -> str:
        """A chunk of stored rows as CSV text, each line ending in CRLF."""
        questions, who, languages = self._questions, self._who, self._languages
        out: list[str] = []
        append = out.append
        for row in rows:
            question = questions.get((row[1], row[2])) or self._question(row[1], row[2])
            answer = question.answers.get(row[3]) or self._answer(question, row[3])
            person = who.get(row[7]) or self._stakeholder(row)
            language = languages.get(row[4]) or self._language(row[4])
            moment = stored_iso_seconds(row[6])
            append(
                f"{row[0]},{row[5]},{moment},{question.cells},{answer[0]},{language},"
                f"{row[7]},{person}{answer[1]}{LINE_END}"
            )
        return "".join(out)

    def _question(self, session: str, key: str) -> _Question:
        cells = self.table.question(session, key)
        asked = cells[5]
        is_text = asked is not None and asked.question.type == QuestionType.TEXT
        found = _Question(csv_cells(cells[:5]), asked, cells[6], is_text)
        self._questions[(session, key)] = found
        return found

    def _answer(self, question: _Question, stored: str) -> tuple[str, str]:
        """(answer,skipped) and the extra columns' cells (with their leading comma)."""
        value = self.loads(stored)
        if question.is_text and type(value) is dict and len(value) == 1:
            text = value.get("text")
            if type(text) is str:  # TextKind describes {"text": ...} as the text itself
                return csv_text(neutralise(text)) + ",False", self._no_extras
        asked = question.asked
        read = typed(value, asked)
        answer = csv_cells([neutralise(answer_text(value, asked, read)), is_skipped(value)])
        extras = ""
        if self._extra:
            cells = extra_cells(read, asked, self._extra, question.own)
            extras = "," + csv_cells(neutralise(c) if isinstance(c, str) else c for c in cells)
        if self._kept >= ANSWER_CACHE_LIMIT:
            for each in self._questions.values():
                each.answers.clear()
            self._kept = 0
        question.answers[stored] = (answer, extras)  # closed answers, and a free text's skips
        self._kept += 1
        return answer, extras

    def _stakeholder(self, row: Any) -> str:
        if len(self._who) >= WHO_CACHE_LIMIT:
            self._who.clear()
        person = StoredStakeholder(*row[7:13], _consent(row[13]), _consent(row[14]))
        found = csv_cells(self.table.stakeholder(person))
        self._who[row[7]] = found
        return found

    def _language(self, language: str) -> str:
        found = self._languages[language] = csv_text(neutralise(language))
        return found
