"""Fill the source-language catalog: English strings are their own translation.

`make locales-update` runs this after merging new strings, so the English catalog never lacks
an entry and the completeness test holds; other languages are translated by people.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill_source_catalog(path: Path) -> int:
    """Copy each untranslated msgid into its msgstr; return how many were filled."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string or ()):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, width=100)
    return filled


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(f"{argument}: {fill_source_catalog(Path(argument))} filled")
