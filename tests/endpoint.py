"""The HTTP endpoint on a free local port with a client aimed at it, for the web and
metrics tests, which read what it serves over real HTTP rather than calling handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.core import Core
from bot.metrics import Metrics
from bot.web import Health, serve


@asynccontextmanager
async def endpoint_client(
    core: Core, metrics: Metrics, health: Health
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the endpoint serving `core`, for as long as the block runs."""
    async with (
        serve(core, metrics, health, "127.0.0.1", 0) as endpoint,
        httpx.AsyncClient(base_url=endpoint.url) as http,
    ):
        yield http
