"""The bundled lac-2025 pack follows the concept note; `pack check` catches broken packs."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bot.commands.cli import app
from bot.pack import (
    PACKS_DIR,
    Pack,
    PackError,
    QuestionType,
    load_pack,
    parse_offset,
    parse_pack,
    resolve_pack_path,
)

BUNDLED = PACKS_DIR / "lac-2025.yaml"

NOTE_SESSIONS = {
    1: [14, 15, 16, 19, 20, 22],
    2: [2, 5, 6, 12, 18],
    3: [4, 8, 9, 10, 11, 13, 21],
    4: [1, 3, 7, 17, 23],
}

Raw = dict[str, Any]


def bundled_raw() -> Raw:
    """The bundled pack as plain YAML data, with no node shared between sessions."""
    raw = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    for session in raw["sessions"]:
        session["questions"] = copy.deepcopy(session["questions"])
    return raw


def write_pack(directory: Path, raw: Raw) -> Path:
    path = directory / "edited.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def check(target: str | Path) -> Any:
    return CliRunner().invoke(app, ["pack", "check", str(target)])


def roadmap_row(pack: Pack, key: str) -> Any:
    return next(event for event in pack.roadmap if event.key == key)


# --- the bundled pack -----------------------------------------------------------------------


def test_bundled_pack_loads(pack: Pack) -> None:
    """The shipped lac-2025 pack validates, in Spanish first, English, Portuguese and French."""
    assert pack.id == "lac-2025"
    assert pack.default_language == "es"
    assert pack.languages == ["es", "en", "pt", "fr"]
    assert resolve_pack_path("lac-2025") == BUNDLED


def test_event_is_the_santiago_review(pack: Pack) -> None:
    """The event is the Second Regional Review at ECLAC, Santiago, 18–20 March 2025."""
    event = pack.event
    assert (event.start, event.end) == (dt.date(2025, 3, 18), dt.date(2025, 3, 20))
    assert (event.country, event.timezone) == ("CL", "America/Santiago")
    assert "Second Regional Review" in event.name["en"]
    assert "CEPAL" in event.venue["es"] and "ECLAC" in event.venue["en"]
    assert "2026" in event.report_to["en"] and "FEMI" in event.report_to["es"]
    segments = {segment.key: segment for segment in event.segments}
    assert segments["hearing"].date == dt.date(2025, 3, 18)
    conference = segments["conference"]
    assert (conference.date, conference.end) == (dt.date(2025, 3, 19), dt.date(2025, 3, 20))
    assert "High-level Panel on Regular Pathways" in conference.title["en"]
    assert "four thematic sessions" in conference.description["en"]


@pytest.mark.parametrize(("number", "objectives"), NOTE_SESSIONS.items())
def test_thematic_session_has_exactly_the_note_objectives(
    pack: Pack, number: int, objectives: list[int]
) -> None:
    """Each thematic session holds exactly the objectives the concept note gives it."""
    session = next(s for s in pack.sessions if s.number == number)
    assert sorted(session.objectives) == objectives


def test_sessions_are_four_thematic_then_general(pack: Pack) -> None:
    """Four numbered sessions cover the 23 objectives once each; `general` comes last, bare."""
    assert [s.number for s in pack.sessions] == [1, 2, 3, 4, None]
    assert pack.sessions[-1].key == "general"
    assert pack.sessions[-1].objectives == []
    covered = [number for s in pack.sessions for number in s.objectives]
    assert sorted(covered) == list(range(1, 24))


def test_all_23_objectives_have_en_and_es_titles(pack: Pack) -> None:
    """All 23 GCM objectives are there once, with titles and short labels in es and en."""
    assert sorted(pack.objectives_by_number) == list(range(1, 24))
    assert len(pack.objectives) == 23
    for objective in pack.objectives:
        for language in ("es", "en"):
            assert objective.title[language].strip(), (objective.number, language)
            assert objective.short[language].strip(), (objective.number, language)


@pytest.mark.parametrize(
    ("number", "language", "title"),
    [
        (1, "en", "Collect and utilize accurate and disaggregated data as a basis for "
         "evidence-based policies"),
        (2, "es", "Minimizar los factores adversos y estructurales que obligan a las personas a "
         "abandonar su país de origen"),
        (13, "en", "Use migration detention only as a measure of last resort and work towards "
         "alternatives"),
        (21, "es", "Colaborar para facilitar el regreso y la readmisión en condiciones de "
         "seguridad y dignidad, así como la reintegración sostenible"),
        (23, "fr", "Renforcer la coopération internationale et les partenariats mondiaux pour des "
         "migrations sûres, ordonnées et régulières"),
    ],
)  # fmt: skip
def test_objective_title_is_the_official_wording(
    pack: Pack, number: int, language: str, title: str
) -> None:
    """Objective titles use the wording of A/RES/73/195 as the reference file records it."""
    assert pack.objectives_by_number[number].title[language] == title


def test_short_labels_come_from_the_reference(pack: Pack) -> None:
    """Short labels are the Network Hub's, e.g. for buttons."""
    assert pack.objectives_by_number[17].short == {
        "en": "Eliminate discrimination",
        "es": "Eliminar la discriminación",
        "fr": "Éliminer les discriminations",
        "pt": "Eliminar a discriminação",
    }
    assert pack.objectives_by_number[12].short["es"] == "Verificación de antecedentes y derivación"


