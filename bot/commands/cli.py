"""The `consultbot` command line.

Heavy libraries (SQLAlchemy, the platform clients, the export writers) are imported inside the
commands that need them, so `consultbot --help` stays fast.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Coroutine
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.commands.common import fail, settings

LANG_HELP = (
    "Language of the output: es, en, pt or fr (any language in locales/). "
    "The pack's default language when absent."
)
Lang = Annotated[str | None, typer.Option("--lang", help=LANG_HELP)]

app = typer.Typer(
    help="Run GCM regional review consultations in Telegram, Slack or a terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database operations.", no_args_is_help=True)
pack_app = typer.Typer(help="Consultation packs.", no_args_is_help=True)
roles_app = typer.Typer(help="Organizer and rapporteur roles.", no_args_is_help=True)
flows_app = typer.Typer(help="The conversation flows.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(pack_app, name="pack")
app.add_typer(roles_app, name="roles")
app.add_typer(flows_app, name="flows")


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Console user id (one stakeholder per id).")] = "me",
    lang: Annotated[
        str | None, typer.Option(help="Language offered first (one of the pack's, e.g. es).")
    ] = None,
) -> None:
    """Talk to the bot in this terminal: choices print as [1] …, answer by number or label."""
    from bot.app import run_console

    asyncio.run(run_console(settings(), user_id=user, language=lang))


@app.command()
def run() -> None:
    """Serve every configured transport, the outbox sender and the reminder scheduler."""
    from bot.app import serve

    current = settings()
    if not (current.telegram_enabled or current.slack_enabled or current.whatsapp_enabled):
        typer.echo(
            "No TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN or WHATSAPP_TOKEN set: "
            "starting the console chat."
        )
        from bot.app import run_console

        asyncio.run(run_console(current, user_id="me", language=None))
        return
    run_fast(serve(current))


def run_fast(work: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it is installed: the event loop was a seventh of the profile."""
    try:
        import uvloop
    except ImportError:  # Windows, or an installation without it
        asyncio.run(work)
        return
    uvloop.run(work)


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    jsonl = "jsonl"
    md = "md"
    docx = "docx"


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the file.")],
    session: Annotated[list[str] | None, typer.Option(help="Session key (repeatable).")] = None,
    subregion: Annotated[list[str] | None, typer.Option(help="Subregion key.")] = None,
    country: Annotated[list[str] | None, typer.Option(help="ISO country code.")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Stakeholder category key.")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Answer language.")] = None,
    since: Annotated[dt.datetime | None, typer.Option(help="Answers updated from.")] = None,
    until: Annotated[dt.datetime | None, typer.Option(help="Answers updated before.")] = None,
    anonymize: Annotated[bool, typer.Option(help="Drop names and contacts.")] = False,
    published_only: Annotated[
        bool,
        typer.Option(
            "--published-only", help="Only stakeholders who allowed their answers published."
        ),
    ] = False,
    report_language: Annotated[
        str | None,
        typer.Option(help="Language of the report and the export's labels; --lang when absent."),
    ] = None,
    lang: Lang = None,
) -> None:
    """Write the collected inputs, or the draft summary report (md, docx), for the rapporteur."""
    from bot.commands.export import export_command
    from bot.export.filters import ExportFilters

    asyncio.run(
        export_command(
            settings(),
            format=format.value,
            out=out,
            filters=ExportFilters.of(
                sessions=session or [],
                subregions=subregion or [],
                countries=country or [],
                categories=category or [],
                languages=language or [],
                since=since,
                until=until,
                published_only=published_only,
            ),
            anonymize=anonymize,
            report_language=report_language,
            lang=lang,
        )
    )


