"""Telegram as a `ChatPlatform`: PTB's Application driven by hand, and `send` for the push engine.

The bot shares its event loop with the sender, sources and Matrix, so the
Application's lifecycle is run step by step (initialize, start, polling or webhook)
and undone in reverse, rather than by `run_polling`, which would own the loop.

PTB never retries or paces a send on its own here (no AIORateLimiter): the push
engine decides when to retry and how fast to go, and a hidden retry would break its
pacing and its count of attempts. Requests get timeouts short enough that a hung
one becomes a transient outcome well before the sender's own deadline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from urllib.parse import urlparse

from telegram.error import TelegramError
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bot.config import TelegramConfig
from bot.core import Core
from bot.models import ChatAddress
from bot.push.protocol import Outcome, Sent
from bot.push.ratelimit import Rate, RateLimiter
from bot.reply import Reply
from bot.telegram.keyboard import ButtonTokens
from bot.telegram.menu import set_menus
from bot.telegram.outcomes import outcome_of
from bot.telegram.outgoing import PLATFORM, Outgoing
from bot.telegram.updates import ALLOWED_UPDATES, UpdateHandlers

log = logging.getLogger(__name__)

PAID_BROADCAST_RATE = 1000.0
"""Messages a second Telegram allows a bot with paid broadcasts on."""
UPDATE_CONCURRENCY = 8
"""Updates handled at once, so one slow command does not hold up everyone else's."""


@dataclass(frozen=True)
class Timing:
    """How long to wait on Telegram; tests shorten these."""

    request_seconds: float = 10.0
    """Connecting, writing and reading one request; past it the send is transient."""
    poll_seconds: int = 30
    """How long one getUpdates long poll may wait for an update (whole seconds, as the API takes)."""


class TelegramPlatform:
    name = PLATFORM

    def __init__(self, config: TelegramConfig, core: Core, timing: Timing = Timing()) -> None:
        self._config = config
        self._timing = timing
        self._app = _application(config, core.config.push.concurrency, timing)
        tokens = ButtonTokens()
        self._outgoing = Outgoing(self._app.bot, core.store, config, tokens)
        UpdateHandlers(core, config, self._outgoing, tokens).register(self._app)

    async def start(self) -> None:
        """Log in, set the command menus and begin taking updates; undone at once on failure."""
        app = self._app
        try:
            await app.initialize()
            await set_menus(app.bot)
            await app.start()
            webhook = self._config.webhook
            if webhook is None:
                await app.updater.start_polling(
                    timeout=self._timing.poll_seconds, allowed_updates=ALLOWED_UPDATES
                )
            else:
                await app.updater.start_webhook(
                    listen=webhook.listen,
                    port=webhook.port,
                    url_path=urlparse(webhook.url).path,
                    webhook_url=webhook.url,
                    secret_token=webhook.secret_token,
                    allowed_updates=ALLOWED_UPDATES,
                )
        except BaseException:
            await self.stop()
            raise
        log.info("telegram: logged in as @%s", app.bot.username)

    async def stop(self) -> None:
        """Stop taking updates, let running handlers finish, log out; safe to call twice."""
        app = self._app
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    @property
    def connected(self) -> bool:
        """Taking updates: what /healthz reports."""
        return self._app.running and self._app.updater.running

    async def notify_operators(self, text: str) -> None:
        """Tell the operators in their private chats; one unreachable operator stops no one."""
        for operator in self._config.operators:
            try:
                await self._app.bot.send_message(operator, escape(text, quote=False))
            except TelegramError as error:
                log.warning("telegram: could not alert operator %s: %s", operator, error)

    def rate_limiter(self) -> RateLimiter:
        config = self._config
        overall = PAID_BROADCAST_RATE if config.paid_broadcasts else config.messages_per_second
        group = _rate(config.group_messages_per_minute, 60.0)
        return RateLimiter(
            _rate(overall, 1.0),
            {
                "private": _rate(config.private_messages_per_second, 1.0),
                "group": group,
                "channel": group,
            },
        )

    async def send(self, address: ChatAddress, message: Reply) -> Outcome:
        try:
            await self._outgoing.send(address, message)
        except TelegramError as error:
            return outcome_of(error)
        return Sent()


def _rate(count: float, per_seconds: float) -> Rate:
    """`count` sends per `per_seconds` as a whole-number rate over a window that keeps it exact.

    A window of one send would add the limiter's slack to every send; a whole window
    of them adds it once.
    """
    whole = max(1, round(count))
    return Rate(whole, per_seconds * whole / count)


def _application(config: TelegramConfig, push_concurrency: int, timing: Timing) -> Application:
    seconds = timing.request_seconds
    requests = HTTPXRequest(
        connection_pool_size=push_concurrency + UPDATE_CONCURRENCY + 2,
        connect_timeout=seconds,
        read_timeout=seconds,
        write_timeout=seconds,
        pool_timeout=seconds,
    )
    # getUpdates has its own connection; PTB adds the long poll's timeout to read_timeout.
    polling = HTTPXRequest(connection_pool_size=1, connect_timeout=seconds, read_timeout=seconds)
    return (
        Application.builder()
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .request(requests)
        .get_updates_request(polling)
        .concurrent_updates(UPDATE_CONCURRENCY)
        .build()
    )
