"""What every command shares: settings read once, and a failure as one line without a traceback.

Command modules import from here, never from `bot.commands.cli`, so the CLI imports its commands
and nothing imports the CLI back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from bot.core.settings import Settings


def fail(message: str) -> NoReturn:
    """Stop with one line on stderr and no traceback."""
    typer.echo(f"consultbot: {message}", err=True)
    raise typer.Exit(code=2)


def settings() -> Settings:
    from bot.core.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as error:
        fail(str(error))
