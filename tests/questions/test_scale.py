"""The scale type, added as one module: its pack keys, its flow through the engine, its summary."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.core.i18n import translator
from bot.core.messages import InboundKind
from bot.pack import PACKS_DIR, Pack, PackError, parse_pack
from bot.questions import KINDS, Answered, AnswerInput, Asked, Expected, describe
from bot.questions.kinds.scale import ScaleValue
from storage.db import Database
from storage.models import Answer
from tests.dialog import Dialog, make_engine, register

SCALE = {
    "key": "useful",
    "type": "scale",
    "text": {
        "es": "¿Qué tan útil fue esta sesión?",
        "en": "How useful was this session?",
        "pt": "Quão útil foi esta sessão?",
        "fr": "Cette session vous a-t-elle été utile ?",
    },
    "low": {"es": "nada útil", "en": "not useful", "pt": "nada útil", "fr": "pas utile"},
    "high": {"es": "muy útil", "en": "very useful", "pt": "muito útil", "fr": "très utile"},
}


def raw_pack(question: dict[str, Any]) -> dict[str, Any]:
    raw = yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))
    for session in raw["sessions"]:
        session["questions"] = copy.deepcopy(session["questions"])
    raw["sessions"][0]["questions"].insert(0, question)
    return raw


@pytest.fixture(scope="module")
def scale_pack() -> Pack:
    return parse_pack(raw_pack(SCALE), "scale")


def at(pack: Pack, lang: str = "en") -> Asked:
    session = pack.sessions[0]
    return Asked(pack, session, session.questions[0], translator(lang))


def test_scale_shows_its_points_and_their_meaning(scale_pack: Pack) -> None:
    """Five buttons 1-5 in one row; the instruction says what the ends mean."""
    shown = KINDS["scale"].show(at(scale_pack))
    assert [label for _, label in shown.options] == ["1", "2", "3", "4", "5"]
    assert shown.columns == 5
    assert "not useful" in shown.instruction and "very useful" in shown.instruction


def test_scale_takes_a_tap_or_a_typed_number(scale_pack: Pack) -> None:
    """A tap or '4' rates; '6' and words say which numbers are expected."""
    kind = KINDS["scale"]
    assert kind.parse(at(scale_pack), AnswerInput(InboundKind.CHOICE, chosen="r:2")) == Answered(
        ScaleValue(rating=2)
    )
    typed = kind.parse(at(scale_pack), AnswerInput(InboundKind.TEXT, text=" 4 "))
    assert typed == Answered(ScaleValue(rating=4))
    for wrong in ("6", "good"):
        result = kind.parse(at(scale_pack), AnswerInput(InboundKind.TEXT, text=wrong))
        assert isinstance(result, Expected) and "1" in result.what


def test_scale_reads_as_rating_of_points(scale_pack: Pack) -> None:
    """/answers and the exports show '4/5'; the export column holds the number."""
    assert describe(ScaleValue(rating=4), at(scale_pack)) == "4/5"
    assert KINDS["scale"].export_cells(ScaleValue(rating=4)) == {"rating": 4}


def test_scale_summary_gives_mean_and_spread(scale_pack: Pack) -> None:
    """The report sums a scale up: the mean in the reader's language and the count per point."""
    values = [ScaleValue(rating=r) for r in (5, 4, 4, 2)]
    lines = KINDS["scale"].summary(values, at(scale_pack, "es"))
    assert lines == ["Media 3,8 de 5, de 4 respuestas.", "1: 0 · 2: 1 · 3: 0 · 4: 2 · 5: 1"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"points": 11}, "sessions[0].questions[0].points: Input should be less than or equal"),
        ({"colour": "red"}, "sessions[0].questions[0].colour: not a key of this question type"),
        ({"low": {"es": "nada"}}, "sessions[0].questions[0].low.en: missing"),
    ],
)
def test_pack_check_reports_scale_keys_with_their_path(change: dict, problem: str) -> None:
    """A scale's own keys are checked by the scale, each problem with its YAML path."""
    with pytest.raises(PackError) as caught:
        parse_pack(raw_pack({**SCALE, **change}), "scale")
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems


def test_other_types_refuse_the_scale_keys() -> None:
    """`low` on a text question is a typo the check catches, not a silent extra."""
    with pytest.raises(PackError) as caught:
        parse_pack(raw_pack({**SCALE, "type": "text"}), "scale")
    assert "sessions[0].questions[0].low: not a key of this question type" in caught.value.problems


async def test_a_stakeholder_rates_through_the_engine(
    sqlite_db: Database, scale_pack: Pack, tmp_path
) -> None:
    """Through the real engine: the scale is asked, a tap saves the rating, /answers shows it."""
    dialog = Dialog(make_engine(sqlite_db, scale_pack, tmp_path))
    await register(dialog)
    await dialog.command("/consult inclusion")
    assert dialog.keys == ["session.intro", "ask.question.scale"]
    await dialog.tap("4")
    assert dialog.keys[:2] == ["answer.saved", "ask.question.objectives"]
    async with sqlite_db.transaction() as session:
        stored = await session.scalar(select(Answer.value).where(Answer.question_key == "useful"))
    assert stored == {"rating": 4}
    await dialog.command("/answers")
    await dialog.tap(dialog.choices[0].label)
    assert "1. 4/5" in [choice.label for choice in dialog.choices]
