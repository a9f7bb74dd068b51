"""JSON Lines: one record per answer, the schema documented in docs/exports.md."""

from __future__ import annotations

import json
from typing import BinaryIO

from bot.export.rows import as_json
from bot.export.source import ExportSource


async def write_jsonl(source: ExportSource, sink: BinaryIO) -> int:
    """Write the answers, one JSON object per line; return how many were written."""
    count = 0
    async for record in source.answers():
        line = json.dumps(as_json(record), ensure_ascii=False, default=str)
        sink.write(line.encode("utf-8") + b"\n")
        count += 1
    return count
