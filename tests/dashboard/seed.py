"""Many stakeholders, answers, pledges and broadcasts in the lac-2025 pack's keys, inserted in bulk.

Shared by the dashboard's tests (a few hundred rows) and its benchmark (200,000 answers).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, text

from bot.pack import Pack
from storage.db import Database
from storage.models import Answer, Broadcast, OutboxMessage, Pledge, Stakeholder

# Sixty days up to today, so answers given in chat during a test fall at the end of the series.
TODAY = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
START = TODAY - dt.timedelta(days=61)
SENTENCES = (
    "Abrimos dos centros comunitarios con atención de salud para personas en tránsito.",
    "Falta acceso a vivienda y a empleo formal para quienes esperan su regularización.",
    "La niñez migrante necesita cupos en la escuela y documentos de identidad.",
    "Los consulados ampliaron sus horarios y la protección consular mejoró.",
    "Las remesas sostienen a muchas familias, pero los costos siguen altos.",
    "Municipal shelters near the border now offer health care and legal advice.",
    "Access to education for migrant children improved after the new decree.",
    "Employers still ask for documents that migrants in transit cannot obtain.",
    "We need shared data on missing migrants across the region.",
    "Regular pathways for family reunification remain slow and costly.",
    "Las mujeres migrantes denuncian violencia y falta de vivienda segura.",
    "Local authorities and civil society coordinate a referral network.",
)
_CHUNK = 2000


def _stakeholders(pack: Pack, count: int, rng: random.Random) -> list[dict]:
    places = [(sub.key, code) for sub in pack.subregions for code in sub.countries[:6]]
    categories = [category.key for category in pack.categories]
    rows = []
    for n in range(count):
        subregion, country = places[n % len(places)]
        when = START + dt.timedelta(days=rng.randrange(60), minutes=n % 600)
        rows.append(
            {
                "id": n + 1,
                "platform": "telegram",
                "platform_user_id": f"seed{n}",
                "chat_id": f"seed{n}",
                "language": "es" if n % 3 else "en",
                "organization": f"Organización {n}",
                "category": categories[n % len(categories)],
                "country": country,
                "subregion": subregion,
                "consented_at": when,
                "registered_at": when,
                "attribution_consent": (n // len(places)) % 2 == 0,  # half of each country
                "reminders_opt_in": n % 4 == 0,
                "created_at": when,
                "updated_at": when,
            }
        )
    return rows


def _value(kind: str, objectives: list[int], rng: random.Random, n: int) -> dict:
    if n % 23 == 0:
        return {"skipped": True}
    if kind == "objectives":
        return {"objectives": rng.sample(objectives, k=min(2, len(objectives)))}
    if kind == "multiple_choice":
        return {"options": ["finance", "data"]}
    if kind == "single_choice":
        return {"option": "dont_know"}
    if kind == "attachment":
        return {"attachment_id": n, "kind": "document", "filename": f"evidence-{n}.pdf"}
    if kind == "pledge":
        return {"title": f"Pledge {n}", "objectives": objectives[:1]}
    return {"text": " ".join(rng.sample(SENTENCES, k=2))}


def _answers(pack: Pack, stakeholders: list[dict], per_person: int, rng: random.Random):
    questions = [
        (session.key, question.key, question.type, session.objectives or [1, 23])
        for session in pack.sessions
        for question in session.questions
        if question.type != "pledge"
    ]
    n = 0
    for person in stakeholders:
        offset = rng.randrange(len(questions))
        for k in range(per_person):
            session_key, question_key, kind, objectives = questions[(offset + k) % len(questions)]
            when = person["consented_at"] + dt.timedelta(hours=1 + k)
            yield {
                "stakeholder_id": person["id"],
                "session_key": session_key,
                "question_key": question_key,
                "value": _value(kind, objectives, rng, n),
                "language": person["language"],
                "revision": 1,
                "current": True,
                "created_at": when,
                "updated_at": when,
            }
            n += 1


def _pledges(stakeholders: list[dict], every: int) -> list[dict]:
    return [
        {
            "stakeholder_id": person["id"],
            "session_key": "general",
            "question_key": "pledge",
            "title": f"Open a shelter network {person['id']}",
            "objectives": [15, 16],
            "partners": "City council",
            "timeline": "2026",
            "language": person["language"],
            "created_at": person["consented_at"],
        }
        for person in stakeholders[::every]
    ]


async def _advance_ids(database: Database, table: str) -> None:
    """After rows with explicit ids, move PostgreSQL's sequence past them (SQLite needs not)."""
    if database.is_sqlite:
        return
    async with database.transaction() as session:
        await session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


