"""A real HTTP server on 127.0.0.1 for fetch tests: serves fixture bodies, misbehaves on cue.

Each route is a handler; the factories below build the ones the tests need, and the
handlers that misbehave count what they sent so a test can see how much a client read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(routes: Mapping[str, Handler]) -> AsyncIterator[str]:
    """Serve `routes` (path to handler) on a free port; yields the base URL."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def body(data: bytes, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Handler:
    """Always answers `data` with `status` and `headers`."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=data, status=status, headers=dict(headers or {}))

    return handler


class Conditional:
    """A page with validators: answers 304 when the client sends them back, and records
    the conditional headers of every request."""

    def __init__(self, data: bytes, *, etag: str | None = None, last_modified: str | None = None):
        self.data = data
        self.etag = etag
        self.last_modified = last_modified
        self.requests: list[dict[str, str | None]] = []

    async def handle(self, request: web.Request) -> web.Response:
        sent = {
            "If-None-Match": request.headers.get("If-None-Match"),
            "If-Modified-Since": request.headers.get("If-Modified-Since"),
            "User-Agent": request.headers.get("User-Agent"),
        }
        self.requests.append(sent)
        headers = {}
        if self.etag:
            headers["ETag"] = self.etag
        if self.last_modified:
            headers["Last-Modified"] = self.last_modified
        fresh = (self.etag and sent["If-None-Match"] == self.etag) or (
            self.last_modified and sent["If-Modified-Since"] == self.last_modified
        )
        if fresh:
            return web.Response(status=304, headers=headers)
        return web.Response(body=self.data, headers=headers)


def redirect(location: str, status: int) -> Handler:
    """Redirects to `location` with `status` (301, 302, 307, 308)."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": location})

    return handler


class Streamer:
    """Streams `total` bytes in `chunk`-sized writes, `interval` seconds apart, and
    counts what it managed to send before the client hung up."""

    def __init__(
        self,
        total: int,
        *,
        chunk: int = 64 * 1024,
        interval: float = 0.0,
        content_length: bool = False,
    ):
        self.total = total
        self.chunk = b"x" * chunk
        self.interval = interval
        self.content_length = content_length
        self.sent = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        if self.content_length:
            response.content_length = self.total
        await response.prepare(request)
        try:
            while self.sent < self.total:
                piece = self.chunk[: self.total - self.sent]
                await response.write(piece)
                self.sent += len(piece)
                await asyncio.sleep(self.interval)
        except (ConnectionError, RuntimeError):
            return response
        await response.write_eof()
        return response
