"""The dedupe key: one statement, one key, however a source spells or re-sends it."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def fold_text(text: str) -> str:
    """Unicode NFKC, case folded, whitespace runs collapsed: equal for the same words."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


# C0 and C1 controls turn into spaces (a NUL or a form feed inside a title is never
# meant), then every whitespace run, non-breaking spaces included, becomes one space.
_CONTROLS = dict.fromkeys((*range(0x20), *range(0x7F, 0xA0)), " ")


def clean_text(text: str) -> str:
    """`text` on one line, as a chat message shows it: no controls or runs of spaces.

    Every source passes its text through this, so a statement reads the same
    whichever kind of source it came from.
    """
    return " ".join(text.translate(_CONTROLS).split())


def dedupe_key(text: str, url: str | None) -> str:
    """The url where a source gives one, else the folded text; hashed to keep the index small."""
    basis = f"url:{url.strip()}" if url and url.strip() else f"text:{fold_text(text)}"
    return hashlib.blake2b(basis.encode(), digest_size=16).hexdigest()


_WORD = re.compile(r"\w+")


def fold_words(text: str) -> str:
    """The folded words of `text`, one space apart: what word subscriptions match against."""
    return " ".join(_WORD.findall(fold_text(text)))
