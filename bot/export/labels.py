"""How exports and reports name places, categories and, above all, organizations.

An organization is named only where it consented to attribution (DESIGN.md, Principles); every
other one is described by its category and where it works, as the pack words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bot.core.i18n import Translator
from bot.domain.countries import country_name
from bot.pack import Pack, Question
from bot.questions import KINDS, Asked


@dataclass(frozen=True)
class Labels:
    """The pack's names in one language, with the UI strings the exports share."""

    pack: Pack
    t: Translator

    @property
    def language(self) -> str:
        return self.t.language

    def text(self, localized: dict[str, str] | None) -> str:
        return self.pack.text(localized, self.language)

    @cached_property
    def _questions(self) -> dict[tuple[str, str], Question]:
        return {(s.key, q.key): q for s in self.pack.sessions for q in s.questions}

    def question(self, session_key: str, question_key: str) -> Question | None:
        return self._questions.get((session_key, question_key))

    @cached_property
    def _asked(self) -> dict[tuple[str, str], Asked]:
        return {
            (s.key, q.key): Asked(self.pack, s, q, self.t)
            for s in self.pack.sessions
            for q in s.questions
        }

    def asked(self, session_key: str, question_key: str) -> Asked | None:
        """The question in the export's language, as its type describes answers to it."""
        return self._asked.get((session_key, question_key))

    @cached_property
    def _own_columns(self) -> dict[tuple[str, str], tuple[str, ...]]:
        return {
            (s.key, q.key): KINDS[q.type].columns(q)
            for s in self.pack.sessions
            for q in s.questions
        }

    def own_columns(self, session_key: str, question_key: str) -> tuple[str, ...]:
        """The spreadsheet columns this question's type adds for it (none for most)."""
        return self._own_columns.get((session_key, question_key), ())

    @cached_property
    def extra_columns(self) -> tuple[str, ...]:
        """Spreadsheet columns the pack's questions add (a scale's `rating`, `option_text`)."""
        questions = sorted(
            (q for s in self.pack.sessions for q in s.questions), key=lambda q: q.type
        )
        found = (c for q in questions for c in KINDS[q.type].columns(q))
        return tuple(dict.fromkeys(found))

    def subregion(self, key: str | None) -> str:
        subregion = self.pack.subregions_by_key.get(key or "")
        return self.text(subregion.name) if subregion else self.t._("Other countries")

    def category(self, key: str | None) -> str:
        category = self.pack.categories_by_key.get(key or "")
        return self.text(category.name) if category else (key or self.t._("Not given"))

    def country(self, code: str | None) -> str:
        return country_name(code, self.language) or self.t._("Not given")

    def session(self, key: str) -> str:
        session = self.pack.sessions_by_key.get(key)
        return self.text(session.title) if session else key

    def objective(self, number: int) -> str:
        objective = self.pack.objectives_by_number.get(number)
        title = self.text(objective.title) if objective else ""
        return self.t._("Objective {number}: {title}", number=number, title=title)

    def described_as(self, row: Any) -> str:
        """'a migrant-led organization from the Caribbean': category and place, no name."""
        category = self.pack.categories_by_key.get(row.category or "")
        who = self.text(category.described_as) if category else self.t._("a participant")
        subregion = self.pack.subregions_by_key.get(row.subregion or "")
        where = self.text(subregion.name) if subregion else country_name(row.country, self.language)
        return self.t._("{who} from {where}", who=who, where=where) if where else who

    def named(self, row: Any, anonymize: bool) -> str | None:
        """The organization's name, only where it consented to attribution."""
        if anonymize or row.attribution_consent is not True:
            return None
        return (row.organization or "").strip() or None
