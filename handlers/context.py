"""What a handler is given: who asks, in which chat, with what arguments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core import Core
from bot.directory import Directory
from bot.flood import FloodGuard
from bot.metrics import Metrics
from bot.models import ChatAddress
from bot.store import Store
from bot.times import utcnow


async def _always() -> bool:
    return True


@dataclass(frozen=True)
class Asker:
    """The chat a command came from, and what its sender may do there."""

    address: ChatAddress
    kind: str
    """"private", "group", "channel" or "room": replies and permissions depend on it."""
    user_id: str = ""
    may_manage: Callable[[], Awaitable[bool]] = _always
    """Whether the sender may change this chat's subscriptions and settings.

    A call, not a flag, because the platforms answer it with a network request
    (Telegram's getChatMember, Matrix power levels) that only some commands need.
    """
    is_operator: bool = False


@dataclass(frozen=True)
class Request:
    asker: Asker
    text: str
    """The arguments as typed, after the command's name."""

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(self.text.split())


@dataclass(frozen=True)
class Services:
    """The core that handlers read and change."""

    store: Store
    directory: Directory
    flood: FloodGuard | None = None
    metrics: Metrics | None = None
    started: datetime = field(default_factory=utcnow)
    """When the bot started: /status shows its uptime."""

    @classmethod
    def for_core(cls, core: Core) -> Services:
        """What a platform adapter hands its handlers: the core, the flood guard, the metrics."""
        limits = core.config.flood
        guard = FloodGuard(limits.commands_per_minute, limits.quiet_minutes * 60)
        return cls(core.store, core.directory, guard, core.metrics)
