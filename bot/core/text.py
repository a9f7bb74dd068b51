"""Small text helpers shared by flows and lookups."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """Case- and accent-blind form, so 'mexico', 'México' and 'MÉXICO' match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
