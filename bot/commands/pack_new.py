"""`consultbot pack new NAME`: copy the commented template pack, ready to be filled in."""

from __future__ import annotations

import re
from pathlib import Path

from bot.pack import PACKS_DIR

TEMPLATE = PACKS_DIR / "template.yaml"
NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
TEMPLATE_ID = re.compile(r"^id: template$", re.MULTILINE)


class PackNewError(ValueError):
    """A name or a target the operator can fix; the message says how, in one line."""


def new_pack(name: str, target: Path) -> Path:
    """Write the template to `target` with `id: NAME`; never overwrite a file."""
    if not NAME.match(name):
        raise PackNewError(
            f"{name!r}: a pack id uses lower-case letters, digits, - and _ (at most 40)"
        )
    if target.exists():
        raise PackNewError(f"{target} already exists; choose another name or --out")
    text = TEMPLATE.read_text(encoding="utf-8")
    text, count = TEMPLATE_ID.subn(f"id: {name}", text, count=1)
    if count != 1:
        raise PackNewError(f"{TEMPLATE} has no `id: template` line to rename")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise PackNewError(f"cannot write {target}: {error.strerror}") from None
    return target
