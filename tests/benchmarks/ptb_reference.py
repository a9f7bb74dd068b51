"""The reference bots: python-telegram-bot at its plainest, run by `python -m` in a child.

`same-calls` answers each button and sends a message with four buttons for every update, and
fetches a sent document as consultbot does: the Bot API calls consultbot makes, with no logic.
`echo` sends every text back. `send-loop N CHAT0` sends N messages one after another.
Both bots poll with PTB's own Updater (`run_polling`), the way most PTB bots run.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(f"Option {n}", callback_data=f"x:{n}")] for n in range(4)]
)


def _application() -> Application:  # type: ignore[type-arg]  # PTB generics, defaults used
    return (
        Application.builder()
        .token(os.environ["BENCH_TOKEN"])
        .base_url(os.environ["BENCH_BASE_URL"])
        .base_file_url(os.environ["BENCH_FILE_URL"])
        .build()
    )


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id, "Saved. Next question?", reply_markup=KEYBOARD
    )


async def _message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    if message.document is not None:
        file = await message.document.get_file()
        await file.download_as_bytearray()
    await context.bot.send_message(
        message.chat.id, "Thank you. Next question?", reply_markup=KEYBOARD
    )


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await context.bot.send_message(message.chat.id, message.text)


def same_calls() -> None:
    application = _application()
    application.add_handler(CallbackQueryHandler(_answer))
    application.add_handler(MessageHandler(filters.ALL, _message))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


def echo() -> None:
    application = _application()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


async def send_loop(count: int, first_chat: int) -> None:
    """Send `count` messages to as many chats, one after another; print the rate as JSON."""
    bot = Bot(os.environ["BENCH_TOKEN"], base_url=os.environ["BENCH_BASE_URL"])
    async with bot:
        start_cpu, start = time.process_time(), time.perf_counter()
        for number in range(count):
            await bot.send_message(first_chat + number, "Se publicó la agenda del foro regional.")
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(json.dumps({"sent": count, "wall": wall, "cpu": cpu}))


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "same-calls":
        same_calls()
    elif kind == "echo":
        echo()
    else:
        asyncio.run(send_loop(int(sys.argv[2]), int(sys.argv[3])))
