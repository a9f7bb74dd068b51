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
from typing import Any

import orjson

from bot.export.csv_text import LINE_END, csv_cells, csv_text
from bot.export.labels import Labels
from bot.export.rows import AnswerCells, answer_text, extra_cells, is_skipped, neutralise, typed
from bot.pack import QuestionType
from bot.questions import Asked
from storage.exports import stored_iso_seconds


def read_json(stored: str) -> Any:
    """Stored JSON as `json.loads` reads it; orjson first, at a third of the cost for a text.

    orjson refuses what json accepts and json.dumps may write (NaN, integers past 64 bits, lone
    surrogates): those go to `json.loads`.
    """
    try:
        return orjson.loads(stored)
    except orjson.JSONDecodeError:
        return json.loads(stored)


ANSWER_CACHE_LIMIT = 50_000  # closed answers whose cells are remembered; past it, start over


@dataclass
class _Question:
    """One question's cells as CSV text, and its answers' cells by stored JSON text."""

    cells: str  # session,session_title,question,question_text,question_type
    asked: Asked | None
    own: tuple[str, ...]
    is_text: bool  # a free text: its texts repeat too seldom to keep (skips are kept)
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)


class CsvRows:
    """Stored answer rows (storage.exports.stored_answers_statement) to CSV lines.

    The stakeholders come first (`add_stakeholder`, one stored row each); an answer whose
    stakeholder was not added is left out, as the answers query would have left it out had
    the stakeholder withdrawn consent before it started.
    """

    def __init__(
        self, labels: Labels, anonymize: bool, loads: Callable[[str], Any] = read_json
    ) -> None:
        self.table = AnswerCells(labels, anonymize, neutralise)
        self.loads = loads
        self._extra = labels.extra_columns
        # a free text's answer has no cells of its own in the columns question types add
        self._no_extras = "," + csv_cells([None] * len(self._extra)) if self._extra else ""
        self._questions: dict[tuple[str, str], _Question] = {}
        self._who: dict[int, str] = {}  # every stakeholder of the export, rendered
        self._languages: dict[str, str] = {}
        self._kept = 0  # answers kept across questions
        self.written = 0  # lines given by `lines`

    @property
    def header(self) -> str:
        return csv_cells(self.table.columns) + LINE_END

    def add_stakeholder(self, row: Any) -> None:
        """A stakeholder's cells, organization to publication_consent (`AnswerCells.who`)."""
        self._who[row.stakeholder_id] = csv_cells(self.table.stakeholder(row))

    def lines(self, rows: Sequence[Any]) -> str:
        """A chunk of stored rows as CSV text, each line ending in CRLF."""
        questions, who, languages = self._questions, self._who, self._languages
        out: list[str] = []
        append = out.append
        for answer_id, session, key, stored, language, revision, updated, stakeholder_id in rows:
            person = who.get(stakeholder_id)
            if person is None:
                continue
            question = questions.get((session, key)) or self._question(session, key)
            answer = (question.is_text and self._free_text(stored)) or (
                question.answers.get(stored) or self._answer(question, stored)
            )
            append(
                f"{answer_id},{revision},{stored_iso_seconds(updated)},{question.cells},"
                f"{answer[0]},{languages.get(language) or self._language(language)},"
                f"{stakeholder_id},{person}{answer[1]}{LINE_END}"
            )
        self.written += len(out)
        return "".join(out)

    def _question(self, session: str, key: str) -> _Question:
        cells = self.table.question(session, key)
        asked = cells[5]
        is_text = asked is not None and asked.question.type == QuestionType.TEXT
        found = _Question(csv_cells(cells[:5]), asked, cells[6], is_text)
        self._questions[(session, key)] = found
        return found

    def _free_text(self, stored: str) -> tuple[str, str] | None:
        """A free text's cells, or None for what is not {"text": "..."} (a skip, say)."""
        value = self.loads(stored)
        if type(value) is dict and len(value) == 1:
            text = value.get("text")
            if type(text) is str:  # TextKind describes {"text": ...} as the text itself
                return csv_text(neutralise(text)) + ",False", self._no_extras
        return None

    def _answer(self, question: _Question, stored: str) -> tuple[str, str]:
        """(answer,skipped) and the extra columns' cells (with their leading comma), kept."""
        value = self.loads(stored)
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

    def _language(self, language: str) -> str:
        found = self._languages[language] = csv_text(neutralise(language))
        return found
