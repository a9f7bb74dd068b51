"""`consultbot db backup PATH`: a consistent copy of the database while the bot keeps running."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.commands.common import fail
from bot.core.settings import Settings


async def backup_command(settings: Settings, path: Path, *, force: bool) -> None:
    from storage.backup import BackupError, backup

    try:
        made = await backup(settings.database_url, path, overwrite=force)
    except BackupError as error:
        fail(str(error))
    counts = "".join(f", {number} {name}" for name, number in made.rows.items())
    typer.echo(f"Backed up to {made.path} ({made.size / 1_048_576:.1f} MB{counts}).")
