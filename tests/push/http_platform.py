"""A chat platform reached over plain HTTP: one JSON POST per message.

The crash test and the fan-out benchmark push through it to `CountingEndpoint`, so
the whole engine (outbox, claims, pacing, outcomes) runs for real over a socket.
"""

from __future__ import annotations

import httpx

from bot.models import ChatAddress
from bot.push.protocol import Outcome, Sent, Transient
from bot.render_plain import render_plain
from bot.reply import Reply


class HttpPlatform:
    name = "http"

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    async def send(self, address: ChatAddress, message: Reply) -> Outcome:
        try:
            answer = await self._client.post(
                self._url, json={"chat_id": address.chat_id, "text": render_plain(message)}
            )
        except httpx.HTTPError as error:
            return Transient(f"{type(error).__name__}: {error}")
        return Sent() if answer.status_code == 200 else Transient(f"HTTP {answer.status_code}")