def test_unverified_titles_are_marked(pack: Pack) -> None:
    """Every title the reference marks NOT VERIFIED is listed in `unverified`, and no other es."""
    unverified_es = {n for n, o in pack.objectives_by_number.items() if "es" in o.unverified}
    assert unverified_es == {3, 15, 16, 17, 20, 23}
    assert "fr" in pack.objectives_by_number[18].unverified
    for number in (2, 4, 7, 8, 9, 10, 11, 13, 14, 19, 20, 21, 22, 23):
        assert "pt" in pack.objectives_by_number[number].unverified, number
    assert not any("en" in o.unverified for o in pack.objectives)


@pytest.mark.parametrize(
    ("key", "start", "end", "precision", "city", "country", "zone"),
    [
        ("champions-forum-2024", dt.date(2024, 9, 25), dt.date(2024, 9, 26), "day",
         "San Salvador", "SV", "America/El_Salvador"),
        ("briefing-1", dt.date(2024, 10, 29), None, "day", None, None, None),
        ("pre-consultation", dt.date(2024, 11, 13), None, "day", None, None, None),
        ("consultation", dt.date(2025, 1, 1), dt.date(2025, 1, 31), "month", None, None, None),
        ("briefing-2", dt.date(2025, 2, 1), dt.date(2025, 2, 28), "month", None, None, None),
        ("hearing", dt.date(2025, 3, 18), None, "day", "Santiago", "CL", "America/Santiago"),
        ("review-meeting", dt.date(2025, 3, 19), dt.date(2025, 3, 20), "day",
         "Santiago", "CL", "America/Santiago"),
    ],
)  # fmt: skip
def test_roadmap_row_of_section_vi(
    pack: Pack,
    key: str,
    start: dt.date,
    end: dt.date | None,
    precision: str,
    city: str | None,
    country: str | None,
    zone: str | None,
) -> None:
    """Each roadmap row of section VI has the note's dates and place (a city, or virtual)."""
    event = roadmap_row(pack, key)
    assert (event.start, event.end, event.precision) == (start, end, precision)
    assert event.place.virtual is (city is None)
    assert pack.text(event.place.city, "en") == (city or "")
    assert (event.place.country, event.place.timezone) == (country, zone)


def test_roadmap_has_only_the_seven_rows_in_order(pack: Pack) -> None:
    """The roadmap is section VI's seven rows, in date order, in the event's time zone."""
    assert len(pack.roadmap) == 7
    starts = [event.start for event in pack.roadmap]
    assert starts == sorted(starts)
    assert str(pack.zone) == "America/Santiago"


@pytest.mark.parametrize(
    ("key", "audience"),
    [
        ("briefing-1", "Member States"),
        ("briefing-2", "Member States"),
        ("pre-consultation", "Stakeholders"),
        ("consultation", "Stakeholders"),
        ("hearing", "Stakeholders"),
    ],
)
def test_roadmap_audience_follows_the_note(pack: Pack, key: str, audience: str) -> None:
    """Rows the note addresses to Member States or to stakeholders say so."""
    assert roadmap_row(pack, key).audience["en"] == audience


