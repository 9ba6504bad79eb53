"""The process the crash test kills: drains the outbox of a database through an HTTP endpoint.

Run as `python -m tests.push.crash_worker DATABASE URL CONCURRENCY`.
"""

from __future__ import annotations

import asyncio
import sys

import aiohttp

from bot.push.ratelimit import RateLimiter
from bot.push.retry import Backoff
from bot.push.sender import Sender, SenderSettings
from bot.store import Store
from tests.push.http_platform import HttpPlatform


async def main(database: str, url: str, concurrency: int) -> None:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with Store.open(database) as store, aiohttp.ClientSession(connector=connector) as client:
        platform = HttpPlatform(client, url)
        await store.reset_claims(platform.name)
        settings = SenderSettings(concurrency=concurrency, burst=5)
        sender = Sender(store, platform, RateLimiter(None, {}), Backoff(base=0.1), settings)
        await sender.drain()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
