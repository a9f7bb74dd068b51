"""Where every export format reads from: the storage queries, turned into records."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from bot.export.filters import ExportFilters
from bot.export.labels import Labels
from bot.export.rows import (
    AnswerRecord,
    PledgeRecord,
    StakeholderRecord,
    answer_record,
    pledge_record,
    stakeholder_record,
)
from storage import exports
from storage.db import Database

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Participation:
    """Contributing stakeholders counted by subregion, category and country together."""

    cells: tuple[tuple[str | None, str | None, str | None, int], ...]

    @property
    def total(self) -> int:
        return sum(cell[3] for cell in self.cells)

    def _count(self, position: int) -> Counter[str | None]:
        counts: Counter[str | None] = Counter()
        for cell in self.cells:
            counts[cell[position]] += cell[3]
        return counts

    def by_subregion(self, labels: Labels) -> list[tuple[str, int]]:
        """In the pack's order, then the countries outside every subregion."""
        counts = self._count(0)
        keys: list[str | None] = [sub.key for sub in labels.pack.subregions]
        keys += sorted((key for key in counts if key not in keys), key=lambda k: k or "")
        return [(labels.subregion(key), counts[key]) for key in keys if counts[key]]

    def by_category(self, labels: Labels) -> list[tuple[str, int]]:
        counts = self._count(1)
        keys: list[str | None] = [category.key for category in labels.pack.categories]
        keys += sorted((key for key in counts if key not in keys), key=lambda k: k or "")
        return [(labels.category(key), counts[key]) for key in keys if counts[key]]

    def by_country(self, labels: Labels) -> list[tuple[str, int]]:
        """Most contributors first, then by name."""
        rows = [(labels.country(code), count) for code, count in self._count(2).items()]
        return sorted(rows, key=lambda row: (-row[1], row[0]))


@dataclass(frozen=True)
class ExportSource:
    """One export's view of the database: its filters, its language, its anonymity."""

    database: Database
    filters: ExportFilters
    labels: Labels
    anonymize: bool = False
    progress: Progress | None = None  # told how many more answers were read, now and then

    async def count_answers(self) -> int:
        async with self.database.transaction() as session:
            return await exports.count_answers(session, self.filters)

    async def answer_batches(self) -> AsyncIterator[Sequence[Row[Any]]]:
        """Current answers as stored rows, in id order, a chunk at a time; progress told."""
        async for batch in self._told(exports.answer_batches):
            yield batch

    async def stored_answer_batches(self) -> AsyncIterator[Sequence[Sequence[Any]]]:
        """The same answers as the driver returns them (stored_answers_statement); progress told."""
        async for batch in self._told(exports.stored_answer_batches):
            yield batch

    async def _told(self, read: Callable[..., AsyncIterator[Sequence[Any]]]) -> AsyncIterator[Any]:
        """One storage reader's chunks in a transaction, each told to `progress` once handed on."""
        async with self.database.transaction() as session:
            async for batch in read(session, self.filters):
                yield batch
                if self.progress:
                    self.progress(len(batch))

    async def answers(self) -> AsyncIterator[AnswerRecord]:
        """Current answers in id order, as records (JSONL)."""
        async for batch in self.answer_batches():
            for row in batch:
                yield answer_record(row, self.labels, self.anonymize)

    async def stakeholder_rows(self) -> AsyncIterator[Row[Any]]:
        """The consenting stakeholders the answers come from, as stored rows (no records)."""
        async with self.database.transaction() as session:
            async for row in exports.stream_stakeholders(session, self.filters):
                yield row

    async def stakeholders(self) -> AsyncIterator[StakeholderRecord]:
        async for row in self.stakeholder_rows():
            yield stakeholder_record(row, self.labels, self.anonymize)

    async def pledges(self) -> AsyncIterator[PledgeRecord]:
        async with self.database.transaction() as session:
            async for row in exports.stream_pledges(session, self.filters):
                yield pledge_record(row, self.labels, self.anonymize)

    async def participation(self) -> Participation:
        async with self.database.transaction() as session:
            return Participation(tuple(await exports.participation(session, self.filters)))
