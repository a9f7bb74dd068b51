"""Where files that stakeholders send are kept, so a report can link them after the chat is gone."""

from __future__ import annotations

import re
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class AttachmentStore:
    """A directory of files, one folder per platform, named by the platform's file id."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path_for(self, platform: str, file_id: str, filename: str | None) -> Path:
        safe_id = _UNSAFE.sub("_", file_id)[:80]
        safe_name = _UNSAFE.sub("_", filename or "file")[-80:]
        return self.directory / platform / f"{safe_id}-{safe_name}"

    def save(self, platform: str, file_id: str, filename: str | None, content: bytes) -> Path:
        """Write the file once; a redelivered update finds it already there."""
        path = self.path_for(platform, file_id, filename)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(path.suffix + ".part")
            temporary.write_bytes(content)
            temporary.replace(path)
        return path
