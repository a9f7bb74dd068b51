"""Where files that stakeholders send are kept, so a report can link them after the chat is gone."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)
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
        if path.exists():
            path.touch()  # fetched again now: the sweep counts its age from here
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        temporary.replace(path)
        return path

    def files(self) -> Iterator[Path]:
        """Every file in the store (half-written `.part` files included)."""
        if self.directory.is_dir():
            yield from (path for path in self.directory.rglob("*") if path.is_file())

    def contains(self, path: str | Path) -> bool:
        """Whether `path`, with `..` and symlinks resolved, is a file inside the store."""
        root = self.directory.resolve()
        try:
            resolved = Path(path).resolve()
        except (OSError, RuntimeError):
            return False
        return resolved != root and resolved.is_relative_to(root)

    def delete(self, path: str | Path) -> bool:
        """Delete a stored file; a path outside the store is refused (checked, not assumed)."""
        if not self.contains(path):
            log.warning("refused to delete a file outside the attachment store")
            return False
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            log.warning("could not delete an erased stakeholder's file")
            return False
        return True
