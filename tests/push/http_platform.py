"""A chat platform reached over plain HTTP: one JSON POST per message.

The crash test and the fan-out benchmark push through it to `CountingEndpoint`, so
the whole engine (outbox, claims, pacing, outcomes) runs for real over a socket.
It uses aiohttp's client, which costs a fraction of httpx's per request, so that a
benchmark measures the engine rather than the client library.
"""

from __future__ import annotations

import asyncio

import aiohttp

from bot.models import ChatAddress
from bot.push.protocol import Outcome, Sent, Transient
from bot.render_plain import render_plain
from bot.reply import Reply


class HttpPlatform:
    name = "http"

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self._session = session
        self._url = url
        self.started: list[float] = []
        """When each send began (event-loop time): the pace the engine itself kept."""

    async def send(self, address: ChatAddress, message: Reply) -> Outcome:
        self.started.append(asyncio.get_running_loop().time())
        payload = {"chat_id": address.chat_id, "text": render_plain(message)}
        try:
            async with self._session.post(self._url, json=payload) as answer:
                status = answer.status
        except aiohttp.ClientError as error:
            return Transient(f"{type(error).__name__}: {error}")
        return Sent() if status == 200 else Transient(f"HTTP {status}")
