"""Registration, consent, profile and language: the stakeholder's side of /start."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core.messages import InboundKind
from bot.engine.engine import Engine
from storage.models import Stakeholder
from tests.dialog import LABELS, Dialog, register

REGISTRATION = [
    ("/start", "ask.language"),
    ("tap:{lang}", "ask.consent"),
    ("tap:{agree}", "consent.given"),
    ("Asociación de Migrantes Unidos", "ask.category"),
    ("tap#2", "ask.country"),
    ("tap#0", "ask.country.list"),
    ("tap:Jamaica", "ask.email"),
    ("ana@example.org", "ask.attribution"),
    ("tap:{yes_name}", "ask.publication"),
    ("tap:{publish}", "ask.reminders"),
    ("tap:{remind}", "registered"),
]


async def _stakeholder(engine: Engine, user_id: str = "u1") -> Stakeholder | None:
    async with engine.database.transaction() as session:
        return await session.scalar(
            select(Stakeholder).where(Stakeholder.platform_user_id == user_id)
        )


async def _step(dialog: Dialog, action: str, labels: dict[str, str]) -> None:
    if action.startswith("/"):
        await dialog.command(action)
    elif action.startswith("tap#"):
        await dialog.tap(dialog.choices[int(action[4:])].label)
    elif action.startswith("tap:"):
        await dialog.tap(action[4:].format(**labels))
    else:
        await dialog.say(action)


@pytest.mark.parametrize("language", ["en", "es"])
async def test_registration_walks_every_field(engine: Engine, language: str) -> None:
    """/start asks language, consent and each profile field in order, then stores them all."""
    dialog = Dialog(engine)
    labels = {**LABELS[language], "lang": "English" if language == "en" else "Español"}
    for action, expected_key in REGISTRATION:
        await _step(dialog, action, labels)
        assert expected_key in dialog.keys, (action, dialog.keys, dialog.text)
    stakeholder = await _stakeholder(engine)
    assert stakeholder is not None
    assert (stakeholder.language, stakeholder.organization) == (
        language,
        "Asociación de Migrantes Unidos",
    )
    assert (stakeholder.country, stakeholder.subregion) == ("JM", "caribbean")
    assert stakeholder.category == engine.pack.categories[2].key
    assert stakeholder.email == "ana@example.org"
    assert stakeholder.attribution_consent is True and stakeholder.reminders_opt_in is True
    assert stakeholder.publication_consent is True
    assert stakeholder.consent_version == engine.pack.privacy.version
    assert stakeholder.registered_at is not None


async def test_spanish_registration_speaks_spanish(engine: Engine) -> None:
    """After choosing Español, the prompts come in Spanish."""
    dialog = Dialog(engine)
    await dialog.command("/start")
    await dialog.tap("Español")
    await dialog.tap("Acepto")
    assert "organización" in dialog.text


async def test_platform_locale_is_offered_first(engine: Engine) -> None:
    """The platform's language code puts that language first among the buttons."""
    dialog = Dialog(engine, locale="en-US")
    await dialog.command("/start")
    assert dialog.choices[0].label == "English"
    spanish = Dialog(engine, user_id="u2", locale="es")
    await spanish.command("/start")
    assert spanish.choices[0].label == "Español"


async def test_declining_consent_stores_nothing_personal(engine: Engine) -> None:
    """Declining ends politely; only the platform ids and language exist, and text gets /start."""
    dialog = Dialog(engine)
    await dialog.command("/start")
    await dialog.tap("English")
    await dialog.tap("No, thank you")
    assert dialog.keys == ["consent.declined"]
    await dialog.say("My organization is Red Migrante")
    stakeholder = await _stakeholder(engine)
    assert stakeholder is not None
    assert stakeholder.consented_at is None and stakeholder.organization is None
    assert stakeholder.email is None and stakeholder.country is None
    assert "ask.language" in dialog.keys


async def test_nothing_beyond_ids_before_consent(engine: Engine) -> None:
    """Text sent before consent (at the consent step) is not stored anywhere."""
    dialog = Dialog(engine)
    await dialog.command("/start")
    await dialog.tap("English")
    await dialog.say("Red Migrante, ana@example.org")
    assert dialog.keys == ["error.expected"]
    stakeholder = await _stakeholder(engine)
    assert stakeholder.organization is None and stakeholder.email is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("méxico", "MX"),
        ("MEXICO", "MX"),
        ("Brasil", "BR"),
        ("brazil", "BR"),
        ("haiti", "HT"),
        ("República Dominicana", "DO"),
        ("Perú", "PE"),
    ],
)
async def test_typed_country_names_match_without_case_or_accents(
    sqlite_engine: Engine, typed: str, code: str
) -> None:
    """A typed country name in any shipped language finds the country."""
    dialog = Dialog(sqlite_engine)
    await register(dialog, country=typed)
    stakeholder = await _stakeholder(sqlite_engine)
    assert stakeholder.country == code
    assert stakeholder.subregion == sqlite_engine.pack.subregion_of_country[code]


