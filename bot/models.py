"""The records that flow through Partywire, one step to the next.

A source yields `RawStatement`s; recognition adds what the text names; the store
hands back `Statement`s. Chats are addressed by platform and the platform's own id,
so that no step needs to know how a platform spells its ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RawStatement:
    """A statement as a source gave it: nothing here is derived."""

    text: str
    source: str
    url: str | None = None
    published_at: datetime | None = None
    parties: tuple[str, ...] = ()
    """Party ids the source itself attributes the statement to (a party's own site)."""


@dataclass(frozen=True, slots=True)
class Recognition:
    """What one statement's text names."""

    parties: tuple[str, ...] = ()
    """Directory ids of the parties named, in order of first mention."""
    ambiguous: tuple[str, ...] = ()
    """Abbreviations that several parties share and that the text did not resolve."""
    imcwp: bool = False
    """The text speaks of an International Meeting of Communist and Workers' Parties."""
    meeting: int | None = None
    """The meeting's ordinal, where the text gives one."""


@dataclass(frozen=True, slots=True)
class Statement:
    """A stored statement with what was recognised in it."""

    id: int
    text: str
    source: str
    url: str | None
    published_at: datetime | None
    fetched_at: datetime
    parties: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    imcwp: bool = False
    meeting: int | None = None

    @property
    def when(self) -> datetime:
        """The time a reader cares about: publication where known, else when we saw it."""
        return self.published_at or self.fetched_at


@dataclass(frozen=True, slots=True)
class ChatAddress:
    """Where a chat lives: a platform and that platform's id (and forum topic, if any)."""

    platform: str
    chat_id: str
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """One thing a chat follows: a party, a country, IMCWP items, words, or everything."""

    kind: str
    """"party", "country", "imcwp", "words" or "all"."""
    value: str = ""


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    address: ChatAddress
    kind: str
    active: bool = True
    settings: dict[str, str] = field(default_factory=dict)
