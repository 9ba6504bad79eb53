"""What every platform adapter promises the push engine, and what it may answer.

A platform turns its own errors into these few outcomes, so the engine that retries,
pauses, moves and deactivates chats is written once for all platforms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.models import ChatAddress
from bot.push.ratelimit import RateLimiter
from bot.reply import Reply


@dataclass(frozen=True, slots=True)
class Sent:
    """The platform accepted the message."""


@dataclass(frozen=True, slots=True)
class RetryAfter:
    """The platform asked us to wait (Telegram 429, Matrix M_LIMIT_EXCEEDED) for this chat."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Moved:
    """The chat lives on under a new id (Telegram group migration, Matrix room upgrade)."""

    chat_id: str


@dataclass(frozen=True, slots=True)
class Gone:
    """The chat will never take a message again: blocked, kicked, deleted, not found."""

    reason: str


@dataclass(frozen=True, slots=True)
class Transient:
    """A failure that may pass: timeout, 5xx, connection error."""

    reason: str


Outcome = Sent | RetryAfter | Moved | Gone | Transient


class Platform(Protocol):
    """A chat platform as the push engine sees it."""

    name: str

    async def send(self, address: ChatAddress, message: Reply) -> Outcome:
        """Deliver `message`; never raise for a platform error, answer an outcome."""
        ...


class ChatPlatform(Platform, Protocol):
    """A platform as the running bot sees it: it takes commands and it sends messages."""

    async def start(self) -> None:
        """Connect and begin answering commands; undone by `stop`."""
        ...

    async def stop(self) -> None:
        """Stop answering and disconnect; safe to call twice."""
        ...

    def rate_limiter(self) -> RateLimiter:
        """The platform's own pace for pushed messages."""
        ...

    @property
    def connected(self) -> bool:
        """Whether it is taking commands right now: what /healthz reports."""
        ...

    async def notify_operators(self, text: str) -> None:
        """Tell the operators named in the config (a source failing for hours, say)."""
        ...
