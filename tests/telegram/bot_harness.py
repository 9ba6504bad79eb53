"""The real Telegram platform and sender over a temporary database, talking to the fake API.

`running_bot` starts what `partywire run` starts for Telegram, with short polls and
backoff so the tests stay fast; `Running` waits for what the fake records.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.app import background
from bot.config import Config, DatabaseConfig, PushConfig, TelegramConfig
from bot.core import Core, open_core
from bot.ingest import ingest
from bot.models import ChatAddress, RawStatement
from bot.push.retry import Backoff
from bot.push.sender import Sender, SenderSettings
from bot.telegram.platform import TelegramPlatform, Timing

from .fake_api import FakeTelegram
from .objects import Chat, SentMessage

T = TypeVar("T")
KKE = "communist-party-of-greece"
FAST = Timing(request_seconds=2.0, poll_seconds=1)
FAST_BACKOFF = Backoff(base=0.05, factor=2.0, ceiling=0.5, jitter=0.0)


async def eventually(probe: Callable[[], T | Awaitable[T]], within: float = 5.0) -> T:
    """Poll `probe` (plain or async) until it answers something true; fail after `within`."""
    async with asyncio.timeout(within):
        while True:
            found = probe()
            if inspect.isawaitable(found):
                found = await found
            if found:
                return found
            await asyncio.sleep(0.02)


@dataclass
class Running:
    fake: FakeTelegram
    core: Core
    platform: TelegramPlatform
    sender: Sender | None

    async def until(self, probe: Callable[[], T | Awaitable[T]], within: float = 5.0) -> T:
        return await eventually(probe, within)

    async def replies(
        self, chat: Chat, count: int = 1, thread_id: int | None = None
    ) -> list[SentMessage]:
        """Wait until the bot has sent `count` messages to `chat` (or its topic); return them."""

        def enough() -> list[SentMessage] | None:
            sent = self.fake.sent(chat, thread_id)
            return sent if len(sent) >= count else None

        return await self.until(enough)

    async def says(self, chat: Chat, user, text: str, thread_id: int | None = None) -> SentMessage:
        """Post as `user` and return the bot's first new message in reply."""
        before = len(self.fake.sent(chat, thread_id))
        self.fake.world.user_says(chat, user, text, thread_id=thread_id)
        return (await self.replies(chat, before + 1, thread_id))[before]

    async def publish(
        self,
        text: str,
        *,
        parties: tuple[str, ...] = (KKE,),
        url: str | None = None,
        push: bool = True,
    ):
        """Store a statement as a source would; with `push`, fan it out and wake the sender."""
        report = await ingest(
            self.core.store,
            self.core.recogniser,
            [
                RawStatement(
                    text,
                    "test-source",
                    url=url,
                    published_at=datetime(2024, 5, 1, tzinfo=UTC),
                    parties=parties,
                )
            ],
            audience=self.core.audience if push else None,
        )
        if self.sender is not None:
            self.sender.wake()
        return report.stored

    async def chat_active(self, chat_id: int | str) -> bool | None:
        found = await self.core.store.find_chat(ChatAddress("telegram", str(chat_id)))
        return None if found is None else found.active


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram,
    tmp_path: Path,
    *,
    sender: bool = True,
    timing: Timing = FAST,
    **telegram: object,
) -> AsyncIterator[Running]:
    """The platform started against `fake` (and a sender draining its outbox, unless told not)."""
    config = dataclasses.replace(
        Config(),
        telegram=TelegramConfig(
            token=fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, **telegram
        ),
        push=PushConfig(poll_seconds=0.05),
        database=DatabaseConfig(str(tmp_path / "partywire.sqlite3")),
    )
    async with AsyncExitStack() as stack:
        core = await stack.enter_async_context(open_core(config))
        platform = TelegramPlatform(config.telegram, core, timing)
        await platform.start()
        stack.push_async_callback(platform.stop)
        running = Running(fake, core, platform, None)
        if sender:
            running.sender = Sender(
                core.store,
                platform,
                platform.rate_limiter(),
                FAST_BACKOFF,
                SenderSettings(concurrency=4, poll_seconds=0.05),
            )
            await stack.enter_async_context(background("telegram-sender", running.sender.run))
        yield running


async def outbox_states(core: Core) -> dict[str, int]:
    """Outbox rows by state, for Telegram."""
    counts = await core.store.outbox_counts()
    return {state: n for (platform, state), n in counts.items() if platform == "telegram"}