@pytest.mark.parametrize(
    ("code", "subregion"),
    [
        ("AR", "south_america"),
        ("BR", "south_america"),
        ("GY", "south_america"),
        ("GF", "south_america"),  # associate member
        ("MX", "central_america_mexico"),
        ("BZ", "central_america_mexico"),
        ("PA", "central_america_mexico"),
        ("HT", "caribbean"),
        ("CU", "caribbean"),
        ("TT", "caribbean"),
        ("PR", "caribbean"),  # associate member
        ("CW", "caribbean"),  # associate member
        ("MS", "caribbean"),  # associate member
    ],
)
def test_subregion_membership(pack: Pack, code: str, subregion: str) -> None:
    """ECLAC members of the region and associate members sit in the right subregion."""
    assert pack.subregion_of_country[code] == subregion


def test_subregions_hold_the_region_only(pack: Pack) -> None:
    """33 member States and 14 associate members; ECLAC's non-regional members are left out."""
    assert sorted(pack.subregions_by_key) == [
        "caribbean",
        "central_america_mexico",
        "south_america",
    ]
    assert len(pack.subregion_of_country) == 47
    for outside in ("ES", "US", "CA", "FR", "PT", "GB", "JP", "KR"):
        assert outside not in pack.subregion_of_country
    assert pack.allow_other_country is True


def test_categories_of_section_iii(pack: Pack) -> None:
    """The stakeholder categories of section III are there, each described for anonymous quotes."""
    categories = pack.categories_by_key
    for key in (
        "migrants", "civil_society", "migrant_led", "diaspora", "faith_based",
        "local_authorities", "private_sector", "trade_unions", "parliamentarians", "nhri",
        "red_cross", "academia", "media",
    ):  # fmt: skip
        assert key in categories
    assert categories["migrant_led"].described_as == {
        "es": "una organización liderada por personas migrantes",
        "en": "a migrant-led organization",
        "pt": "uma organização liderada por pessoas migrantes",
        "fr": "une organisation dirigée par des personnes migrantes",
    }


def test_every_question_reads_on_a_phone_in_es_and_en(pack: Pack) -> None:
    """Every question has short text in es and en and names where in the note it comes from."""
    for session in pack.sessions:
        for question in session.questions:
            where = (session.key, question.key)
            for language in ("es", "en"):
                assert 0 < len(question.text[language]) < 300, where
                if question.help:
                    assert question.help[language].strip(), where
            assert question.source, where
            for option in question.options:
                assert option.label["es"] and option.label["en"], where


def test_thematic_sessions_mix_question_types(pack: Pack) -> None:
    """Thematic sessions ask 4–6 questions: mostly text, an objectives tag and a choice."""
    for session in pack.sessions[:4]:
        types = [question.type for question in session.questions]
        assert 4 <= len(types) <= 6, session.key
        assert types.count(QuestionType.TEXT) >= len(types) / 2 - 1, session.key
        assert QuestionType.OBJECTIVES in types, session.key
        assert {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE} & set(types)
        assert session.intro and session.intro["es"] and session.intro["en"]


def test_general_session_asks_pledge_recommendations_comments(pack: Pack) -> None:
    """The general session holds a pledge, the IMRF recommendations and optional comments."""
    questions = {q.key: q for q in pack.sessions_by_key["general"].questions}
    assert questions["pledge"].type == QuestionType.PLEDGE
    assert questions["recommendations"].type == QuestionType.TEXT
    assert not questions["recommendations"].optional
    assert questions["comments"].optional


def test_privacy_notice_says_how_to_see_and_erase(pack: Pack) -> None:
    """The notice names /mydata, /forget and the Network's address in both languages."""
    for language in ("es", "en"):
        notice = pack.privacy.notice[language]
        for needle in ("/mydata", "/forget", "UNNMLAC@iom.int"):
            assert needle in notice, (language, needle)
        assert pack.privacy.attribution[language].strip()
    assert pack.privacy.contact == "UNNMLAC@iom.int"


def test_reminder_offsets(pack: Pack) -> None:
    """Reminders go out a week, a day and an hour before."""
    assert [parse_offset(o) for o in pack.reminder_offsets] == [
        dt.timedelta(days=7),
        dt.timedelta(days=1),
        dt.timedelta(hours=1),
    ]


@pytest.mark.parametrize("offset", ["7", "d", "-1d", "1.5h", "2w", "", "1 d"])
def test_parse_offset_rejects_nonsense(offset: str) -> None:
    """Offsets other than <digits><d|h|m> are refused with a message."""
    with pytest.raises(ValueError, match="offset"):
        parse_offset(offset)


