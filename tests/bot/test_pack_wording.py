"""lac-2025 says what the concept note says, in all four languages (issue 13, items 3 to 5)."""

from __future__ import annotations

import pytest
import yaml

from bot.pack import PACKS_DIR, Pack, PackError, parse_pack

BUNDLED = PACKS_DIR / "lac-2025.yaml"
LANGUAGES = ("es", "en", "pt", "fr")
THEMATIC = ("inclusion", "drivers", "governance", "data_cooperation")

# Per language: who sees the answers, where the report is published, and the promise about full
# answers, as the notice words them.
NOTICE = {
    "es": ("Solo pueden verlos la secretaría", "la persona relatora", "publicará en su sitio web",
           "La Red publicará sus respuestas completas en su sitio web solo si usted lo autoriza",
           "se lo preguntamos por separado", "/profile"),
    "en": ("Only the secretariat", "the stakeholder rapporteur", "publish on its website",
           "The Network will publish your full answers on its website only if you allow it",
           "we ask you separately", "/profile"),
    "pt": ("Só a secretaria", "a pessoa relatora", "publicará no seu site",
           "A Rede só publicará suas respostas completas no seu site se você autorizar",
           "perguntamos isso separadamente", "/profile"),
    "fr": ("Seuls le secrétariat", "la personne chargée du rapport", "publiera sur son site web",
           "Le Réseau ne publiera vos réponses complètes sur son site web que si vous l'autorisez",
           "nous vous le demandons séparément", "/profile"),
}  # fmt: skip


def raw_pack() -> dict:
    return yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_notice_says_who_sees_and_what_becomes_public(pack: Pack, language: str) -> None:
    """The notice names the secretariat and the rapporteur, the website, and full answers."""
    notice = pack.privacy.notice[language]
    for phrase in NOTICE[language]:
        assert phrase in notice, (language, phrase)
    for needle in ("/mydata", "/forget", "UNNMLAC@iom.int"):
        assert needle in notice, (language, needle)
    assert "{contact}" not in notice


def test_contact_address_is_set_once_in_the_pack() -> None:
    """Changing privacy.contact changes the address in the notice in every language."""
    raw = raw_pack()
    raw["privacy"]["contact"] = "consulta@example.org"
    pack = parse_pack(raw)
    for language in LANGUAGES:
        notice = pack.privacy.notice[language]
        assert "consulta@example.org" in notice and "UNNMLAC" not in notice, language


def test_a_contact_placeholder_without_an_address_is_a_problem() -> None:
    """A notice that names {contact} while privacy.contact is empty is refused, per language."""
    raw = raw_pack()
    del raw["privacy"]["contact"]
    with pytest.raises(PackError) as caught:
        parse_pack(raw)
    assert caught.value.problems == [
        f"privacy.notice.{language}: {{contact}} needs privacy.contact" for language in LANGUAGES
    ]


@pytest.mark.parametrize("key", THEMATIC)
def test_challenges_question_names_regional_and_cross_regional_gaps(pack: Pack, key: str):
    """Annex 1's first question: gaps in regional and cross-regional collaboration."""
    question = next(q for q in pack.sessions_by_key[key].questions if q.key == "challenges")
    words = {
        "es": ("brechas", "regional e interregional"),
        "en": ("gaps", "regional and cross-regional collaboration"),
        "pt": ("lacunas", "regional e inter-regional"),
        "fr": ("manques", "régionale et interrégionale"),
    }
    for language, needles in words.items():
        for needle in needles:
            assert needle in question.text[language], (language, needle)
    assert "Regional and Cross-Regional Collaboration" in question.source


def test_pledge_help_speaks_of_regional_and_cross_regional_pledges(pack: Pack) -> None:
    """The pledge help names regional and cross-regional pledges, as section IV (b) does."""
    question = next(q for q in pack.sessions_by_key["general"].questions if q.key == "pledge")
    needles = {
        "es": "regional o interregional",
        "en": "regional or cross-regional pledge",
        "pt": "regional ou inter-regional",
        "fr": "régional ou interrégional",
    }
    for language, needle in needles.items():
        assert needle in question.help[language], language
    assert "(pledge)" not in question.text["es"]


