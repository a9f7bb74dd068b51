"""Small text helpers shared by flows and lookups, and the cleaning of text as it enters."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata

from bot.core.messages import AttachmentRef, Inbound


def normalise(text: str) -> str:
    """Case- and accent-blind form, so 'mexico', 'México' and 'MÉXICO' match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Control characters (C0 and C1) but tab and newline, lone surrogates and the two
# noncharacters: what Word pastes (vertical tab), terminals send (ESC) or a bad client encodes.
# None of them is text a person meant, and several break XML exports or PostgreSQL (NUL).
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MAX_FILENAME = 200  # characters of a sent file's name we keep (the column holds 255)
MAX_MIME_TYPE = 127
MAX_FILE_ID = 255


def clean_text(text: str) -> str:
    """Text as stored: line ends as \\n, unwanted control characters gone, Unicode in NFC."""
    if not text:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _UNWANTED.sub("", text))


def clean_filename(name: str | None) -> str | None:
    """A sent file's name, cleaned and shortened to MAX_FILENAME keeping its extension."""
    if name is None:
        return None
    name = " ".join(clean_text(name).split())
    if len(name) <= MAX_FILENAME:
        return name or None
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 16:
        return name[:MAX_FILENAME]
    return stem[: MAX_FILENAME - len(suffix) - 1] + "." + suffix


def _file_id(value: str) -> str:
    value = clean_text(value)
    if len(value) <= MAX_FILE_ID:
        return value
    return "sha256-" + hashlib.sha256(value.encode()).hexdigest()


def _attachment(ref: AttachmentRef | None) -> AttachmentRef | None:
    if ref is None:
        return None
    mime = clean_text(ref.mime_type) if ref.mime_type else None
    return dataclasses.replace(
        ref,
        platform_file_id=_file_id(ref.platform_file_id),
        filename=clean_filename(ref.filename),
        mime_type=mime if mime and len(mime) <= MAX_MIME_TYPE else None,
    )


def clean_inbound(inbound: Inbound) -> Inbound:
    """Every string a person could have typed or forged, cleaned once as the update enters."""

    def optional(value: str | None) -> str | None:
        return clean_text(value) if value is not None else None

    return dataclasses.replace(
        inbound,
        text=clean_text(inbound.text),
        args=clean_text(inbound.args),
        command=optional(inbound.command),
        choice=optional(inbound.choice),
        locale_hint=optional(inbound.locale_hint),
        message_ref=optional(inbound.message_ref),
        attachment=_attachment(inbound.attachment),
    )
