"""A local HTTP endpoint that counts the messages it receives, per chat and per second.

It plays a chat service for the crash test and the fan-out benchmark: each POST to
/send is one message to one chat. `latency` slows every answer, so a process can be
killed while messages are in flight. Run as a module, it serves in a process of its
own (printing its port) and reports what arrived at GET /stats, so a benchmark does
not share a core with its own measuring device.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections import Counter

from aiohttp import web


class CountingEndpoint:
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.per_chat: Counter[str] = Counter()
        self.arrivals: list[tuple[float, str]] = []
        self._runner: web.AppRunner | None = None
        self._arrived = asyncio.Condition()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    @property
    def total(self) -> int:
        return sum(self.per_chat.values())

    async def _send(self, request: web.Request) -> web.Response:
        message = await request.json()
        if self.latency:
            await asyncio.sleep(self.latency)
        chat = str(message["chat_id"])
        self.per_chat[chat] += 1
        self.arrivals.append((asyncio.get_running_loop().time(), chat))
        async with self._arrived:
            self._arrived.notify_all()
        return web.json_response({"ok": True})

    async def wait_for_total(self, count: int) -> None:
        """Return once `count` messages have arrived."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: self.total >= count)

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response({"per_chat": self.per_chat, "arrivals": self.arrivals})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/send", self._send)
        app.router.add_get("/stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def _serve_until_stdin_closes() -> None:
    endpoint = CountingEndpoint()
    await endpoint.start()
    print(endpoint.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await endpoint.stop()


if __name__ == "__main__":
    asyncio.run(_serve_until_stdin_closes())