def test_rapporteur_briefing_covers_the_preparatory_process_and_the_hearing(pack: Pack) -> None:
    """Section V: the rapporteur briefs Member States on the preparatory process and Hearing."""
    conference = next(s for s in pack.event.segments if s.key == "conference")
    needles = {
        "es": ("proceso preparatorio", "Audiencia"),
        "en": ("preparatory process", "Hearing"),
        "pt": ("processo preparatório", "Audiência"),
        "fr": ("processus préparatoire", "Audition"),
    }
    for language, (process, hearing) in needles.items():
        text = conference.description[language]
        assert process in text and hearing in text, language


def test_no_unsourced_city_for_the_imrf() -> None:
    """The note does not say where the 2026 IMRF meets, so the pack does not either."""
    text = BUNDLED.read_text(encoding="utf-8")
    for city in ("New York", "Nueva York", "Nova York", "Nova Iorque"):
        assert city not in text


def test_spanish_and_english_wording_fixes() -> None:
    """The phrasings a native reader flagged are gone."""
    text = BUNDLED.read_text(encoding="utf-8")
    for phrase in (
        "su contacto en este chat",
        "Los ven la secretaría",
        "compromiso conjunto (pledge)",
        "Envíelo",
        "Multi-stakeholders",
    ):
        assert phrase not in text, phrase


@pytest.mark.parametrize("key", THEMATIC)
def test_every_thematic_session_invites_answers_in_own_words(pack: Pack, key: str) -> None:
    """Sessions 1 to 4 all say "answer in your own words", in every language."""
    intro = pack.sessions_by_key[key].intro
    needles = {
        "es": "Responda con sus palabras.",
        "en": "Answer in your own words.",
        "pt": "Responda com suas palavras.",
        "fr": "Répondez avec vos propres mots.",
    }
    for language, needle in needles.items():
        assert needle in intro[language], (key, language)


def test_member_states_briefings_are_shown_but_not_reminded(pack: Pack) -> None:
    """Only the rows for Member States carry remind: false."""
    quiet = {event.key for event in pack.roadmap if not event.remind}
    assert quiet == {"briefing-1", "briefing-2"}
    for event in pack.roadmap:
        if event.key in quiet:
            assert event.audience["en"] == "Member States"


def test_a_session_may_word_a_question_its_own_way() -> None:
    """Replacing an alias by a whole question changes that session only."""
    text = BUNDLED.read_text(encoding="utf-8")
    aliases = (
        "    questions: [*objectives, *progress, *challenges, *cooperation, *practices, *evidence]"
    )
    governance = text.index("  - key: governance")
    at = text.index(aliases, governance)
    own = """    questions:
      - *objectives
      - key: progress
        text:
          es: ¿Qué cambió en las fronteras desde 2022?
          en: What has changed at borders since 2022?
          pt: O que mudou nas fronteiras desde 2022?
          fr: Qu'est-ce qui a changé aux frontières depuis 2022 ?
      - *challenges
      - *cooperation
      - *practices
      - *evidence"""
    pack = parse_pack(yaml.safe_load(text[:at] + own + text[at + len(aliases) :]))
    texts = {
        key: next(q for q in pack.sessions_by_key[key].questions if q.key == "progress").text["en"]
        for key in THEMATIC
    }
    assert texts["governance"] == "What has changed at borders since 2022?"
    assert {texts[key] for key in THEMATIC if key != "governance"} == {
        "What progress have you seen in your country on these issues since 2022?"
    }


def test_every_language_reads_on_a_phone(pack: Pack) -> None:
    """Each question and option is short and present in every language the pack declares."""
    for session in pack.sessions:
        for question in session.questions:
            for language in pack.languages:
                where = (session.key, question.key, language)
                assert 0 < len(question.text[language]) < 300, where
                if question.help:
                    assert 0 < len(question.help[language]) < 400, where
                for option in question.options:
                    assert 0 < len(option.label[language]) <= 40, where


def test_thematic_sessions_share_question_keys(pack: Pack) -> None:
    """The four thematic sessions ask the same keys, so the export can compare them."""
    keys = {key: [q.key for q in pack.sessions_by_key[key].questions] for key in THEMATIC}
    assert len({tuple(value) for value in keys.values()}) == 1
    assert keys["inclusion"][0] == "objectives"
