"""The rapporteur's exports (csv, xlsx, jsonl) and the draft summary report (md, docx).

`build_export` makes one in memory for the chat's /export; `command.export_command` writes one
to a file for `consultbot export`, with a progress bar.
"""

from __future__ import annotations

from bot.export.build import build_export
from bot.export.filters import ExportError, ExportFilters

__all__ = ["ExportError", "ExportFilters", "build_export"]