def test_text_falls_back_to_default_language(pack: Pack) -> None:
    """A text asked in a language the pack lacks comes in Spanish."""
    assert pack.text({"es": "hola", "en": "hello"}, "fr") == "hola"
    assert pack.text({"es": "hola", "en": "hello"}, "en") == "hello"
    assert pack.text(None, "en") == ""


# --- broken packs through the real CLI ------------------------------------------------------


def test_cli_accepts_the_bundled_pack() -> None:
    """`pack check lac-2025` and `pack check PATH` exit 0 and summarise the pack."""
    for target in ("lac-2025", str(BUNDLED)):
        result = check(target)
        assert result.exit_code == 0, result.output
        assert "lac-2025: OK" in result.stdout


def _drop_spanish_question(raw: Raw) -> None:
    del raw["sessions"][2]["questions"][0]["text"]["es"]


def _unknown_objective(raw: Raw) -> None:
    raw["sessions"][0]["objectives"].append(24)


def _unknown_country(raw: Raw) -> None:
    raw["subregions"][1]["countries"].append("XX")


def _lower_case_country(raw: Raw) -> None:
    raw["subregions"][2]["countries"].append("ar")


def _bad_offset(raw: Raw) -> None:
    raw["reminder_offsets"] = ["7d", "2x", "1h"]


def _missing_objective(raw: Raw) -> None:
    raw["objectives"] = [o for o in raw["objectives"] if o["number"] != 23]


def _english_only_label(raw: Raw) -> None:
    raw["sessions"][0]["questions"][3]["options"][0]["label"] = {"en": "Finance"}


def _undeclared_language(raw: Raw) -> None:
    raw["categories"][0]["name"]["de"] = "Migranten"


def _month_row_with_wrong_end(raw: Raw) -> None:
    raw["roadmap"][3]["end"] = dt.date(2025, 1, 30)


def _month_row_mid_month(raw: Raw) -> None:
    raw["roadmap"][4]["start"] = dt.date(2025, 2, 3)


def _roadmap_end_before_start(raw: Raw) -> None:
    raw["roadmap"][6]["end"] = dt.date(2025, 3, 1)


def _bad_date(raw: Raw) -> None:
    raw["roadmap"][0]["start"] = "25 Sept 2024"


def _unknown_zone(raw: Raw) -> None:
    raw["roadmap"][0]["place"]["timezone"] = "America/Atlantis"


def _choice_without_options(raw: Raw) -> None:
    raw["sessions"][4]["questions"][2]["options"] = raw["sessions"][4]["questions"][2]["options"][
        :1
    ]


def _bad_question_type(raw: Raw) -> None:
    raw["sessions"][1]["questions"][1]["type"] = "essay"


def _missing_version(raw: Raw) -> None:
    del raw["version"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_drop_spanish_question, "sessions[2].questions[0].text.es: missing"),
        (_unknown_objective, "sessions[0].objectives: no objective 24"),
        (_unknown_country, "subregions[1].countries: Value error, unknown ISO 3166 codes: XX"),
        (_lower_case_country, "subregions[2].countries: Value error, unknown ISO 3166 codes: ar"),
        (_bad_offset, "reminder_offsets[1]: '2x' is not an offset such as 7d, 1d, 1h or 30m"),
        (_missing_objective, "objectives: objective 23 missing"),
        (_english_only_label, "sessions[0].questions[3].options[0].label.es: missing"),
        (_undeclared_language, "categories[0].name.de: language not declared in languages"),
        (_month_row_with_wrong_end, "roadmap[3].end: precision month ends on the last day"),
        (_month_row_mid_month, "roadmap[4].start: precision month starts on the 1st"),
        (_roadmap_end_before_start, "roadmap[6].end: before start"),
        (_unknown_zone, "roadmap[0].place.timezone: unknown time zone"),
        (_bad_date, "roadmap[0].start: Value error, expected a date such as 2025-03-18"),
        (_choice_without_options, "sessions[4].questions[2].options: a choice question needs"),
        (_bad_question_type, "sessions[1].questions[1].type: unknown question type"),
        (_missing_version, "version: missing"),
    ],
    ids=lambda value: getattr(value, "__name__", "")[1:] or None,
)
def test_cli_reports_each_problem_with_its_path(
    tmp_path: Path, edit: Callable[[Raw], None], expected: str
) -> None:
    """A broken pack exits 1 and prints the problem on a line that starts with its YAML path."""
    raw = bundled_raw()
    edit(raw)
    result = check(write_pack(tmp_path, raw))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith(expected) for line in lines), lines