async def test_country_outside_the_region_is_accepted_without_subregion(
    sqlite_engine: Engine,
) -> None:
    """A diaspora organization in Spain registers with no subregion."""
    dialog = Dialog(sqlite_engine)
    await register(dialog, country="España")
    stakeholder = await _stakeholder(sqlite_engine)
    assert (stakeholder.country, stakeholder.subregion) == ("ES", None)


async def test_unknown_country_is_explained_and_asked_again(sqlite_engine: Engine) -> None:
    """A name that is no country gets a short explanation and the question stays."""
    dialog = Dialog(sqlite_engine)
    for action, _ in REGISTRATION[:5]:
        await _step(dialog, action, {**LABELS["en"], "lang": "English"})
    await dialog.say("Atlantis")
    assert dialog.keys == ["error.country"]
    await dialog.say("Colombia")
    assert dialog.keys == ["ask.email"]


async def test_invalid_email_is_refused_and_skip_works(sqlite_engine: Engine) -> None:
    """An invalid email changes nothing; Skip leaves the email empty."""
    dialog = Dialog(sqlite_engine)
    for action, _ in REGISTRATION[:7]:
        await _step(dialog, action, {**LABELS["en"], "lang": "English"})
    await dialog.say("ana@@example")
    assert dialog.keys == ["error.email"]
    assert (await _stakeholder(sqlite_engine)).email is None
    await dialog.tap("Skip")
    assert dialog.keys == ["ask.attribution"]


async def test_profile_edits_one_field(engine: Engine) -> None:
    """/profile shows the fields; editing the organization stores the new name."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/profile")
    assert dialog.keys == ["profile"] and "Red Migrante" in dialog.text
    await dialog.tap("Organization")
    assert dialog.keys == ["ask.organization"]
    await dialog.say("Red Migrante del Caribe")
    assert dialog.keys == ["profile.saved", "profile"]
    assert (await _stakeholder(engine)).organization == "Red Migrante del Caribe"
    await dialog.tap("Reminders")
    await dialog.tap("No reminders")
    assert (await _stakeholder(engine)).reminders_opt_in is False
    await dialog.tap("Done")
    assert dialog.keys == ["menu"]


async def test_language_switch_mid_session_reasks_question(engine: Engine) -> None:
    """/language in the middle of a question re-asks that question in the new language."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    question = engine.pack.sessions_by_key["inclusion"].questions[0]
    assert question.text["en"] in dialog.text
    await dialog.command("/language")
    await dialog.tap("Español")
    assert dialog.keys[0] == "language.changed"
    assert question.text["es"] in dialog.text
    assert (await _stakeholder(engine)).language == "es"


async def test_registered_start_welcomes_back(engine: Engine) -> None:
    """/start after registering shows the menu instead of registering again."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/start")
    assert dialog.keys == ["menu"]
    async with engine.database.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Stakeholder))
    assert count == 1


async def test_commands_before_registration_lead_to_it(engine: Engine) -> None:
    """/consult before registering starts the registration instead."""
    dialog = Dialog(engine)
    await dialog.command("/consult")
    assert dialog.keys == ["register.first", "ask.language"]


async def test_group_messages_get_one_private_only_reply(engine: Engine) -> None:
    """A group is told once that the bot works in private chats; nobody is stored."""
    dialog = Dialog(engine, locale="en")
    await dialog.send_kind(InboundKind.GROUP, text="hello")
    assert dialog.keys == ["group.private_only"] and "private" in dialog.text
    await dialog.send_kind(InboundKind.GROUP, text="hello again")
    assert dialog.replies == []
    async with engine.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Stakeholder)) == 0


async def test_before_choosing_the_platform_language_is_used(engine: Engine) -> None:
    """An unregistered person whose platform says English is answered in English."""
    dialog = Dialog(engine, locale="en")
    await dialog.command("/frobnicate")
    assert dialog.keys == ["error.unknown_command"] and "I don't know" in dialog.text


async def test_start_mid_session_resumes_the_question(engine: Engine) -> None:
    """/start from a registered stakeholder mid-session picks up the same question."""
    dialog = Dialog(engine)
    await register(dialog)
    await dialog.command("/consult inclusion")
    await dialog.command("/start")
    assert dialog.keys == ["resumed", "ask.question.objectives"]


async def test_registration_stopped_after_consent_does_not_ask_consent_again(
    engine: Engine,
) -> None:
    """/cancel after consenting, then /start: the questions go on without a second consent."""
    dialog = Dialog(engine)
    await dialog.command("/start")
    await dialog.tap("English")
    await dialog.tap("I agree")
    await dialog.command("/cancel")
    await dialog.command("/start")
    assert dialog.keys == ["ask.organization"]
