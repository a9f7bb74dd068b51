"""How the dashboard names what it shows: pack keys in the page's language, answers as read.

An organization is named only where it consented to attribution (DESIGN.md, Principles);
every other one is described by its category and where it works, as the pack words it.
"""

from __future__ import annotations

from typing import Any

from bot.export.labels import Labels
from bot.questions import describe, read_value


class Names(Labels):
    """The pack's names in the page's language: the exports' labels, with the dashboard's
    shorter forms (a session by its short title, an objective by number and short title)."""

    def question_text(self, session_key: str, question_key: str) -> str:
        question = self.question(session_key, question_key)
        return self.text(question.text) if question else question_key

    def session(self, key: str) -> str:
        session = self.pack.sessions_by_key.get(key)
        return self.text(session.short_title or session.title) if session else key

    def objective(self, number: int) -> str:
        objective = self.pack.objectives_by_number.get(number)
        return f"{number} · {self.text(objective.short)}" if objective else str(number)

    def objective_title(self, number: int) -> str:
        objective = self.pack.objectives_by_number.get(number)
        return self.text(objective.title) if objective else str(number)

    def who(self, row: Any) -> str:
        """The organization's name where it consented to attribution, else a description."""
        return self.named(row, anonymize=False) or self.described_as(row)

    def answer(self, value: Any, session_key: str, question_key: str) -> str:
        """The answer as the chat and the exports word it (its question type's describe)."""
        asked = self.asked(session_key, question_key)
        if asked is None:
            return str(value)
        return describe(read_value(asked.question, value), asked)
