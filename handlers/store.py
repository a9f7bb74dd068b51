"""What flows read and change beyond the stakeholder's own state, as a small typed interface.

The engine gives each update a `Store` bound to its transaction (bot/engine/store.py). Reads are
loaded once per update (the answers on first use); effects run in the update's transaction, or
after it commits (`export`). Flows never see a database session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.pack import Pack, Question, Session
from bot.questions import Answered, Value, read_value
from storage.answers import StoredAnswer
from storage.broadcasts import Audience, BroadcastStatus, Queued
from storage.stats import Stats


@dataclass
class AnswerBook:
    """A stakeholder's current answers, typed by their questions, kept current as they save."""

    pack: Pack
    stored: dict[tuple[str, str], StoredAnswer] = field(default_factory=dict)

    def value(self, session: Session, question: Question) -> Value | None:
        answer = self.stored.get((session.key, question.key))
        return read_value(question, answer.value) if answer else None

    def has(self, session: Session, question: Question) -> bool:
        return (session.key, question.key) in self.stored

    def revisions(self, session: Session, question: Question) -> int:
        answer = self.stored.get((session.key, question.key))
        return answer.revision if answer else 0

    def answered_in(self, session: Session) -> int:
        return sum(1 for question in session.questions if self.has(session, question))

    def first_unanswered(self, session: Session) -> int | None:
        return next(
            (i for i, question in enumerate(session.questions) if not self.has(session, question)),
            None,
        )

    def unfinished_sessions(self) -> list[Session]:
        return [s for s in self.pack.sessions if self.answered_in(s) < len(s.questions)]

    def __bool__(self) -> bool:
        return bool(self.stored)


class Store(Protocol):
    """Reads and effects of one update, inside its transaction."""

    async def answers(self) -> AnswerBook: ...

    async def save_answer(
        self, session: Session, question: Question, answered: Answered, language: str
    ) -> None: ...

    async def erase(self, action: str = "forget") -> None: ...

    async def personal_data(self) -> dict[str, Any]: ...

    async def audience_counts(self, audience: Audience) -> dict[str, int]: ...

    async def queue_broadcast(
        self, texts: Mapping[str, str], audience: Audience, created_by: str
    ) -> Queued: ...

    async def recent_broadcasts(self, limit: int) -> list[BroadcastStatus]: ...

    async def stats(self) -> Stats: ...

    @property
    def dashboard_enabled(self) -> bool:
        """Whether this server offers the web dashboard (DASHBOARD_URL is set)."""
        ...

    async def dashboard_link(self) -> str | None:
        """A one-time sign-in link to the web dashboard; None when it is not set up."""
        ...

    def export(self, file_format: str, language: str) -> None:
        """Build the whole export once this update commits, and send it as its reply."""
        ...
