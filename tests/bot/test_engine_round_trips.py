"""The common path stays cheap: statements per update, counted on a real SQLite file.

Issue 11 asked for one round trip to load a stakeholder's state and one to save it. These
counts are the ceiling the engine meets today; a change that adds queries per update fails here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bot.engine.engine import Engine
from tests.dialog import Dialog, register


@contextmanager
def counting(engine: Engine) -> Iterator[Counter[str]]:
    """Statements the database driver is given, by their first word, while the block runs."""
    verbs: Counter[str] = Counter()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        verbs[statement.split(None, 1)[0].upper()] += 1

    target = engine.database.engine.sync_engine
    event.listen(target, "before_cursor_execute", count)
    try:
        yield verbs
    finally:
        event.remove(target, "before_cursor_execute", count)


async def test_a_text_part_and_a_tap_each_take_a_handful_of_statements(
    sqlite_engine: Engine,
) -> None:
    """A text answer part: BEGIN, the update's processed mark, the state in one query, the
    state saved (4). A tap on Done also reads the answer it replaces and writes the answer (6)."""
    dialog = Dialog(sqlite_engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await dialog.tap(dialog.choices[0].label)  # an objective
    await dialog.tap("Done")
    assert dialog.keys[-1] == "ask.question.text"
    with counting(sqlite_engine) as text:
        await dialog.say("Una parte de la respuesta.")
    with counting(sqlite_engine) as done:
        await dialog.tap("Done")
    assert "answer.saved" in dialog.keys
    assert text["SELECT"] == 1 and sum(text.values()) <= 4, text
    assert done["SELECT"] <= 2 and sum(done.values()) <= 6, done
