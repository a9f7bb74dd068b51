"""The `Store` flows use, over one update's database transaction.

Handlers read and change through this typed interface; the queries stay in storage/. Effects
run in the update's transaction (they commit or vanish with it), except deferred jobs, which the
engine runs after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.jobs import ExportJob, Job
from bot.pack import Pack, Question, Session
from bot.questions import Answered
from bot.questions.kinds.pledge import PledgeValue
from handlers.store import AnswerBook
from storage import answers as answer_queries
from storage.answers import StoredAnswer
from storage.broadcasts import (
    Audience,
    BroadcastStatus,
    Queued,
    count_by_language,
    create_broadcast,
    recent_broadcasts,
)
from storage.stakeholders import audit, erase_stakeholder, personal_data, stored_file_paths
from storage.state import STAKEHOLDER_FIELDS, StakeholderState
from storage.stats import Stats, collect
from storage.web_sessions import Member, issue_link

# What /mydata shows of the stakeholder's own row (every column but the internal id).
PROFILE_FIELDS = tuple(name for name in STAKEHOLDER_FIELDS if name != "id")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _row(row: Any) -> dict[str, Any]:
    return {column.key: _plain(getattr(row, column.key)) for column in row.__table__.columns}


class SqlStore:
    """Reads and effects of one update; the engine reads back what must follow the commit."""

    def __init__(
        self,
        session: AsyncSession,
        pack: Pack,
        stakeholder: StakeholderState,
        now: dt.datetime,
        dashboard_url: str | None = None,
    ) -> None:
        self.session = session
        self.dashboard_url = dashboard_url
        self.pack = pack
        self.stakeholder = stakeholder
        self.now = now
        self.erased = False
        self.jobs: list[Job] = []
        self.files_to_delete: list[str] = []
        self._book: AnswerBook | None = None

    async def answers(self) -> AnswerBook:
        if self._book is None:
            stored = await answer_queries.current_answers(self.session, self.stakeholder.id)
            self._book = AnswerBook(self.pack, stored)
        return self._book

    async def save_answer(
        self, session: Session, question: Question, answered: Answered, language: str
    ) -> None:
        """A new revision; its file and its pledge row beside it; the book kept current."""
        book = await self.answers()
        value = answered.value.stored()
        attachment_id = None
        if answered.attachment is not None:
            ref = answered.attachment
            attachment_id = await answer_queries.add_attachment(
                self.session,
                stakeholder_id=self.stakeholder.id,
                platform=self.stakeholder.platform,
                platform_file_id=ref.platform_file_id,
                kind=ref.kind,
                filename=ref.filename,
                mime_type=ref.mime_type,
                size=ref.size,
                stored_path=ref.stored_path,
            )
            value = {**value, "attachment_id": attachment_id}
        revision = book.revisions(session, question) + 1
        answer_id = await answer_queries.save_answer(
            self.session,
            self.stakeholder.id,
            session.key,
            question.key,
            value,
            language,
            revision,
        )
        if attachment_id is not None:
            await answer_queries.link_attachment(self.session, attachment_id, answer_id)
        if isinstance(answered.value, PledgeValue):
            await answer_queries.save_pledge(
                self.session,
                self.stakeholder.id,
                answer_id,
                session.key,
                question.key,
                value,
                language,
            )
        key = (session.key, question.key)
        book.stored[key] = StoredAnswer(answer_id, *key, value, revision, language)

    async def erase(self, action: str = "forget") -> None:
        """Delete the stakeholder and all of theirs; their files go once the erasure commits."""
        stakeholder_id = self.stakeholder.id
        self.files_to_delete = await stored_file_paths(self.session, stakeholder_id)
        counts = await erase_stakeholder(self.session, stakeholder_id)
        await audit(
            self.session, "stakeholder", action, {"stakeholder_id": stakeholder_id, **counts}
        )
        self.erased = True

    async def personal_data(self) -> dict[str, Any]:
        data = await personal_data(self.session, self.stakeholder.id)
        profile = {name: _plain(getattr(self.stakeholder, name)) for name in PROFILE_FIELDS}
        return {
            "profile": profile,
            **{name: [_row(r) for r in rows] for name, rows in data.items()},
        }

    async def audience_counts(self, audience: Audience) -> dict[str, int]:
        pack = self.pack
        return await count_by_language(
            self.session, audience, pack.languages, pack.default_language
        )

    async def queue_broadcast(
        self, texts: Mapping[str, str], audience: Audience, created_by: str
    ) -> Queued:
        return await create_broadcast(
            self.session,
            texts=texts,
            audience=audience,
            languages=self.pack.languages,
            default_language=self.pack.default_language,
            created_by=created_by,
            now=self.now,
        )

    async def recent_broadcasts(self, limit: int) -> list[BroadcastStatus]:
        return await recent_broadcasts(self.session, limit)

    async def stats(self) -> Stats:
        return await collect(self.session, broadcasts=0)

    @property
    def dashboard_enabled(self) -> bool:
        return bool(self.dashboard_url)

    async def dashboard_link(self) -> str | None:
        member = Member(self.stakeholder.platform, self.stakeholder.platform_user_id)
        return await issue_link(self.session, self.dashboard_url, member, self.now)

    def export(self, file_format: str, language: str) -> None:
        self.jobs.append(ExportJob(file_format, language))