def test_cli_reports_every_problem_not_just_the_first(tmp_path: Path) -> None:
    """Two problems give two lines and a count on stderr."""
    raw = bundled_raw()
    _drop_spanish_question(raw)
    _bad_offset(raw)
    result = check(write_pack(tmp_path, raw))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "sessions[2].questions[0].text.es: missing",
        "reminder_offsets[1]: '2x' is not an offset such as 7d, 1d, 1h or 30m",
    ]
    assert "2 problem(s)" in result.stderr


def test_cli_reports_a_bad_date_once(tmp_path: Path) -> None:
    """A date that is neither a date nor a date and time is one problem, not one per type."""
    raw = bundled_raw()
    _bad_date(raw)
    result = check(write_pack(tmp_path, raw))
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1


def test_roadmap_accepts_a_date_and_time(tmp_path: Path) -> None:
    """A roadmap row may carry a time (precision time) and keeps it as a datetime."""
    raw = bundled_raw()
    raw["roadmap"][1]["start"] = "2024-10-29T10:00"
    raw["roadmap"][1]["precision"] = "time"
    pack = load_pack(str(write_pack(tmp_path, raw)))
    assert pack.roadmap[1].start == dt.datetime(2024, 10, 29, 10, 0)


def test_month_row_may_leave_its_end_to_the_month(tmp_path: Path) -> None:
    """A month row without an end is valid: the month is its span."""
    raw = bundled_raw()
    del raw["roadmap"][3]["end"]
    assert load_pack(str(write_pack(tmp_path, raw))).roadmap[3].end is None


def test_cli_reports_a_yaml_syntax_error(tmp_path: Path) -> None:
    """A YAML syntax error is one `(yaml):` line with the line number, and exit code 1."""
    text = BUNDLED.read_text(encoding="utf-8").replace(
        "languages: [es, en, pt, fr]", "languages: [es, en, pt, fr"
    )
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = check(path)
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("(yaml):") and "line" in line


def test_cli_reports_a_missing_file(tmp_path: Path) -> None:
    """A path to no file says so and exits 1."""
    result = check(tmp_path / "nowhere.yaml")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"no pack at {tmp_path / 'nowhere.yaml'}")


def test_cli_reports_an_unknown_pack_name() -> None:
    """A bundled pack name that does not exist is reported, not a traceback."""
    result = check("atlantis-2031")
    assert result.exit_code == 1
    assert "no pack at" in result.stdout and "atlantis-2031.yaml" in result.stdout


def test_cli_reports_a_pack_that_is_not_a_mapping(tmp_path: Path) -> None:
    """A YAML file holding a list is refused at the top level."""
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    result = check(path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["(top level): expected a mapping"]


def test_cli_reports_a_directory_given_as_pack(tmp_path: Path) -> None:
    """A directory is not read as a pack: one line, exit code 1, no traceback."""
    result = check(tmp_path)
    assert result.exit_code == 1
    assert result.stdout.startswith("(file): cannot read")


def test_parse_pack_raises_pack_error_with_problems() -> None:
    """parse_pack, used by other code on raw data, raises PackError with the same lines."""
    raw = bundled_raw()
    _unknown_objective(raw)
    with pytest.raises(PackError) as caught:
        parse_pack(raw, "edited")
    assert caught.value.problems == ["sessions[0].objectives: no objective 24"]
    assert caught.value.source == "edited"


def test_load_pack_round_trips_the_edited_copy(tmp_path: Path) -> None:
    """An unedited copy written by the tests loads: the test harness itself breaks nothing."""
    assert load_pack(str(write_pack(tmp_path, bundled_raw()))).id == "lac-2025"


@pytest.mark.parametrize(
    ("chosen", "hint", "spoken"),
    [
        ("fr", "es-MX", "fr"),  # a choice beats the platform
        (None, "pt-BR", "pt"),
        (None, "ES", "es"),  # Slack and some clients send upper case
        (None, "fr_HT", "fr"),  # POSIX style
        (None, "de", "es"),  # not in the pack: its default
        ("de", "en", "en"),  # a stored choice the pack no longer has counts as none
        (None, None, "es"),
    ],
)
def test_one_rule_picks_the_language_to_speak(
    pack: Pack, chosen: str | None, hint: str | None, spoken: str
) -> None:
    """The engine's apologies and notices and the flows all use Pack.language_for."""
    assert pack.language_for(chosen, hint) == spoken