@app.command()
def broadcast(
    text: Annotated[
        list[str], typer.Option(help="LANG=TEXT, once per language (or TEXT for all).")
    ],
    audience: Annotated[
        list[str] | None,
        typer.Option(
            help="FIELD=VALUE: subregion, category, country, session, language, reminders."
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Send without asking to confirm.")] = False,
    by: Annotated[str, typer.Option(help="Who sends it, for the audit log.")] = "console:cli",
    lang: Lang = None,
) -> None:
    """Queue a roadmap update for an audience; shows recipients and a preview first."""
    from bot.commands.broadcast import broadcast_command

    asyncio.run(
        broadcast_command(
            settings(), texts=text, audience=audience or [], yes=yes, by=by, lang=lang
        )
    )


@app.command()
def stats(lang: Lang = None) -> None:
    """Participation: stakeholders by subregion and category, answers by session."""
    from bot.commands.stats import stats_command

    asyncio.run(stats_command(settings(), lang))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (also done at every start)."""
    from storage.db import migrated_database

    async def upgrade() -> None:
        async with migrated_database(settings().database_url):
            pass

    asyncio.run(upgrade())
    typer.echo("Database is up to date.")


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="Where to write the backup file.")],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Back up the database while the bot runs (SQLite online backup, or pg_dump)."""
    from bot.commands.backup import backup_command

    asyncio.run(backup_command(settings(), path, force=force))


@pack_app.command("check")
def pack_check(
    pack: Annotated[str | None, typer.Argument(help="Pack name or YAML path.")] = None,
) -> None:
    """Validate a pack, print every problem with its path, then the titles still to confirm."""
    from bot.pack import PackError, load_pack, titles_to_confirm

    name = pack or settings().consultation_pack
    try:
        loaded = load_pack(name)
    except PackError as error:
        for problem in error.problems:
            typer.echo(problem)
        typer.echo(f"{error.source}: {len(error.problems)} problem(s)", err=True)
        raise typer.Exit(code=1) from None
    questions = sum(len(session.questions) for session in loaded.sessions)
    typer.echo(
        f"{loaded.id}: OK ({len(loaded.languages)} languages, {len(loaded.sessions)} sessions, "
        f"{questions} questions, {len(loaded.roadmap)} roadmap events)"
    )
    to_confirm = titles_to_confirm(loaded)
    if to_confirm:
        typer.echo("Objective titles to confirm against the official text of A/RES/73/195:")
        for line in to_confirm:
            typer.echo(f"  {line}")


@pack_app.command("new")
def pack_new(
    name: Annotated[str, typer.Argument(help="The new pack's id, e.g. asia-pacific-2026.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write it; NAME.yaml when absent.")
    ] = None,
) -> None:
    """Start a pack for another consultation from the commented template."""
    from bot.commands.pack_new import PackNewError, new_pack

    try:
        path = new_pack(name, out or Path(f"{name}.yaml"))
    except PackNewError as error:
        fail(str(error))
    typer.echo(f"Wrote {path}. Edit it, then run: consultbot pack check {path}")


@pack_app.command("graph")
def pack_graph(
    pack: Annotated[str | None, typer.Argument(help="Pack name or YAML path.")] = None,
) -> None:
    """Print the consultation flow as a Mermaid diagram."""
    from bot.pack import PackError, load_pack
    from bot.pack.graph import mermaid

    try:
        loaded = load_pack(pack or settings().consultation_pack)
    except PackError as error:
        fail(f"{error.source}: {'; '.join(error.problems[:3])}")
        return
    typer.echo(mermaid(loaded))


@flows_app.command("graph")
def flows_graph() -> None:
    """Print every flow's steps and moves as a Mermaid diagram, drawn from the step tables."""
    from handlers.diagram import mermaid

    typer.echo(mermaid(), nl=False)


@roles_app.command("grant")
def roles_grant(
    member: Annotated[str, typer.Argument(help="platform:user_id, e.g. telegram:123")],
    role: Annotated[str, typer.Argument(help="organizer or rapporteur")],
    lang: Lang = None,
) -> None:
    """Give someone the organizer or rapporteur role."""
    from bot.commands.roles import roles_command

    asyncio.run(roles_command(settings(), "grant", member, role, lang))


@roles_app.command("revoke")
def roles_revoke(
    member: Annotated[str, typer.Argument(help="platform:user_id")],
    role: Annotated[str, typer.Argument(help="organizer or rapporteur")],
    lang: Lang = None,
) -> None:
    """Take a role back (roles from ORGANIZERS/RAPPORTEURS stay until the setting changes)."""
    from bot.commands.roles import roles_command

    asyncio.run(roles_command(settings(), "revoke", member, role, lang))


@roles_app.command("list")
def roles_list(lang: Lang = None) -> None:
    """List everyone with a role and where the role comes from."""
    from bot.commands.roles import roles_command

    asyncio.run(roles_command(settings(), "list", None, None, lang))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
