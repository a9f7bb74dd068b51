"""Three `consultbot run` replicas on one PostgreSQL behind a round-robin proxy behave as one bot.

200 stakeholders register and answer a session through Telegram's webhook while a broadcast to
2,000 goes out and reminders fall due; one replica is killed (SIGKILL) mid-way. As Telegram
does, an update that got no 200 is delivered again; a stakeholder whose answer was committed but
whose replies died with the replica sends /start, as a person would, and carries on.

Checked: no update lost or handled twice, each stakeholder's answers complete and none redone, the
broadcast's sends within the rate in every second, each message delivered (duplicates bounded by
what one replica had in flight), reminders sent once. That one person's updates are taken in
turn across processes (the advisory lock) is tested in tests/storage/test_take_turn.py.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import itertools
import signal
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from sqlalchemy import func, select

from bot.core.messages import Choice
from bot.outbox.sender import SenderPolicy
from bot.pack import PACKS_DIR, Pack, load_pack
from bot.transports.telegram.transport import SECRET_HEADER, WEBHOOK_PATH
from storage.broadcasts import Audience, create_broadcast
from storage.db import Database
from storage.models import Answer, OutboxMessage, ProcessedUpdate, Stakeholder
from tests.benchmarks.measure import child
from tests.benchmarks.stakeholder import walk
from tests.benchmarks.telegram_load import BenchTelegram, run_clients
from tests.benchmarks.test_webhook_bench import WebhookUser
from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database
from tests.fakes import telegram_api as fake
from tests.fakes.serving import free_port
from tests.outbox.helpers import add_stakeholders, stakeholder_row

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPLICAS = 3
USERS = 200
RECIPIENTS = 2000
SUBSCRIBERS = 100  # of the recipients, with reminders on
RATE = 100  # messages a second, all replicas together
SECRET = "replicas-webhook-secret"
WALKERS = 700_000_000  # the load's Telegram user ids start here (tests.benchmarks.telegram_load)
HEARING = {"es": "Audiencia el 12 de mayo.", "en": "Hearing on 12 May."}


def pack_with_an_event_tomorrow(directory: Path) -> tuple[Path, Pack]:
    """lac-2025 with one more event, in a day less a minute: its 1-day reminder is due now."""
    raw = yaml.safe_load((PACKS_DIR / "lac-2025.yaml").read_text(encoding="utf-8"))
    event = copy.deepcopy(raw["roadmap"][-1])
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1) - dt.timedelta(minutes=1)
    event.update(
        key="replica-check",
        start=start.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        precision="time",
        reminders=["1d"],
    )
    event.pop("end", None)
    event.pop("remind", None)
    raw["roadmap"].append(event)
    path = directory / "pack.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, load_pack(str(path))


@dataclass
class ReplicaUser(WebhookUser):
    """A Telegram client whose updates Telegram delivers again until it gets a 200."""

    redeliveries: int = 0
    resumed: int = 0

    async def push(self, update: dict[str, Any]) -> None:
        update = {"update_id": self.api.next_update_id(), **update}
        before = len(self.api.sent(self.chat))
        self.updates += 1
        await self._deliver(update)
        try:
            await asyncio.wait_for(self.api.until_sent(self.chat, before + 1), 10)
        except TimeoutError:  # committed, but the replies died with their replica
            self.resumed += 1
            mark = len(self.api.sent(self.chat))
            start = fake.text_update(self.user_id, "/start", self.language_code)
            await self._deliver({"update_id": self.api.next_update_id(), **start})
            await self.api.until_sent(self.chat, mark + 1)
        shown = [m for m in self.api.sent(self.chat)[before:] if m.params.get("reply_markup")]
        if shown:
            self.choices = [
                Choice(b["text"], b["callback_data"]) for b in fake.iter_buttons(shown[-1])
            ]

    async def _deliver(self, update: dict[str, Any]) -> None:
        while True:
            try:
                headers = {SECRET_HEADER: SECRET}
                async with self.http.post(self.url, json=update, headers=headers) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            self.redeliveries += 1
            await asyncio.sleep(0.2)


@asynccontextmanager
async def round_robin(ports: list[int]) -> AsyncIterator[str]:
    """A load balancer: each POST to the next replica; 502 when that one does not answer."""
    turns = itertools.cycle(ports)
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body, port = await request.read(), next(turns)
        headers = {SECRET_HEADER: request.headers.get(SECRET_HEADER, "")}
        url = f"http://127.0.0.1:{port}{request.path}"
        try:
            async with session.post(url, data=body, headers=headers) as answer:
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502)

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        await session.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    url, name = asyncio.run(create_postgres_database())
    try:
        yield url
    finally:
        asyncio.run(drop_postgres_database(name))


async def seed(url: str, pack: Pack) -> int:
    """The recipients (a hundred of them with reminders on) and the broadcast to them all."""
    database = Database(url)
    await database.upgrade()
    rows = (
        stakeholder_row(
            n,
            platform="telegram",
            platform_user_id=str(90_000 + n),
            chat_id=str(90_000 + n),
            reminders_opt_in=n < SUBSCRIBERS,
        )
        for n in range(RECIPIENTS)
    )
    await add_stakeholders(database, rows)
    async with database.transaction() as session:
        queued = await create_broadcast(
            session,
            texts=HEARING,
            audience=Audience(countries=("CL",)),
            languages=pack.languages,
            default_language=pack.default_language,
            created_by="telegram:1",
            now=dt.datetime.now(dt.UTC),
        )
    await database.dispose()
    return queued.recipients


def replica_env(api: BenchTelegram, url: str, pack: Path, port: int, proxy: int) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "CONSULTATION_PACK": str(pack),
        "ATTACHMENTS_DIR": str(pack.parent / "files"),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_API_FILE_URL": api.base_file_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{proxy}{WEBHOOK_PATH}",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "BROADCAST_RATE_PER_SECOND": str(RATE),
        "OUTBOX_LEASE_SECONDS": "5",
        "LOG_FORMAT": "text",
    }


async def ready(ports: list[int]) -> None:
    async with aiohttp.ClientSession() as http:
        for port in ports:
            for _ in range(600):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise TimeoutError(f"replica on port {port} never became ready")


def busiest_second(times: list[float]) -> int:
    """The most sends within any one second (a sliding window)."""
    times, most, start = sorted(times), 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def play(api: BenchTelegram, base: str, replicas: list[Any], victim: Any) -> list[Any]:
    """The 200 walks; the victim replica is killed once a third of the updates are in."""
    api.bind(asyncio.get_running_loop())
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as http:
        clients = [
            ReplicaUser(api, "en" if n % 2 == 0 else "es", url=base + WEBHOOK_PATH, http=http)
            for n in range(USERS)
        ]

        async def killer() -> None:
            while sum(client.updates for client in clients) < USERS * 24 // 3:
                await asyncio.sleep(0.05)
            victim.send_signal(signal.SIGKILL)

        kill = asyncio.create_task(killer())
        await run_clients(clients, lambda client, n: walk(client, load_pack("lac-2025"), n), 50)
        await kill
    return clients


async def stored(url: str) -> dict[str, Any]:
    database = Database(url)
    async with database.transaction() as session:
        registered = sum(  # the load's users only: the seeded recipients come registered
            1
            for user in await session.scalars(
                select(Stakeholder.platform_user_id).where(Stakeholder.registered_at.is_not(None))
            )
            if user.isdigit() and int(user) >= WALKERS
        )
        answers = (
            await session.execute(
                select(Stakeholder.platform_user_id, Answer.question_key, Answer.revision)
                .join(Answer, Answer.stakeholder_id == Stakeholder.id)
                .where(Answer.current.is_(True))
            )
        ).all()
        marks = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(("queued", "sending")))
        )
    await database.dispose()
    return {"registered": registered, "answers": answers, "marks": marks, "pending": pending}


def test_three_replicas_behave_as_one_bot(tmp_path: Path, database_url: str) -> None:
    """Kill one of three replicas mid-load: nothing lost, nothing done twice, limits shared."""
    pack_path, pack = pack_with_an_event_tomorrow(tmp_path)
    assert asyncio.run(seed(database_url, pack)) == RECIPIENTS
    ports = [free_port() for _ in range(REPLICAS)]
    with BenchTelegram() as api, ExitStack() as stack:

        async def scenario() -> tuple[list[Any], dict[str, Any]]:
            async with round_robin(ports) as base:
                proxy = int(base.rsplit(":", 1)[1])
                replicas = [
                    stack.enter_context(
                        child(
                            ["-m", "bot", "run"],
                            tmp_path,
                            tmp_path / f"replica-{n}.log",
                            **replica_env(api, database_url, pack_path, port, proxy),
                        )
                    )
                    for n, port in enumerate(ports)
                ]
                await ready(ports)
                clients = await play(api, base, replicas, replicas[1])
                for _ in range(600):  # the broadcast drains (the dead replica's lease runs out)
                    found = await stored(database_url)
                    if not found["pending"]:
                        break
                    await asyncio.sleep(0.5)
                return clients, found

        clients, found = asyncio.run(scenario())
        broadcast = [c for c in api.calls if c.ok and c.params.get("text") in HEARING.values()]
        subscribers = {str(90_000 + n) for n in range(SUBSCRIBERS)}
        reminders = [
            c
            for c in api.calls
            if c.ok
            and c.method == "sendMessage"
            and c.chat_id in subscribers
            and c not in broadcast
        ]

    assert sum(client.redeliveries for client in clients) > 0  # the kill was felt
    pushed = sum(client.updates for client in clients) + sum(c.resumed for c in clients)
    assert found["marks"] == pushed  # every update handled, none twice
    assert found["registered"] == USERS
    walkers = [user for user, _question, _revision in found["answers"] if int(user) >= WALKERS]
    per_user = Counter(walkers)
    assert len(per_user) == USERS
    assert set(per_user.values()) == {len(pack.sessions_by_key["inclusion"].questions)}
    assert {revision for *_ignored, revision in found["answers"]} == {1}  # nothing redone
    assert found["pending"] == 0
    delivered = Counter(c.chat_id for c in broadcast)
    assert len(delivered) == RECIPIENTS
    assert sum(delivered.values()) - RECIPIENTS <= SenderPolicy().concurrency  # one kill
    # Send times are reserved RATE a second for all replicas together; measured where the sends
    # arrive, three replicas and the load on two cores bunch them a little (up to what one
    # sender has in flight), never more.
    sent_at = [c.at for c in broadcast]
    assert max(Counter(int(at) for at in sent_at).values()) <= RATE + SenderPolicy().concurrency
    assert busiest_second(sent_at) <= RATE + SenderPolicy().concurrency
    reminded = Counter(c.chat_id for c in reminders)
    assert len(reminded) == SUBSCRIBERS and set(reminded.values()) == {1}
