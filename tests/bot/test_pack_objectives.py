"""Objective titles name their sources, and `consultbot pack check` lists those to confirm."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.commands.cli import app
from bot.pack import Pack, PackError, parse_pack, titles_to_confirm
from tests.outbox.helpers import pack_data

runner = CliRunner()


def test_every_verified_title_names_its_source(pack: Pack) -> None:
    """In lac-2025, a title is either unverified or says where it was read."""
    for objective in pack.objectives:
        for language in pack.languages:
            verified = language not in objective.unverified
            assert not verified or objective.sources.get(language), (objective.number, language)


def test_english_titles_come_from_the_resolution(pack: Pack) -> None:
    """The English titles of objectives 12 to 23 cite A/RES/73/195 itself."""
    for number in range(12, 24):
        assert "A/RES/73/195" in pack.objectives_by_number[number].sources["en"], number


def test_pack_check_lists_the_titles_still_to_confirm() -> None:
    """After OK, `pack check lac-2025` prints each language's unverified objective numbers."""
    result = runner.invoke(app, ["pack", "check", "lac-2025"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lac-2025: OK (4 languages")
    assert lines[1] == "Objective titles to confirm against the official text of A/RES/73/195:"
    assert lines[2:] == [
        "  es unverified: 3, 15, 16, 17, 20, 23",
        "  pt unverified: 2, 4, 7, 8, 9, 10, 11, 13, 14, 19, 20, 21, 22, 23",
        "  fr unverified: 17, 18",
    ]


def test_titles_without_a_source_are_listed_too() -> None:
    """A pack whose titles name no source gets one line per language saying so."""
    raw = pack_data()
    raw["objectives"][0]["sources"] = {"es": "A/RES/73/195 (Spanish), p. 7"}
    raw["objectives"][1]["unverified"] = ["en"]
    lines = titles_to_confirm(parse_pack(raw, "test-pack"))
    others = ", ".join(str(number) for number in range(3, 24))
    assert lines == [
        "en unverified: 2",
        f"es without a source: 2, {others}",
        f"en without a source: 1, {others}",
    ]


def test_nothing_to_confirm_prints_only_ok(tmp_path) -> None:
    """A pack whose every title has a source prints the OK line alone."""
    import yaml

    raw = pack_data()
    for objective in raw["objectives"]:
        objective["sources"] = {"es": "A/RES/73/195", "en": "A/RES/73/195"}
    path = tmp_path / "sourced.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["pack", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "test-pack: OK (2 languages, 2 sessions, 2 questions, 0 roadmap events)"
    ]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("sources", {"de": "somewhere"}, "objectives[4].sources.de: no de title"),
        ("sources", {"es": ""}, "objectives[4].sources.es: String should have at least 1"),
        ("unverified", ["de"], "objectives[4].unverified: no de title to verify"),
    ],
)
def test_sources_and_marks_must_match_a_title(field: str, value: object, problem: str) -> None:
    """A source or an unverified mark for a language with no title is a problem with its path."""
    raw = pack_data()
    raw["objectives"][4][field] = value
    with pytest.raises(PackError) as caught:
        parse_pack(raw, "test-pack")
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems
