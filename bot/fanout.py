"""Who follows a statement: the subscription keys it matches.

The store turns these keys into outbox rows with one indexed lookup each, so the
cost of fan-out grows with the subscribers a statement has, not with all chats.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from bot.directory import Directory
from bot.models import Statement
from bot.normalise import fold_words


class Audience:
    """Maps a statement to the (kind, value) subscriptions that should receive it."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory

    def __call__(self, statement: Statement, words: Collection[str]) -> Iterator[tuple[str, str]]:
        yield ("all", "")
        for party_id in statement.parties:
            yield ("party", party_id)
        for country in {self._directory.get(party_id).country for party_id in statement.parties}:
            yield ("country", country)
        if statement.imcwp:
            yield ("imcwp", "")
        if words:
            text = f" {fold_words(statement.text)} "
            yield from (("words", phrase) for phrase in words if f" {phrase} " in text)
