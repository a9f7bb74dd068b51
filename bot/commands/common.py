"""What every command shares: settings read once, the output language, and a failure as one
line without a traceback.

Command modules import from here, never from `bot.commands.cli`, so the CLI imports its commands
and nothing imports the CLI back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from bot.core.i18n import Translator
    from bot.core.settings import Settings
    from bot.pack import Pack


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


def pack_or_none(settings: Settings) -> Pack | None:
    """The configured pack, or None when it does not load (the command says so itself)."""
    from bot.pack import PackError, load_pack

    try:
        return load_pack(settings.consultation_pack)
    except PackError:
        return None


def output_translator(lang: str | None, pack: Pack | None) -> Translator:
    """The secretariat's language for command output: `--lang`, else the pack's default.

    Any language with a catalog in locales/ is accepted (`pt-BR` reads as `pt`); without a
    pack, output falls back to English, the catalogs' source language.
    """
    from bot.core.i18n import SOURCE_LANGUAGE, shipped_languages, translator

    shipped = shipped_languages()
    default = pack.default_language if pack is not None else SOURCE_LANGUAGE
    fallback = translator(default if default in shipped else SOURCE_LANGUAGE)
    if lang is None:
        return fallback
    chosen = lang.strip().replace("_", "-").split("-")[0].lower()
    if chosen not in shipped:
        fail(
            fallback._(
                "--lang {language}: expected one of {languages}",
                language=lang,
                languages=", ".join(shipped),
            )
        )
    return translator(chosen)
