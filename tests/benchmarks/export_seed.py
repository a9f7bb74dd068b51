"""A consultation of many answers on the lac-2025 pack, stored in bulk for the export benchmarks.

Stakeholders spread over the pack's subregions, countries outside them, every category and both
languages; each answers 25 questions across the sessions with the stored shapes of every type
(texts of 40 to 600 characters, choices, objectives, documents, pledges with their pledge rows).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.pack import Pack, Question, QuestionType, load_pack
from bot.questions.follow_up import follow_ups
from storage.db import Database
from storage.models import Answer, Pledge, Stakeholder

ANSWERS_PER_STAKEHOLDER = 25
WHEN = dt.datetime(2025, 2, 10, tzinfo=dt.UTC)
OUTSIDE = ("US", "ES", "CA")
_VOCABULARY = (
    "acceso salud educación documentación regularización niñez mujeres trabajo decente "
    "protección consular albergues frontera retorno reintegración remesas datos municipios "
    "coordinación financiamiento xenofobia inclusión vivienda refugio tránsito comunidades "
    "access health education documents regularization children women decent work shelters"
)
WORDS = _VOCABULARY.split()


def _text(rng: random.Random) -> str:
    length = rng.choice((6, 12, 25, 40, 90))
    return " ".join(rng.choice(WORDS) for _ in range(length)).capitalize() + "."


def _value(question: Question, rng: random.Random) -> dict[str, Any]:
    kind = question.type
    asks = follow_ups(question)  # options that ask for a text: it is written, as people do
    if kind == QuestionType.SINGLE_CHOICE:
        key = rng.choice(question.options).key
        return {"option": key, "text": _text(rng)} if key in asks else {"option": key}
    if kind == QuestionType.MULTIPLE_CHOICE:
        keys = [option.key for option in question.options]
        chosen = rng.sample(keys, rng.randint(1, min(3, len(keys))))
        texts = {key: _text(rng) for key in chosen if key in asks}
        return {"options": chosen, "texts": texts} if texts else {"options": chosen}
    if kind == QuestionType.OBJECTIVES:
        return {"objectives": sorted(rng.sample(range(1, 24), rng.randint(1, 3)))}
    if kind == QuestionType.ATTACHMENT:
        return {"attachment_id": rng.randint(1, 10_000), "kind": "document", "filename": "a.pdf"}
    if kind == QuestionType.PLEDGE:
        return {
            "title": _text(rng)[:80],
            "objectives": sorted(rng.sample(range(1, 24), 2)),
            "partners": "OIM, CEPAL",
            "timeline": "2025-2026",
        }
    if question.optional and rng.random() < 0.1:
        return {"skipped": True}
    return {"text": _text(rng)}


def _stakeholder(pack: Pack, number: int, rng: random.Random) -> dict[str, Any]:
    subregions = pack.subregions
    if number % 10 == 9:
        subregion, country = None, OUTSIDE[number % len(OUTSIDE)]
    else:
        chosen = subregions[number % len(subregions)]
        subregion, country = chosen.key, rng.choice(chosen.countries)
    return {
        "id": number + 1,
        "platform": "telegram",
        "platform_user_id": str(number),
        "chat_id": str(number),
        "language": pack.languages[number % len(pack.languages)],
        "organization": f"Organización {number}",
        "category": pack.categories[number % len(pack.categories)].key,
        "subregion": subregion,
        "country": country,
        "email": f"org{number}@example.org",
        "consent_version": pack.privacy.version,
        "consented_at": WHEN,
        "attribution_consent": number % 3 != 0,
        "publication_consent": number % 4 != 0,
        "created_at": WHEN,
        "updated_at": WHEN,
    }


def _rows(pack: Pack, people: int) -> tuple[list[dict], list[dict], list[dict]]:
    rng = random.Random(2025)
    questions = [(s.key, q) for s in pack.sessions for q in s.questions]
    stakeholders, answers, pledges = [], [], []
    for number in range(people):
        person = _stakeholder(pack, number, rng)
        stakeholders.append(person)
        start = (number * 7) % len(questions)
        for offset in range(ANSWERS_PER_STAKEHOLDER):
            session, question = questions[(start + offset) % len(questions)]
            value = _value(question, rng)
            answers.append(
                {
                    "id": len(answers) + 1,
                    "stakeholder_id": person["id"],
                    "session_key": session,
                    "question_key": question.key,
                    "value": value,
                    "language": person["language"],
                    "revision": 1,
                    "current": True,
                    "created_at": WHEN,
                    "updated_at": WHEN,
                }
            )
            if question.type == QuestionType.PLEDGE:
                pledges.append(
                    {
                        "stakeholder_id": person["id"],
                        "answer_id": len(answers),
                        "session_key": session,
                        "question_key": question.key,
                        "language": person["language"],
                        "created_at": WHEN,
                    }
                    | {key: value[key] for key in ("title", "objectives", "partners", "timeline")}
                )
    return stakeholders, answers, pledges


async def seed(url: str, answers: int) -> None:
    """Store `answers` answers (25 per stakeholder) in a migrated database."""
    pack = load_pack("lac-2025")
    stakeholders, rows, pledges = _rows(pack, answers // ANSWERS_PER_STAKEHOLDER)
    database = Database(url)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            for table, data in ((Stakeholder, stakeholders), (Answer, rows), (Pledge, pledges)):
                for start in range(0, len(data), 10_000):
                    await session.execute(insert(table), data[start : start + 10_000])
    finally:
        await database.dispose()


def seeded_file(directory: Path, answers: int) -> str:
    """The URL of a SQLite file holding `answers` answers, made once per directory."""
    import asyncio

    path = directory / f"answers-{answers}.db"
    url = f"sqlite+aiosqlite:///{path}"
    if not path.exists():
        asyncio.run(seed(url, answers))
    return url
