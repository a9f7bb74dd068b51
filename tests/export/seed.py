"""A small pack of our own and the rows to seed, so export tests survive pack rewording."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.pack import Pack, parse_pack
from storage.db import Database
from storage.models import Answer, Pledge, Stakeholder

LANGUAGES = ("es", "en")


def both(es: str, en: str) -> dict[str, str]:
    return {"es": es, "en": en}


def _objectives() -> list[dict[str, Any]]:
    titles = {
        14: both("Mejorar la protección consular", "Enhance consular protection"),
        16: both("Inclusión y cohesión social", "Inclusion and social cohesion"),
    }
    return [
        {
            "number": n,
            "title": titles.get(n, both(f"Objetivo {n}", f"Objective title {n}")),
            "short": both(f"Obj. {n}", f"Obj. {n}"),
        }
        for n in range(1, 24)
    ]


def _option(key: str, es: str, en: str) -> dict[str, Any]:
    return {"key": key, "label": both(es, en)}


INCLUSION = {
    "key": "inclusion",
    "number": 1,
    "title": both("Inclusión", "Inclusion"),
    "short_title": both("Inclusión", "Inclusion"),
    "objectives": [14, 15, 16],
    "questions": [
        {"key": "progress", "text": both("¿Qué avances vio?", "What progress did you see?")},
        {
            "key": "priority",
            "type": "single_choice",
            "text": both("¿Prioridad?", "Priority?"),
            "options": [_option("health", "Salud", "Health"), _option("work", "Trabajo", "Work")],
        },
        {
            "key": "areas",
            "type": "multiple_choice",
            "text": both("¿Áreas?", "Areas?"),
            "options": [_option("health", "Salud", "Health"), _option("work", "Trabajo", "Work")],
        },
        {"key": "tags", "type": "objectives", "text": both("¿Objetivos?", "Objectives?")},
        {
            "key": "evidence",
            "type": "attachment",
            "optional": True,
            "text": both("¿Documentos?", "Documents?"),
        },
    ],
}

DRIVERS = {
    "key": "drivers",
    "number": 2,
    "title": both("Factores de la migración", "Drivers of migration"),
    "objectives": [2, 5],
    "questions": [{"key": "challenges", "text": both("¿Desafíos?", "Challenges?")}],
}

GENERAL = {
    "key": "general",
    "title": both("Preguntas generales", "General questions"),
    "questions": [
        {"key": "pledge", "type": "pledge", "optional": True, "text": both("¿Promesa?", "Pledge?")},
        {"key": "recommendations", "text": both("¿Recomendaciones?", "Recommendations?")},
    ],
}

PACK = {
    "id": "test-pack",
    "version": "1",
    "default_language": "es",
    "languages": list(LANGUAGES),
    "event": {
        "name": both("Revisión regional de prueba", "Test regional review"),
        "short_name": both("Prueba", "Test"),
        "venue": both("CEPAL", "ECLAC"),
        "city": both("Santiago", "Santiago"),
        "country": "CL",
        "timezone": "America/Santiago",
        "start": "2025-03-18",
        "end": "2025-03-20",
    },
    "privacy": {"version": "v1", "notice": both("Aviso", "Notice"), "attribution": both("A", "A")},
    "objectives": _objectives(),
    "subregions": [
        {"key": "caribbean", "name": both("el Caribe", "the Caribbean"), "countries": ["HT", "DO"]},
        {"key": "south", "name": both("Sudamérica", "South America"), "countries": ["CL", "BO"]},
    ],
    "categories": [
        {
            "key": "migrant_led",
            "name": both("Organización liderada por migrantes", "Migrant-led organization"),
            "described_as": both(
                "una organización liderada por migrantes", "a migrant-led organization"
            ),
        },
        {
            "key": "academia",
            "name": both("Academia", "Academia"),
            "described_as": both("una institución académica", "an academic institution"),
        },
        {
            "key": "civil_society",
            "name": both("Sociedad civil", "Civil society"),
            "described_as": both("una organización de la sociedad civil", "a civil society group"),
        },
    ],
    "sessions": [INCLUSION, DRIVERS, GENERAL],
    "roadmap": [],
}


def make_pack() -> Pack:
    return parse_pack(PACK, "tests/export")


JANUARY = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)
FEBRUARY = dt.datetime(2025, 2, 20, 12, 0, tzinfo=dt.UTC)
FORMULA = '=HYPERLINK("http://evil.example","click")'


@dataclass(frozen=True)
class Seed:
    """Ids of what was stored, for tests to check exports against."""

    ana: int  # named: attribution given, Caribbean, migrant-led, Spanish
    ben: int  # unnamed: attribution withheld, Caribbean, migrant-led, English
    carla: int  # named: South America, academia
    dan: int  # never consented
    eve: int  # named, from a country outside every subregion, civil society, English
    old_answer: int  # ana's first revision, no longer current


def _stakeholder(name: str, **fields: Any) -> Stakeholder:
    defaults = {
        "platform": "telegram",
        "platform_user_id": name,
        "chat_id": name,
        "language": "es",
        "email": f"{name}@example.org",
        "consent_version": "v1",
        "consented_at": JANUARY,
        "registered_at": JANUARY,
    }
    return Stakeholder(**(defaults | fields))


def _people() -> dict[str, Stakeholder]:
    return {
        "ana": _stakeholder(
            "ana", organization="Red Migrante Caribe", attribution_consent=True,
            category="migrant_led", country="HT", subregion="caribbean",
        ),
        "ben": _stakeholder(
            "ben", organization="Secret Shelter Org", attribution_consent=False,
            category="migrant_led", country="DO", subregion="caribbean", language="en",
        ),
        "carla": _stakeholder(
            "carla", organization="Universidad del Sur", attribution_consent=True,
            category="academia", country="CL", subregion="south",
        ),
        "dan": _stakeholder(
            "dan", organization="Unconsented Org", consent_version=None, consented_at=None,
            category="academia", country="BO", subregion="south",
        ),
        "eve": _stakeholder(
            "eve", organization="Frontera Norte", attribution_consent=True,
            category="civil_society", country="US", subregion=None, language="en",
        ),
    }  # fmt: skip


def answer(who: Stakeholder, session: str, question: str, value: Any, **fields: Any) -> Answer:
    defaults = {"language": who.language or "es", "created_at": JANUARY, "updated_at": JANUARY}
    return Answer(
        stakeholder_id=who.id,
        session_key=session,
        question_key=question,
        value=value,
        **(defaults | fields),
    )


ANA_TEXT = "Acceso a salud y educación para la niñez"
BEN_TEXT = "+cmd|' /C calc'!A0 safe houses opened"
CARLA_TEXT = "@SUM(A1) fronteras más seguras"
EVE_TEXT = "\tRegular pathways for seasonal work"
EVE_RECOMMENDATION = "-Fund migrant-led groups directly"
DOCUMENT = {"attachment_id": 3, "kind": "document", "filename": "informe.pdf"}
PLEDGE_ANA = {
    "title": "Abrir 3 centros de orientación",
    "objectives": [16, 23],
    "partners": "OIM",
    "timeline": "2025-2026",
}
PLEDGE_BEN = {
    "title": "Train 50 shelter volunteers",
    "objectives": [7],
    "partners": None,
    "timeline": "2025",
}


def _answers(p: dict[str, Stakeholder]) -> list[Answer]:
    ana, ben, carla, dan, eve = (p[name] for name in ("ana", "ben", "carla", "dan", "eve"))
    later = {"created_at": FEBRUARY, "updated_at": FEBRUARY}
    return [
        answer(ana, "inclusion", "progress", {"text": ANA_TEXT}, revision=2),
        answer(ben, "inclusion", "progress", {"text": BEN_TEXT}),
        answer(carla, "inclusion", "progress", {"text": FORMULA}),
        answer(ana, "inclusion", "priority", {"option": "health"}),
        answer(ben, "inclusion", "priority", {"option": "work"}),
        answer(carla, "inclusion", "priority", {"option": "health"}),
        answer(ben, "inclusion", "areas", {"options": ["health", "work"]}),
        answer(ana, "inclusion", "tags", {"objectives": [14, 16]}),
        answer(carla, "inclusion", "tags", {"objectives": [16]}),
        answer(carla, "inclusion", "evidence", DOCUMENT),
        answer(eve, "inclusion", "evidence", {"skipped": True}),
        answer(carla, "drivers", "challenges", {"text": CARLA_TEXT}),
        answer(eve, "drivers", "challenges", {"text": EVE_TEXT}, **later),
        answer(ana, "general", "pledge", PLEDGE_ANA),
        answer(ben, "general", "pledge", PLEDGE_BEN),
        answer(eve, "general", "recommendations", {"text": EVE_RECOMMENDATION}, **later),
        answer(dan, "inclusion", "progress", {"text": "Should never be exported"}),
    ]


def _pledges(stored: list[Answer]) -> list[Pledge]:
    pledges = []
    for row in stored:
        if row.question_key == "pledge":
            value = row.value
            pledges.append(
                Pledge(
                    stakeholder_id=row.stakeholder_id,
                    answer_id=row.id,
                    session_key=row.session_key,
                    question_key=row.question_key,
                    title=value["title"],
                    objectives=value["objectives"],
                    partners=value["partners"],
                    timeline=value["timeline"],
                    language=row.language,
                    created_at=row.created_at,
                )
            )
    return pledges


async def seed(database: Database) -> Seed:
    """Store five stakeholders, answers of every type (one revised) and two pledges."""
    async with database.transaction() as session:
        people = _people()
        session.add_all(people.values())
        await session.flush()
        old = answer(people["ana"], "inclusion", "progress", {"text": "Old text"}, current=False)
        session.add(old)
        await session.flush()
        stored = _answers(people)
        session.add_all(stored)
        await session.flush()
        unconsented = Pledge(
            stakeholder_id=people["dan"].id, session_key="general", question_key="pledge",
            title="Unconsented pledge", objectives=[1], language="es",
        )  # fmt: skip
        session.add_all([*_pledges(stored), unconsented])
        ids = {name: person.id for name, person in people.items()}
        return Seed(**ids, old_answer=old.id)
