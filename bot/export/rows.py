"""Flatten stored rows into export records: one per answer, stakeholder or pledge.

Records carry only what may leave the database: a name only with attribution consent, no name or
e-mail at all when anonymized. Tabular formats take `columns(record)`; JSON takes `as_json`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from bot.export.labels import Labels
from bot.questions import KINDS, Asked, Value, describe, read_value
from bot.questions.base import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection): prefix a quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class AnswerRecord:
    """One current answer with the columns of the stakeholder who gave it."""

    answer_id: int
    revision: int
    updated_at: dt.datetime
    session: str
    session_title: str
    question: str
    question_text: str
    question_type: str
    answer: str
    skipped: bool
    answer_language: str
    stakeholder_id: int
    organization: str | None
    described_as: str
    category: str | None
    category_name: str
    country: str | None
    country_name: str
    subregion: str | None
    subregion_name: str
    email: str | None
    attribution_consent: bool
    publication_consent: bool
    value: Any  # the stored JSON, for JSONL and the report; not a spreadsheet column


@dataclass(frozen=True)
class StakeholderRecord:
    """A consenting stakeholder who contributed to what the export covers."""

    stakeholder_id: int
    organization: str | None
    described_as: str
    category: str | None
    category_name: str
    country: str | None
    country_name: str
    subregion: str | None
    subregion_name: str
    language: str | None
    email: str | None
    attribution_consent: bool
    publication_consent: bool
    consented_at: dt.datetime | None


@dataclass(frozen=True)
class PledgeRecord:
    """A pledge with who made it, worded as the report may show it."""

    pledge_id: int
    answer_id: int | None
    stakeholder_id: int
    organization: str | None
    described_as: str
    category_name: str
    country_name: str
    subregion: str | None
    subregion_name: str
    session: str
    title: str
    objectives: list[int]
    partners: str | None
    timeline: str | None
    language: str
    created_at: dt.datetime


ANSWER_COLUMNS = [field.name for field in fields(AnswerRecord) if field.name != "value"]
STAKEHOLDER_COLUMNS = [field.name for field in fields(StakeholderRecord)]
PLEDGE_COLUMNS = [field.name for field in fields(PledgeRecord)]


def _cell(value: Any) -> Cell:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def columns(record: AnswerRecord | StakeholderRecord | PledgeRecord) -> list[Cell]:
    """The record's spreadsheet cells, in the order of its *_COLUMNS list."""
    names = {
        AnswerRecord: ANSWER_COLUMNS,
        StakeholderRecord: STAKEHOLDER_COLUMNS,
        PledgeRecord: PLEDGE_COLUMNS,
    }[type(record)]
    return [_cell(getattr(record, name)) for name in names]


def as_json(record: AnswerRecord) -> dict[str, Any]:
    """The JSONL record of an answer (schema in docs/exports.md)."""
    data = {field.name: getattr(record, field.name) for field in fields(record)}
    data["updated_at"] = record.updated_at.isoformat()
    return data


def quoted_as(record: AnswerRecord | PledgeRecord) -> str:
    """How a report credits a contribution: 'Name (Country)' or the description."""
    if record.organization:
        if record.country_name:
            return f"{record.organization} ({record.country_name})"
        return record.organization
    return record.described_as


def is_skipped(value: Any) -> bool:
    return isinstance(value, dict) and value.get("skipped") is True


def typed(value: Any, asked: Asked | None) -> Value | None:
    """The stored answer read by its question's type; None when skipped or no longer asked."""
    if asked is None or is_skipped(value):
        return None
    return read_value(asked.question, value)


def answer_text(value: Any, asked: Asked | None, read: Value | None = None) -> str:
    """The answer as a person reads it, described by its question's type (as in the chat).

    `read` is the value as `typed` read it, when the caller has it already.
    """
    if is_skipped(value):
        return ""
    if asked is None:  # a question no longer in the pack
        return json.dumps(value, ensure_ascii=False)
    return describe(read if read is not None else read_value(asked.question, value), asked)


def extra_cells(
    read: Value | None, asked: Asked | None, columns: tuple[str, ...], own: tuple[str, ...]
) -> list[Cell]:
    """The cells of the columns question types add, for one answer (empty where not its own).

    `read` is the answer as `typed` read it; `own` are the columns its question adds.
    """
    if not columns:
        return []
    found: dict[str, Cell] = {}
    if asked is not None and own and read is not None:
        found = KINDS[asked.question.type].export_cells(read)
    return [found.get(column) for column in columns]


def _who(row: Any, labels: Labels, anonymize: bool) -> dict[str, Any]:
    """The stakeholder columns every record shares."""
    return {
        "stakeholder_id": row.stakeholder_id,
        "organization": labels.named(row, anonymize),
        "described_as": labels.described_as(row),
        "category_name": labels.category(row.category),
        "country_name": labels.country(row.country),
        "subregion": row.subregion,
        "subregion_name": labels.subregion(row.subregion),
    }


