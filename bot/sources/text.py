"""Plain-text dumps, and the decoding every parser shares.

A dump is one statement per line, as in `bot/data/samples/`; it has no links and no
dates.
"""

from __future__ import annotations

import codecs

from bot.models import RawStatement
from bot.normalise import clean_text


def text_encoding(name: str | None) -> str | None:
    """Python's name for the charset `name`, or None if it is unknown or not a text codec.

    Servers declare charsets Python does not know, and a few names Python knows
    (base64, rot13) are not ways of writing text; both are better ignored than trusted.
    """
    if not name:
        return None
    try:
        b"a".decode(name, errors="replace")
    except (LookupError, ValueError):
        return None
    return codecs.lookup(name).name


def decode(body: bytes, encoding: str | None) -> str:
    """`body` as text in its declared encoding if usable, else UTF-8; bad bytes become U+FFFD."""
    try:
        return body.decode(text_encoding(encoding) or "utf-8", errors="replace")
    except ValueError:
        # A codec that accepts the name but chokes on the bytes (punycode, escapes).
        return body.decode("utf-8", errors="replace")


def parse_text(body: str, source: str) -> list[RawStatement]:
    """One statement per non-blank line of `body`."""
    lines = (clean_text(line) for line in body.splitlines())
    return [RawStatement(text=line, source=source) for line in lines if line]
