"""What every platform's mapping does with text alike: read a command, cut a long reply.

Kept apart from the platform packages so that one of them never imports another's SDK.
"""

from __future__ import annotations

import re

# A slash, the command (Telegram allows 1-64 of letters, digits and _), an optional @bot name
# (Telegram groups), then its arguments.
_COMMAND = re.compile(r"^/([A-Za-z0-9_][A-Za-z0-9_-]{0,63})(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)
_SENTENCE_END = re.compile(r"[.!?…;:][)\"'»”]*(?=\s)")


def parse_command(text: str) -> tuple[str, str] | None:
    """`/Start@consult_bot  abc` -> ("start", "abc"); None when the text is not a command."""
    # Old Telegram clients send "/start" with no bot_command entity and Slack lets " /consult"
    # through as a message (checked 2026-11): the text itself decides.
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def split_text(text: str, limit: int) -> list[str]:
    """Cut text into chunks of at most `limit`, at a paragraph, line, sentence or word end."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _cut_point(text: str, limit: int) -> int:
    """The last good boundary within `limit`, preferring ones past half of it."""
    window = text[: limit + 1]
    floor = limit // 2
    for separator in ("\n\n", "\n"):
        position = window.rfind(separator, floor, limit)
        if position > 0:
            return position + len(separator)
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window) if floor < m.end() <= limit]
    if sentence_ends:
        return sentence_ends[-1]
    space = window.rfind(" ", floor, limit)
    return space + 1 if space > 0 else limit