def _profile(row: Any, anonymize: bool) -> dict[str, Any]:
    """The stakeholder's own fields that answers and the stakeholder list both carry."""
    return {
        "category": row.category,
        "country": row.country,
        "email": None if anonymize else row.email,
        "attribution_consent": row.attribution_consent is True,
        "publication_consent": row.publication_consent is True,
    }


WHO_CACHE_LIMIT = 100_000  # stakeholders whose columns are remembered; past it, start over


def _same(text: str) -> str:
    return text


class AnswerCells:
    """Answer rows to spreadsheet cells in ANSWER_COLUMNS order, fast enough for 200,000 rows.

    What depends only on the question or only on the stakeholder is worked out once and
    remembered; per row remain the answer's own text, its date and a list. `text` is applied
    to every string cell (CSV passes `neutralise`). Equal to `columns(answer_record(...))`.
    """

    def __init__(self, labels: Labels, anonymize: bool, text: Callable[[str], str] = _same):
        self.labels = labels
        self.anonymize = anonymize
        self.text = text
        self._questions: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._who: dict[int, tuple[Cell, ...]] = {}

    def question(self, session: str, key: str) -> tuple[Any, ...]:
        """(session, session_title, question, question_text, question_type, Asked or None,
        the columns its type adds)."""
        found = self._questions.get((session, key))
        if found is None:
            labels, text = self.labels, self.text
            question = labels.question(session, key)
            wording = labels.text(question.text) if question else key
            kind = str(question.type) if question else ""
            found = (text(session), text(labels.session(session)), text(key), text(wording))
            found = (*found, text(kind), labels.asked(session, key))
            found = (*found, labels.own_columns(session, key))
            self._questions[(session, key)] = found
        return found

    def who(self, row: Any) -> tuple[Cell, ...]:
        """The stakeholder's columns, from organization to publication_consent."""
        found = self._who.get(row.stakeholder_id)
        if found is None:
            if len(self._who) >= WHO_CACHE_LIMIT:
                self._who.clear()
            found = self.stakeholder(row)
            self._who[row.stakeholder_id] = found
        return found

    def stakeholder(self, row: Any) -> tuple[Cell, ...]:
        """`who`'s columns worked out afresh (the CSV keeps them rendered as text instead)."""
        labels, text = self.labels, self.text
        named = labels.named(row, self.anonymize)
        email = None if self.anonymize else row.email
        return (
            None if named is None else text(named),
            text(labels.described_as(row)),
            None if row.category is None else text(row.category),
            text(labels.category(row.category)),
            None if row.country is None else text(row.country),
            text(labels.country(row.country)),
            None if row.subregion is None else text(row.subregion),
            text(labels.subregion(row.subregion)),
            None if email is None else text(email),
            row.attribution_consent is True,
            row.publication_consent is True,
        )

    @property
    def columns(self) -> list[str]:
        """ANSWER_COLUMNS, then the columns the pack's question types add."""
        return [*ANSWER_COLUMNS, *self.labels.extra_columns]

    def cells(self, row: Any) -> list[Cell]:
        session, title, key, wording, kind, asked, own = self.question(
            row.session_key, row.question_key
        )
        value = row.value
        read = typed(value, asked)  # once, for the answer's text and its type's columns
        return [
            row.answer_id,
            row.revision,
            row.updated_at.isoformat(timespec="seconds"),
            session,
            title,
            key,
            wording,
            kind,
            self.text(answer_text(value, asked, read)),
            is_skipped(value),
            self.text(row.language),
            row.stakeholder_id,
            *self.who(row),
            *(
                self.text(cell) if isinstance(cell, str) else cell
                for cell in extra_cells(read, asked, self.labels.extra_columns, own)
            ),
        ]


def answer_record(row: Any, labels: Labels, anonymize: bool) -> AnswerRecord:
    question = labels.question(row.session_key, row.question_key)
    return AnswerRecord(
        answer_id=row.answer_id,
        revision=row.revision,
        updated_at=row.updated_at,
        session=row.session_key,
        session_title=labels.session(row.session_key),
        question=row.question_key,
        question_text=labels.text(question.text) if question else row.question_key,
        question_type=str(question.type) if question else "",
        answer=answer_text(row.value, labels.asked(row.session_key, row.question_key)),
        skipped=is_skipped(row.value),
        answer_language=row.language,
        value=row.value,
        **_profile(row, anonymize),
        **_who(row, labels, anonymize),
    )


def stakeholder_record(row: Any, labels: Labels, anonymize: bool) -> StakeholderRecord:
    return StakeholderRecord(
        language=row.stakeholder_language,
        consented_at=row.consented_at,
        **_profile(row, anonymize),
        **_who(row, labels, anonymize),
    )


def pledge_record(row: Any, labels: Labels, anonymize: bool) -> PledgeRecord:
    return PledgeRecord(
        pledge_id=row.pledge_id,
        answer_id=row.answer_id,
        session=row.session_key,
        title=row.title,
        objectives=list(row.objectives or []),
        partners=row.partners,
        timeline=row.timeline,
        language=row.language,
        created_at=row.created_at,
        **_who(row, labels, anonymize),
    )
