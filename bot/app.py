"""Putting it together: the database, the pack, the engine, and the transports that serve them.

Every transport is handled alike through `bot.transports.base.Transport`: its routes join the
one web app, it is started with the receiver (the engine), served until a signal, and stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import signal
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from bot.core.attachments import AttachmentStore
from bot.core.settings import Settings
from bot.engine import Engine
from bot.observability.logs import configure_logging
from bot.observability.metrics import record_build
from bot.pack import Pack, PackError, load_pack
from bot.transports.base import Startup, Transport
from storage.db import Database
from storage.roles import all_roles, roles_from_settings

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

    configure_logging(settings, level="WARNING")
    runtime = await _start_or_exit(settings)
    console = ConsoleTransport(
        user_id=user_id, language=language, attachments=runtime.engine.attachments
    )
    try:
        await console.start(Startup(runtime.engine))
        await console.serve()
        await console.stop()
    finally:
        await runtime.database.dispose()


def platform_transports(settings: Settings, runtime: Runtime) -> list[Transport]:
    """The transports the settings enable; each platform's SDK is imported only when used."""
    attachments = runtime.engine.attachments
    transports: list[Transport] = []
    if settings.telegram_enabled:
        from bot.transports.telegram.transport import TelegramTransport

        transports.append(TelegramTransport(settings, attachments))
    if settings.slack_enabled:
        from bot.transports.slack.transport import SlackTransport

        transports.append(SlackTransport(settings, attachments))
    if settings.whatsapp_enabled:
        transports.append(_whatsapp(settings, runtime))
    return transports


def _whatsapp(settings: Settings, runtime: Runtime) -> Transport:
    """The WhatsApp webhook transport, writing delivery reports through the outbox's ledger."""
    from bot.outbox.ledger import DeliveryLedger
    from bot.transports.whatsapp.transport import WhatsAppTransport

    try:
        return WhatsAppTransport(
            settings,
            runtime.engine.attachments,
            DeliveryLedger(runtime.database),
            default_language=runtime.pack.default_language,
        )
    except ValueError as error:
        raise SystemExit(f"consultbot: {error}") from None


async def serve(settings: Settings) -> None:
    """`consultbot run`: every configured transport, the outbox sender and the scheduler."""
    configure_logging(settings)
    runtime = await _start_or_exit(settings)
    record_build(runtime.pack.id)
    transports = platform_transports(settings, runtime)
    routes = [route for t in transports for route in t.routes(runtime.engine)]
    startup = await _startup(settings, runtime)
    gc.freeze()  # the pack, catalogs and modules live as long as the process: never scan them
    if settings.dashboard_url:
        from bot.dashboard.app import dashboard_mount

        routes.append(dashboard_mount(runtime.database, runtime.pack, settings))
    try:
        for transport in transports:
            await transport.start(startup)
        services = [transport.serve() for transport in transports]
        services += _background(settings, runtime, transports)
        services.append(_web_server(settings, routes, runtime.database))  # probes, metrics
        await _run_until_signal(services)
    finally:
        for transport in transports:
            await transport.stop()
        await runtime.database.dispose()


async def _startup(settings: Settings, runtime: Runtime) -> Startup:
    """The receiver, the pack's languages (default first) and everyone's roles."""
    pack = runtime.pack
    languages = [pack.default_language, *(x for x in pack.languages if x != pack.default_language)]
    members: dict[tuple[str, str], set[str]] = {}
    for setting in (*settings.organizers, *settings.rapporteurs):
        platform, _, user_id = setting.partition(":")
        found = roles_from_settings(settings.organizers, settings.rapporteurs, platform, user_id)
        members.setdefault((platform, user_id), set()).update(found)
    async with runtime.database.transaction() as session:
        for role in await all_roles(session):
            members.setdefault((role.platform, role.user_id), set()).add(role.role)
    roles = {member: frozenset(found) for member, found in members.items()}
    return Startup(runtime.engine, languages, roles)


async def _start_or_exit(settings: Settings) -> Runtime:
    try:
        return await start_runtime(settings)
    except StartupError as error:
        raise SystemExit(f"consultbot: {error}") from None


def _background(
    settings: Settings, runtime: Runtime, transports: list[Transport]
) -> list[Coroutine[Any, Any, None]]:
    from bot.engine.sweep import AttachmentSweeper
    from bot.outbox.scheduler import ReminderScheduler
    from bot.outbox.sender import OutboxSender, SenderPolicy

    by_platform = {transport.platform: transport for transport in transports}
    policy = SenderPolicy(
        rate_per_second=settings.broadcast_rate_per_second,
        lease=dt.timedelta(seconds=settings.outbox_lease_seconds),
    )
    sender = OutboxSender(runtime.database, by_platform, policy)
    scheduler = ReminderScheduler(runtime.database, runtime.pack)
    sweeper = AttachmentSweeper(runtime.database, runtime.engine.attachments)
    return [sender.run(), scheduler.run(), sweeper.run()]


async def _web_server(settings: Settings, routes: list[Any], database: Database) -> None:
    import uvicorn

    from bot.web import build_web_app

    config = uvicorn.Config(
        build_web_app(routes, database),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,  # our handlers (bot.observability.logs), not uvicorn's own
        access_log=settings.log_level == "DEBUG",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # ours, below
    await server.serve()


async def _run_until_signal(services: list[Coroutine[Any, Any, None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    waiter = asyncio.ensure_future(stop.wait())
    tasks = [asyncio.ensure_future(service) for service in services]
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        if task is not waiter and task.exception():
            log.error("a service stopped", exc_info=task.exception())
    for task in [waiter, *tasks]:
        task.cancel()
    await asyncio.gather(waiter, *tasks, return_exceptions=True)
