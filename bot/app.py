"""Putting it together: the database, the pack, the engine, and what serves them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from bot.core.attachments import AttachmentStore
from bot.core.engine import Engine
from bot.core.settings import Settings
from bot.pack import Pack, PackError, load_pack
from storage.db import Database

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Something an operator must fix before the bot can start; the message says what."""


@dataclass
class Runtime:
    database: Database
    pack: Pack
    engine: Engine


async def start_runtime(settings: Settings) -> Runtime:
    """Open and migrate the database and load the pack: what every command that serves needs."""
    try:
        pack = load_pack(settings.consultation_pack)
    except PackError as error:
        first = error.problems[0] if error.problems else ""
        raise StartupError(
            f"CONSULTATION_PACK {settings.consultation_pack!r} is not usable: {first} "
            f"(run `consultbot pack check` for all problems)"
        ) from None
    database = Database(settings.database_url)
    try:
        await database.upgrade()
    except Exception as error:
        await database.dispose()
        raise StartupError(f"DATABASE_URL: cannot open or migrate the database: {error}") from None
    engine = Engine(database, pack, settings, attachments=AttachmentStore(settings.attachments_dir))
    return Runtime(database, pack, engine)


async def run_console(settings: Settings, user_id: str, language: str | None) -> None:
    """`consultbot chat`: the same flows in this terminal, until end of input."""
    from bot.transports.console import ConsoleTransport

    logging.basicConfig(level=logging.WARNING)
    runtime = await _start_or_exit(settings)
    try:
        await ConsoleTransport(user_id=user_id, language=language).run(runtime.engine.handle)
    finally:
        await runtime.database.dispose()


async def serve(settings: Settings) -> None:
    """`consultbot run`: every configured transport, the outbox sender and the scheduler."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runtime = await _start_or_exit(settings)
    transports, tasks, routes, setups = _transports(settings, runtime)
    for setup in setups:
        await setup
    tasks += _background(settings, runtime, transports)
    if settings.dashboard_url:
        from bot.dashboard.app import dashboard_mount

        routes.append(dashboard_mount(runtime.database, runtime.pack, settings))
    tasks.append(_web_server(settings, routes))  # always: /healthz for the orchestrator
    try:
        await _run_until_signal([asyncio.ensure_future(task) for task in tasks])
    finally:
        for transport in transports.values():
            close = getattr(transport, "close", None)
            if close is not None:
                await close()
        await runtime.database.dispose()


async def _start_or_exit(settings: Settings) -> Runtime:
    try:
        return await start_runtime(settings)
    except StartupError as error:
        raise SystemExit(f"consultbot: {error}") from None


def _transports(settings: Settings, runtime: Runtime) -> tuple[dict[str, Any], list, list, list]:
    """The platform transports, what receives for them, their HTTP routes, and one-off set-ups."""
    attachments = runtime.engine.attachments
    dispatch = runtime.engine.handle
    transports: dict[str, Any] = {}
    tasks: list[Awaitable[None]] = []
    routes: list[Any] = []
    setups: list[Awaitable[None]] = []
    if settings.telegram_enabled:
        from bot.transports.telegram.transport import TelegramTransport

        telegram = TelegramTransport(settings, attachments)
        transports["telegram"] = telegram
        setups.append(_telegram_menus(telegram, settings, runtime))
        if settings.telegram_webhook_url:
            routes += telegram.webhook_routes(dispatch)
            setups.append(telegram.set_webhook())
        else:
            tasks.append(telegram.run(dispatch))
    if settings.slack_enabled:
        from bot.transports.slack.transport import SlackTransport

        slack = SlackTransport(settings, attachments)
        transports["slack"] = slack
        if settings.slack_app_token:
            tasks.append(slack.run(dispatch))
        else:
            routes += slack.http_routes(dispatch)
    return transports, tasks, routes, setups


async def _telegram_menus(telegram: Any, settings: Settings, runtime: Runtime) -> None:
    """Publish the command menus: everyone's per language, the admin ones in admins' chats."""
    from telegram.error import TelegramError

    from bot.transports.telegram.transport import admin_chats
    from storage.roles import all_roles

    async with runtime.database.transaction() as session:
        granted = [(role.platform, role.user_id, role.role) for role in await all_roles(session)]
    pack = runtime.pack  # the pack's default language first: its menu serves other clients
    languages = [
        pack.default_language,
        *(lang for lang in pack.languages if lang != pack.default_language),
    ]
    try:
        await telegram.publish_commands(admin_chats(settings, granted), languages=languages)
    except TelegramError as error:  # menus are a convenience: never stop the bot for them
        log.warning("setMyCommands failed: %s", error)


def _background(settings: Settings, runtime: Runtime, transports: dict[str, Any]) -> list:
    from bot.outbox.scheduler import ReminderScheduler
    from bot.outbox.sender import OutboxSender

    sender = OutboxSender(
        runtime.database, transports, rate_per_second=settings.broadcast_rate_per_second
    )
    scheduler = ReminderScheduler(runtime.database, runtime.pack)
    return [sender.run(), scheduler.run()]


async def _web_server(settings: Settings, routes: list) -> None:
    import uvicorn

    from bot.web import build_web_app

    config = uvicorn.Config(
        build_web_app(routes),
        host=settings.http_host,
        port=settings.http_port,
        log_level="info",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    await server.serve()


async def _run_until_signal(tasks: list[asyncio.Future]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    waiter = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not waiter and task.exception():
            log.error("a service stopped", exc_info=task.exception())
    for task in [waiter, *tasks]:
        task.cancel()
    await asyncio.gather(waiter, *tasks, return_exceptions=True)
