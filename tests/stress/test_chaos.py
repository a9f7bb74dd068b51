"""The chaos run: `consultbot run` in webhook mode, SIGKILLed at random moments, under load.

200 Telegram users answer session 1 while a broadcast to all of them goes out; the process is
killed with SIGKILL several times and restarted; the fake Bot API redelivers every update the
webhook did not answer 200, as Telegram does. Afterwards: every user's answers are stored as
they last sent them (0 acknowledged answers lost), every user resumes where they are, each
broadcast message reached its chat, and duplicates are counted and bounded.

`make stress` runs it (CHAOS_USERS, CHAOS_KILLS); figures go to docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.pack import load_pack
from storage.broadcasts import Audience, create_broadcast
from storage.db import migrated_database
from storage.models import Answer, Stakeholder
from tests.fakes import telegram_api as fake
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.outbox.helpers import START, add_stakeholders, stakeholder_row

ROOT = Path(__file__).resolve().parents[2]
USERS = int(os.environ.get("CHAOS_USERS", "200"))
KILLS = int(os.environ.get("CHAOS_KILLS", "5"))
SECRET = "chaos-webhook-secret"
BROADCAST = "La audiencia regional es el 12 de mayo."
REFUSAL = "I didn't understand that."  # what the bot says to a text at a step that takes none
PACK = load_pack("lac-2025")
QUESTIONS = PACK.sessions_by_key["inclusion"].questions
STEP_WAIT = 8.0  # seconds without a reply before a client asks where it is (/consult)
_HEADER = re.compile(r"· (\d+)/(\d+)")


@dataclass
class Client:
    """A Telegram user who acts on what the chat last showed, and resyncs when it shows nothing."""

    api: FakeTelegram
    user_id: int
    sent: dict[str, str] = field(default_factory=dict)  # question key -> text last sent
    texts: list[tuple[int, str, str]] = field(default_factory=list)  # update id, key, text
    resyncs: int = 0

    def last_with_buttons(self) -> fake.Call | None:
        calls = [c for c in self.api.sent_to(self.user_id) if c.params.get("reply_markup")]
        return calls[-1] if calls else None

    async def push(self, update: dict, key: str = "") -> bool:
        before = len(self.api.sent_to(self.user_id))
        pushed = self.api.push_update(update)
        if key:
            self.texts.append((pushed["update_id"], key, update["message"]["text"]))
        deadline = time.monotonic() + STEP_WAIT
        while time.monotonic() < deadline:
            if len(self.api.sent_to(self.user_id)) > before:
                await asyncio.sleep(0.05)  # the rest of the replies
                return True
            await asyncio.sleep(0.05)
        return False

    async def say(self, text: str, key: str = "") -> bool:
        return await self.push(fake.text_update(self.user_id, text, "en"), key)

    async def tap(self, label: str) -> bool:
        last = self.last_with_buttons()
        buttons = list(fake.iter_buttons(last)) if last else []
        button = next((b for b in buttons if b["text"].removeprefix("✓ ").startswith(label)), None)
        if button is None:
            button = buttons[0] if buttons else None
        if button is None:
            return await self.say("/consult inclusion")
        update = fake.callback_update(self.user_id, button["callback_data"], "en", button["text"])
        return await self.push(update)

    async def walk(self) -> None:
        """Answer session 1 to the end, acting on the latest question shown."""
        await self.say("/consult inclusion")
        for _ in range(80):
            texts = self.api.texts_to(self.user_id)
            latest = texts[-1] if texts else ""
            if "completed" in latest or "Session complete" in latest or "every question" in latest:
                return
            progressed = await self.act(latest)
            if not progressed:
                self.resyncs += 1
                await self.say("/consult inclusion")
        raise AssertionError(
            f"user {self.user_id} never finished: {self.api.texts_to(self.user_id)[-3:]}"
        )

    async def act(self, latest: str) -> bool:
        if latest.startswith("Added ("):
            return await self.tap("Done")
        last = self.last_with_buttons()
        shown = str(last.params.get("text", "")) if last else ""
        found = _HEADER.search(shown) or _HEADER.search(latest)
        if found is None:
            return await self.say("/consult inclusion")
        question = QUESTIONS[int(found.group(1)) - 1]
        if question.type == "text":
            text = f"Respuesta de {self.user_id} a {question.key}, intento {len(self.texts)}"
            self.sent[question.key] = text
            return await self.say(text, question.key)
        if question.type == "attachment":
            return await self.tap("Skip")
        buttons = list(fake.iter_buttons(last)) if last else []
        if any(b["text"].startswith("✓") for b in buttons):
            return await self.tap("Done")
        return await self.tap(buttons[0]["text"] if buttons else "Done")


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=handle, stderr=handle
    )


async def healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(400):
            assert process.poll() is None, "consultbot run exited"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise TimeoutError(url)


async def seed(url: str, users: list[int]) -> None:
    async with migrated_database(url) as database:
        rows = [
            stakeholder_row(
                n, platform="telegram", platform_user_id=str(u), chat_id=str(u),
                language="en", category=PACK.categories[0].key,
                consent_version=PACK.privacy.version,
            )
            for n, u in enumerate(users)
        ]  # fmt: skip
        await add_stakeholders(database, rows)
        async with database.transaction() as session:
            await create_broadcast(
                session,
                texts={"es": BROADCAST, "en": BROADCAST},
                audience=Audience(),
                languages=PACK.languages,
                default_language=PACK.default_language,
                created_by="telegram:1",
                now=START,
            )


@pytest.mark.stress
async def test_sigkill_under_load_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    """200 users, a broadcast, KILLS SIGKILLs: nothing acknowledged is lost, all resume."""
    users = [880_000_000 + n for n in range(USERS)]
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'chaos.db'}"
    await seed(database_url, users)
    port = free_port()
    log = tmp_path / "run.log"
    with FakeTelegram(redeliver=True, redelivery_delay=0.3, webhook_connections=40) as api:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))},
            "DATABASE_URL": database_url,
            "ATTACHMENTS_DIR": str(tmp_path / "files"),
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "BROADCAST_RATE_PER_SECOND": "60",
            "LOG_FORMAT": "text",
        }
        health = f"http://127.0.0.1:{port}/healthz"
        process = start_bot(env, log)
        await healthy(health, process)
        clients = [Client(api, user) for user in users]
        started = time.monotonic()
        walking = asyncio.gather(*(client.walk() for client in clients))
        kills = 0
        while not walking.done() and kills < KILLS:
            await asyncio.sleep(random.uniform(1.0, 4.0))
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            kills += 1
            process = start_bot(env, log)
            await healthy(health, process)
        await walking
        await api.wait_for(lambda: all(_broadcasts(api, u) for u in users), timeout=120)
        elapsed = time.monotonic() - started
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        deliveries = Counter(status for _, status in api.webhook_deliveries)
        acknowledged = {update for update, status in api.webhook_deliveries if status == 200}
        refused = _refused(api, clients)

    async with migrated_database(database_url) as database, database.transaction() as session:
        stored = {
            (row.platform_user_id, row.question_key): row.value
            for row in await session.execute(
                select(Stakeholder.platform_user_id, Answer.question_key, Answer.value)
                .join(Stakeholder, Stakeholder.id == Answer.stakeholder_id)
                .where(Answer.current.is_(True), Answer.session_key == "inclusion")
            )
        }
        answers = await session.scalar(select(func.count()).select_from(Answer))
    kept: dict[str, str] = {}
    for (who, _), value in stored.items():
        kept[who] = kept.get(who, "") + "\n" + str((value or {}).get("text", ""))
    # A text Telegram saw acknowledged must be in one of its sender's stored answers, unless
    # the bot answered that it could not take it there (a client acting on a stale screen wrote
    # it at a step that takes no text, and was told). A text whose reply died with a kill counts.
    lost = [
        (client.user_id, key, text)
        for client in clients
        for update, key, text in client.texts
        if update in acknowledged
        and update not in refused
        and text not in kept.get(str(client.user_id), "")
    ]
    unfinished = [u for u in users if sum(1 for (who, _) in stored if who == str(u)) < 6]
    copies = [len(_broadcasts(api, u)) for u in users]
    figures = {
        "users": USERS,
        "kills": kills,
        "seconds": round(elapsed, 1),
        "webhook deliveries by status": dict(deliveries),
        "resyncs (a reply lost with a kill)": sum(c.resyncs for c in clients),
        "answers stored": answers,
        "texts acknowledged": sum(1 for c in clients for u, _, _ in c.texts if u in acknowledged),
        "broadcast duplicates": sum(copies) - USERS,
        "texts refused at a step that takes none": len(refused),
        "acknowledged texts not found": len(lost),
    }
    (tmp_path / "figures.txt").write_text(repr(figures))
    print(f"\nchaos figures: {figures}")
    assert kills == KILLS, "the walk ended before every kill: raise CHAOS_USERS"
    assert lost == [], f"acknowledged answers lost: {len(lost)}, {lost[:3]}"
    assert unfinished == []
    assert min(copies) >= 1
    assert sum(copies) - USERS <= kills * 60  # at most one rate-limited batch per kill


def _refused(api: FakeTelegram, clients: list[Client]) -> set[int]:
    """Texts the bot told their sender it could not take, during their acknowledged delivery.

    A client that timed out waiting (its reply died with a kill) acts again on a stale screen;
    its earlier text, redelivered later, can land at a step that takes no text, where the bot
    answers "I didn't understand that." That text was never acknowledged as kept.
    """
    windows = {u: (start, end) for u, status, start, end in api.webhook_windows if status == 200}
    refused: set[int] = set()
    for client in clients:
        refusals = [
            call.at
            for call in api.sent_to(client.user_id)
            if str(call.params.get("text", "")).startswith(REFUSAL)
        ]
        for update, _, _ in client.texts:
            start, end = windows.get(update, (0.0, -1.0))
            if any(start <= at <= end for at in refusals):
                refused.add(update)
    return refused


def _broadcasts(api: FakeTelegram, user: int) -> list[str]:
    return [text for text in api.texts_to(user) if text == BROADCAST]
