"""What one stakeholder does in the load: register, answer session 1, review the answers.

The same walk drives the engine directly (tests.dialog.Dialog) and a Telegram client through the
fake Bot API (tests.benchmarks.telegram_load.TelegramUser): 24 updates each, half in Spanish.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.messages import Choice
from bot.pack import Pack, QuestionType
from tests.dialog import LABELS

SESSION = "inclusion"
COUNTRIES = ("Chile", "Colombia", "Perú", "Jamaica", "Guatemala", "México", "Haiti")
DONE = {"en": "Done", "es": "Listo"}
ANSWER = (
    "Abrimos dos centros comunitarios y acompañamos a familias migrantes en el acceso a salud, "
    "educación y documentación; falta financiamiento estable y coordinación con los municipios."
)


class Client(Protocol):
    """A stakeholder's chat: send a command or text, tap a shown button, send a file."""

    choices: list[Choice]

    async def command(self, text: str) -> object: ...

    async def say(self, text: str) -> object: ...

    async def tap(self, label: str) -> object: ...

    async def attach(self, filename: str) -> object: ...


def language_of(number: int) -> str:
    return "en" if number % 2 == 0 else "es"


async def register(client: Client, number: int) -> None:
    language = language_of(number)
    labels = LABELS[language]
    await client.command("/start")
    await client.tap("English" if language == "en" else "Español")
    await client.tap(labels["agree"])
    await client.say(f"Red Migrante {number}")
    await client.tap(client.choices[2].label)
    await client.say(COUNTRIES[number % len(COUNTRIES)])
    await client.say(f"contacto{number}@example.org")
    await client.tap(labels["yes_name"])
    await client.tap(labels["publish"])
    await client.tap(labels["remind"])


async def answer_session(client: Client, pack: Pack, number: int) -> None:
    done = DONE[language_of(number)]
    await client.command("/consult")
    await client.tap("1")
    for question in pack.sessions_by_key[SESSION].questions:
        if question.type in (QuestionType.OBJECTIVES, QuestionType.MULTIPLE_CHOICE):
            await client.tap(client.choices[0].label)
            await client.tap(done)
        elif question.type == QuestionType.SINGLE_CHOICE:
            await client.tap(client.choices[0].label)
        elif question.type == QuestionType.ATTACHMENT:
            await client.attach(f"informe-{number}.pdf")
        else:
            await client.say(f"{number}. {ANSWER}")
            await client.tap(done)


async def walk(client: Client, pack: Pack, number: int) -> None:
    """Registration (10 updates), session 1 (13), /answers (1)."""
    await register(client, number)
    await answer_session(client, pack, number)
    await client.command("/answers")


def updates_per_walk(pack: Pack) -> int:
    steps = {
        QuestionType.OBJECTIVES: 2,
        QuestionType.MULTIPLE_CHOICE: 2,
        QuestionType.SINGLE_CHOICE: 1,
        QuestionType.ATTACHMENT: 1,
    }
    questions = pack.sessions_by_key[SESSION].questions
    return 10 + 2 + sum(steps.get(question.type, 2) for question in questions) + 1
