"""The dedupe key: one statement, one key, however a source spells or re-sends it."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def fold_text(text: str) -> str:
    """Unicode NFKC, case folded, whitespace runs collapsed: equal for the same words."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def clean_text(text: str) -> str:
    """The text as shown to readers: only stray whitespace removed."""
    return _SPACE.sub(" ", text).strip()


def dedupe_key(text: str, url: str | None) -> str:
    """The url where a source gives one, else the folded text; hashed to keep the index small."""
    basis = f"url:{url.strip()}" if url and url.strip() else f"text:{fold_text(text)}"
    return hashlib.blake2b(basis.encode(), digest_size=16).hexdigest()
