"""The template pack: small, valid, copied by `pack new`, and runnable end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from bot.commands.cli import app
from bot.pack import GCM_OBJECTIVES, PACKS_DIR, Pack, QuestionType, load_pack
from storage.db import Database
from storage.models import Answer, Stakeholder
from tests.dialog import Dialog, answer_current, make_engine, register

TEMPLATE = PACKS_DIR / "template.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def template() -> Pack:
    return load_pack(str(TEMPLATE))


def test_template_is_the_small_pack_the_docs_describe(template: Pack) -> None:
    """Two languages, one session of three questions, one roadmap event."""
    assert template.id == "template"
    assert template.languages == ["en", "es"] and template.default_language == "en"
    [session] = template.sessions
    assert [question.key for question in session.questions] == [
        "objectives",
        "progress",
        "priority",
    ]
    assert {question.type for question in session.questions} == {
        QuestionType.OBJECTIVES,
        QuestionType.TEXT,
        QuestionType.SINGLE_CHOICE,
    }
    assert len(template.roadmap) == 1
    assert "secretariat@example.org" in template.privacy.notice["en"]


def test_template_gets_the_shared_gcm_objectives(template: Pack) -> None:
    """Without `objectives` of its own, a pack gets all 23 from bot/packs/common."""
    assert "objectives" not in yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    assert sorted(template.objectives_by_number) == list(range(1, 24))
    assert template.objectives_by_number[5].title["es"] == (
        "Aumentar la disponibilidad y flexibilidad de las vías de migración regular"
    )


def test_shared_objectives_agree_with_lac_2025() -> None:
    """The shared list and lac-2025's own are the same data, so a fix goes into both."""
    shared = yaml.safe_load(GCM_OBJECTIVES.read_text(encoding="utf-8"))["objectives"]
    bundled = yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))
    assert shared == bundled["objectives"]


def test_a_pack_with_its_own_objectives_keeps_them(tmp_path: Path) -> None:
    """A pack that lists objectives is not given the shared ones."""
    raw = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    shared = yaml.safe_load(GCM_OBJECTIVES.read_text(encoding="utf-8"))["objectives"]
    raw["objectives"] = shared
    raw["objectives"][0]["title"]["en"] = "Our own wording of objective 1"
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_pack(str(path)).objectives_by_number[1].title["en"] == (
        "Our own wording of objective 1"
    )


def test_pack_check_accepts_the_template() -> None:
    """`consultbot pack check` on the template exits 0."""
    result = runner.invoke(app, ["pack", "check", str(TEMPLATE)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("template: OK (2 languages, 1 sessions, 3 questions")


def test_pack_new_copies_the_template_under_a_new_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pack new NAME` writes NAME.yaml with `id: NAME`; the copy passes `pack check`."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pack", "new", "asia-pacific-2029"])
    assert result.exit_code == 0, result.output
    assert "Wrote asia-pacific-2029.yaml" in result.stdout
    copy = tmp_path / "asia-pacific-2029.yaml"
    assert load_pack(str(copy)).id == "asia-pacific-2029"
    assert copy.read_text("utf-8").replace("id: asia-pacific-2029", "id: template") == (
        TEMPLATE.read_text("utf-8")
    )
    checked = runner.invoke(app, ["pack", "check", str(copy)])
    assert checked.exit_code == 0 and "asia-pacific-2029: OK" in checked.stdout


def test_pack_new_never_overwrites(tmp_path: Path) -> None:
    """An existing file is left alone and the command exits 2 with one line."""
    target = tmp_path / "mine.yaml"
    target.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["pack", "new", "mine", "--out", str(target)])
    assert result.exit_code == 2 and "already exists" in result.output
    assert target.read_text("utf-8") == "keep me"


@pytest.mark.parametrize("name", ["Asia Pacific", "../escape", "x" * 41, ""])
def test_pack_new_refuses_a_bad_id(tmp_path: Path, name: str) -> None:
    """An id a pack cannot have is refused before anything is written."""
    result = runner.invoke(app, ["pack", "new", name, "--out", str(tmp_path / "p.yaml")])
    assert result.exit_code == 2 and "a pack id uses" in result.output
    assert not (tmp_path / "p.yaml").exists()


@pytest.mark.parametrize("language", ["en", "es"])
async def test_registration_and_the_whole_session_on_the_template(
    sqlite_db: Database, template: Pack, tmp_path: Path, language: str
) -> None:
    """A stakeholder registers and answers the template's session to the end, in each language."""
    engine = make_engine(sqlite_db, template, tmp_path)
    dialog = Dialog(engine)
    await register(dialog, language=language, country="Italy", organization="Rete Migranti")
    await dialog.command("/consult")
    assert dialog.keys == ["ask.session"]
    await dialog.tap(dialog.choices[0].label)
    assert dialog.keys == ["session.intro", "ask.question.objectives"], dialog.keys
    assert [choice.label.split(" · ")[0] for choice in dialog.choices[:3]] == ["5", "6", "18"]
    keys: list[str] = []
    for _ in template.sessions[0].questions:
        keys = await answer_current(dialog, text="Two new regular pathways opened.")
    assert "consultation.complete" in keys, keys  # the only session: the whole consultation
    await dialog.command("/consult example")
    assert dialog.keys == ["session.already_done"], dialog.keys
    async with sqlite_db.transaction() as session:
        stakeholder = await session.scalar(select(Stakeholder))
        answers = {
            row.question_key: row.value
            for row in await session.scalars(select(Answer).where(Answer.current))
        }
    assert (stakeholder.country, stakeholder.subregion) == ("IT", "example")
    assert stakeholder.language == language
    assert answers == {
        "objectives": {"objectives": [5]},
        "progress": {"text": "Two new regular pathways opened."},
        "priority": {"option": "data"},
    }
