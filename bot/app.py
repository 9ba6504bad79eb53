"""`partywire run`: the long-running bot, one process and one event loop.

Every part starts in one `AsyncExitStack`, each start paired with its stop, so a
failed start never leaves half the bot running and shutdown runs in reverse.
SIGINT and SIGTERM set an event that `run_bot` waits on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import httpx

from bot.config import Config, ConfigError
from bot.core import Core, open_core
from bot.push.protocol import ChatPlatform
from bot.push.retry import Backoff
from bot.push.sender import Sender, SenderSettings
from bot.sources.poller import Poller
from bot.web import serve

log = logging.getLogger(__name__)


def build_platforms(core: Core) -> list[ChatPlatform]:
    """The platforms the config names; each adapter is imported only when configured."""
    platforms: list[ChatPlatform] = []
    if core.config.telegram is not None:
        from bot.telegram.platform import TelegramPlatform

        platforms.append(TelegramPlatform(core.config.telegram, core))
    if core.config.matrix is not None:
        from bot.matrix.platform import MatrixPlatform

        platforms.append(MatrixPlatform(core.config.matrix, core))
    return platforms


def sender_for(core: Core, platform: ChatPlatform) -> Sender:
    push = core.config.push
    return Sender(
        core.store,
        platform,
        platform.rate_limiter(),
        Backoff(max_age=push.give_up_after_hours * 3600),
        SenderSettings(
            concurrency=push.concurrency, burst=push.burst, poll_seconds=push.poll_seconds
        ),
        metrics=core.metrics,
    )


@asynccontextmanager
async def background(name: str, work: Callable[[], Awaitable[None]]) -> AsyncIterator[asyncio.Task]:
    """Run `work` as a named task for the duration of the block; cancel and await it after."""
    task = asyncio.create_task(work(), name=name)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@asynccontextmanager
async def running_bot(config: Config) -> AsyncIterator[list[Sender]]:
    """Everything the bot runs, started; stopped in reverse when the block ends."""
    async with AsyncExitStack() as stack:
        core = await stack.enter_async_context(open_core(config))
        senders: list[Sender] = []
        platforms = build_platforms(core)
        client = await stack.enter_async_context(httpx.AsyncClient())

        async def alert(source: str, message: str) -> None:
            for platform in platforms:
                await platform.notify_operators(f"Source {source}: {message}")

        # Built before any platform starts, so a mistake in `sources` fails at once.
        poller = Poller(
            core, client, wake=lambda: [sender.wake() for sender in senders], on_alert=alert
        )
        if config.endpoint.enabled:
            endpoint = await stack.enter_async_context(
                serve(
                    core,
                    core.metrics,
                    lambda: {platform.name: platform.connected for platform in platforms},
                    config.endpoint.host,
                    config.endpoint.port,
                )
            )
            log.info("HTTP endpoint at %s (/healthz, /metrics, /feeds/latest.atom)", endpoint.url)
        for platform in platforms:
            await platform.start()
            stack.push_async_callback(platform.stop)
            sender = sender_for(core, platform)
            await stack.enter_async_context(background(f"{platform.name}-sender", sender.run))
            senders.append(sender)
            log.info("%s: connected; answering commands and sending new statements", platform.name)
        await stack.enter_async_context(background("source-poller", poller.run))
        yield senders


async def run_bot(config: Config) -> int:
    if config.telegram is None and config.matrix is None:
        log.error(
            "no chat platform is configured (add a telegram or matrix section to the config);"
            " nothing to run. `partywire demo` talks to the bot in this terminal."
        )
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running_bot(config):
            await stop.wait()
            log.info("stopping")
    except ConfigError:
        raise
    except Exception:
        # The one place that logs what nothing else caught: through the redacting
        # formatter, never as a bare traceback that could carry a token in a URL.
        log.exception("the bot stopped on an error")
        return 1
    return 0
