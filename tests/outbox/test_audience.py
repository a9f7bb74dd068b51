"""Audience selection and broadcast creation on both backends, and audience parsing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.domain.audience import BroadcastInputError, describe, parse_audience, parse_texts
from storage.broadcasts import (
    Audience,
    count_by_language,
    create_broadcast,
    recent_broadcasts,
    recipients,
)
from storage.db import Database
from storage.models import Answer, OutboxMessage
from tests.outbox.helpers import START, add_answer, add_stakeholders, make_pack, stakeholder_row

PACK = make_pack()


async def people(db: Database) -> list[int]:
    """Six registered of varied profile, one unregistered and one unreachable."""
    return await add_stakeholders(
        db,
        [
            stakeholder_row(1, language="es", country="CL", reminders_opt_in=True),
            stakeholder_row(2, language="en", country="AR", category="academia"),
            stakeholder_row(3, language=None, country="MX", subregion="central"),
            stakeholder_row(4, language="fr", country="GT", subregion="central"),
            stakeholder_row(5, language="en", country="MX", subregion="central"),
            stakeholder_row(6, language="es", country="CL", reminders_opt_in=True),
            stakeholder_row(7, consented_at=None),
            stakeholder_row(8, unreachable_since=START),
        ],
    )


async def chats(db: Database, audience: Audience) -> set[str]:
    async with db.transaction() as session:
        return {r.chat_id for r in await recipients(session, audience, PACK.default_language)}


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (Audience(), {1, 2, 3, 4, 5, 6}),
        (Audience(subregions=("central",)), {3, 4, 5}),
        (Audience(categories=("academia",)), {2}),
        (Audience(countries=("mx", "GT")), {3, 4, 5}),
        (Audience(languages=("es",)), {1, 3, 6}),  # no language yet means the default
        (Audience(languages=("en",)), {2, 5}),
        (Audience(reminders=True), {1, 6}),
        (Audience(reminders=False), {2, 3, 4, 5}),
        (Audience(subregions=("central",), languages=("en",)), {5}),
    ],
)
async def test_audience_filters(db: Database, audience: Audience, expected: set[int]) -> None:
    """Each filter narrows the registered, reachable stakeholders as documented."""
    await people(db)
    assert await chats(db, audience) == {f"chat{n}" for n in expected}


async def test_session_participants_have_a_current_answer(db: Database) -> None:
    """Participants of a session are those whose answer in it is current."""
    ids = await people(db)
    await add_answer(db, ids[0], "s1")
    await add_answer(db, ids[1], "s1")
    await add_answer(db, ids[2], "s2")
    async with db.transaction() as session:
        await session.execute(
            update(Answer).where(Answer.stakeholder_id == ids[1]).values(current=False)
        )
    assert await chats(db, Audience(sessions=("s1",))) == {"chat1"}
    assert await chats(db, Audience(sessions=("s1", "s2"))) == {"chat1", "chat3"}


async def test_broadcast_queues_each_language_with_default_fallback(db: Database) -> None:
    """Spanish and unknown-language readers get the default text, English readers theirs."""
    await people(db)
    async with db.transaction() as session:
        counts = await count_by_language(session, Audience(), PACK.languages, "es")
        queued = await create_broadcast(
            session,
            texts={"es": "Hola", "en": "Hi"},
            audience=Audience(),
            languages=PACK.languages,
            default_language="es",
            created_by="telegram:1",
            now=START,
        )
    async with db.transaction() as session:
        rows = dict(
            (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.text))).all()
        )
        [status] = await recent_broadcasts(session)
    assert counts == {"es": 4, "en": 2} and queued.by_language == counts
    assert rows == {"chat1": "Hola", "chat2": "Hi", "chat3": "Hola", "chat4": "Hola",
                    "chat5": "Hi", "chat6": "Hola"}  # fmt: skip
    assert status.recipients == 6 and status.counts["queued"] == 6


def test_parse_audience_accepts_fields_and_lists() -> None:
    """Comma lists and repeated fields add up; reminders takes yes or no."""
    audience = parse_audience(
        ["country=mx,cl", "country=AR", "subregion=south", "reminders=yes"], PACK
    )
    assert audience == Audience(subregions=("south",), countries=("MX", "CL", "AR"), reminders=True)
    assert describe(audience) == "subregion=south; country=MX,CL,AR; reminders=yes"
    assert parse_audience(["everyone"], PACK).everyone


@pytest.mark.parametrize(
    "items", [["session=s9"], ["language=pt"], ["category="], ["nothing"], ["reminders=perhaps"]]
)
def test_parse_audience_rejects_unknown_values(items: list[str]) -> None:
    """Values the pack does not know are refused with a reason."""
    with pytest.raises(BroadcastInputError):
        parse_audience(items, PACK)


def test_parse_texts() -> None:
    """One text is for all; per-language texts need the default language."""
    assert parse_texts(["Hola = todos"], PACK) == {"es": "Hola = todos"}
    assert parse_texts(["es=Hola", "EN=Hi"], PACK) == {"es": "Hola", "en": "Hi"}
    with pytest.raises(BroadcastInputError, match="default"):
        parse_texts(["en=Hi"], PACK)
    with pytest.raises(BroadcastInputError, match="two texts"):
        parse_texts(["es=Hola", "es=Otra"], PACK)
