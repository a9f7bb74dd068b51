"""How the dashboard names what it shows: pack keys in the page's language, answers as read.

An organization is named only where it consented to attribution (DESIGN.md, Principles);
every other one is described by its category and where it works, as the pack words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from babel import Locale

from bot.core.i18n import Translator
from bot.domain.countries import country_name
from bot.pack import Pack, Question


def language_name(code: str) -> str:
    """A language in its own words ('Español'), as the switcher offers it."""
    try:
        name = Locale.parse(code).get_display_name(code)
    except (ValueError, TypeError):
        return code
    return name.capitalize() if name else code


@dataclass(frozen=True)
class Names:
    """The pack's names in one language."""

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

    def question_text(self, session_key: str, question_key: str) -> str:
        question = self.question(session_key, question_key)
        return self.text(question.text) if question else question_key

    def session(self, key: str) -> str:
        session = self.pack.sessions_by_key.get(key)
        return self.text(session.short_title or session.title) if session else key

    def subregion(self, key: str | None) -> str:
        subregion = self.pack.subregions_by_key.get(key or "")
        return self.text(subregion.name) if subregion else self.t._("Other countries")

    def category(self, key: str | None) -> str:
        category = self.pack.categories_by_key.get(key or "")
        return self.text(category.name) if category else (key or self.t._("Not given"))

    def country(self, code: str | None) -> str:
        return country_name(code, self.language) or self.t._("Not given")

    def objective(self, number: int) -> str:
        objective = self.pack.objectives_by_number.get(number)
        return f"{number} · {self.text(objective.short)}" if objective else str(number)

    def objective_title(self, number: int) -> str:
        objective = self.pack.objectives_by_number.get(number)
        return self.text(objective.title) if objective else str(number)

    def who(self, row: Any) -> str:
        """The organization's name where it consented to attribution, else a description."""
        name = (row.organization or "").strip()
        if row.attribution_consent is True and name:
            return name
        category = self.pack.categories_by_key.get(row.category or "")
        who = self.text(category.described_as) if category else self.t._("a participant")
        subregion = self.pack.subregions_by_key.get(row.subregion or "")
        where = self.text(subregion.name) if subregion else country_name(row.country, self.language)
        return self.t._("{who} from {where}", who=who, where=where) if where else who

    def answer(self, value: Any, session_key: str, question_key: str) -> str:
        """The answer as a person reads it: option keys as labels, objectives by number."""
        question = self.question(session_key, question_key)
        if not isinstance(value, dict):
            return str(value)
        if value.get("skipped") is True:
            return self.t._("(skipped)")
        if "text" in value:
            return str(value["text"])
        if "option" in value:
            return self._option(question, str(value["option"]))
        if "options" in value:
            return "; ".join(self._option(question, str(key)) for key in value["options"])
        if "title" in value:
            return self._pledge(value)
        if "objectives" in value:
            return "; ".join(self.objective(n) for n in value["objectives"])
        if "attachment_id" in value or "kind" in value:
            return self._attachment(value)
        return ""

    def _option(self, question: Question | None, key: str) -> str:
        for option in question.options if question else ():
            if option.key == key:
                return self.text(option.label)
        return key

    def _pledge(self, value: dict[str, Any]) -> str:
        parts = [str(value.get("title") or "")]
        if value.get("objectives"):
            parts.append("; ".join(self.objective(n) for n in value["objectives"]))
        return " — ".join(part for part in parts if part)

    def _attachment(self, value: dict[str, Any]) -> str:
        t = self.t
        kind = t._("Voice note") if value.get("kind") == "voice" else t._("Document")
        name = value.get("filename") or f"#{value.get('attachment_id', '?')}"
        return f"{kind}: {name}"