async def _insert(database: Database, model: type, rows) -> None:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _CHUNK:
            async with database.transaction() as session:
                await session.execute(insert(model), batch)
            batch = []
    if batch:
        async with database.transaction() as session:
            await session.execute(insert(model), batch)


async def seed_many(
    database: Database, pack: Pack, stakeholders: int, per_person: int = 10, seed: int = 7
) -> None:
    """`stakeholders` registered people with `per_person` answers each, pledges, one broadcast."""
    rng = random.Random(seed)
    people = _stakeholders(pack, stakeholders, rng)
    await _insert(database, Stakeholder, people)
    await _advance_ids(database, "stakeholders")
    await _insert(database, Answer, _answers(pack, people, per_person, rng))
    await _insert(database, Pledge, _pledges(people, every=7))
    await seed_broadcast(database, people[:40])


async def seed_broadcast(database: Database, people: list[dict]) -> None:
    """One broadcast with messages in every delivery state."""
    statuses = ("sent", "sent", "sent", "failed", "unreachable", "queued")
    async with database.transaction() as session:
        broadcast = Broadcast(
            created_by="console:lead",
            texts={"es": "Hola", "en": "Hello"},
            audience={"subregions": ["caribbean"]},
            status="queued",
            recipients=len(people),
            created_at=START + dt.timedelta(days=30),
        )
        session.add(broadcast)
        await session.flush()
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "key": f"broadcast:{broadcast.id}:{person['id']}",
                    "kind": "broadcast",
                    "stakeholder_id": person["id"],
                    "broadcast_id": broadcast.id,
                    "platform": person["platform"],
                    "chat_id": person["chat_id"],
                    "text": "Hola",
                    "status": statuses[n % len(statuses)],
                    "not_before": broadcast.created_at,
                    "created_at": broadcast.created_at,
                }
                for n, person in enumerate(people)
            ],
        )


async def add_person(
    database: Database,
    person_id: int,
    organization: str,
    *,
    named: bool,
    country: str = "CL",
    subregion: str | None = "south_america",
    category: str = "civil_society",
    language: str | None = "es",
    consented: bool = True,
    when: dt.datetime = START,
) -> None:
    """One stakeholder row, registered (or not) at `when`."""
    async with database.transaction() as session:
        await session.execute(
            insert(Stakeholder),
            [
                {
                    "id": person_id,
                    "platform": "telegram",
                    "platform_user_id": f"person{person_id}",
                    "chat_id": f"person{person_id}",
                    "language": language,
                    "organization": organization,
                    "category": category,
                    "country": country,
                    "subregion": subregion,
                    "consented_at": when if consented else None,
                    "registered_at": when if consented else None,
                    "attribution_consent": named,
                    "created_at": when,
                    "updated_at": when,
                }
            ],
        )
    await _advance_ids(database, "stakeholders")


async def add_answers(database: Database, rows: list[tuple]) -> None:
    """(stakeholder, session, question, value, language, when) rows, current, first revisions."""
    async with database.transaction() as session:
        await session.execute(
            insert(Answer),
            [
                {
                    "stakeholder_id": person,
                    "session_key": session_key,
                    "question_key": question_key,
                    "value": value,
                    "language": language,
                    "revision": 1,
                    "current": True,
                    "created_at": when,
                    "updated_at": when,
                }
                for person, session_key, question_key, value, language, when in rows
            ],
        )
