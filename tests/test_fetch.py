"""The fetcher against a real local HTTP server, including one that misbehaves."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sources.fetch import MAX_BYTES, USER_AGENT, Fetcher, FetchError, Validators
from tests.http_server import Conditional, Streamer, body, redirect, serve

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>S</title></channel></rss>'
LAST_MODIFIED = "Thu, 22 Jun 2017 10:00:00 GMT"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_etag_then_not_modified(client: httpx.AsyncClient) -> None:
    page = Conditional(FEED, etag='"v1"')
    async with serve({"/feed": page.handle}) as base:
        fetcher = Fetcher(client)
        first = await fetcher.fetch(f"{base}/feed")
        second = await fetcher.fetch(f"{base}/feed", first.validators)
    assert first.body == FEED
    assert not first.not_modified
    assert first.validators == Validators(etag='"v1"')
    assert second.not_modified
    assert second.body == b""
    assert second.validators == first.validators
    assert page.requests[0]["If-None-Match"] is None
    assert page.requests[1]["If-None-Match"] == '"v1"'
    assert page.requests[0]["User-Agent"] == USER_AGENT


async def test_last_modified_then_not_modified(client: httpx.AsyncClient) -> None:
    page = Conditional(FEED, last_modified=LAST_MODIFIED)
    async with serve({"/feed": page.handle}) as base:
        fetcher = Fetcher(client)
        first = await fetcher.fetch(f"{base}/feed")
        second = await fetcher.fetch(f"{base}/feed", first.validators)
    assert first.validators == Validators(last_modified=LAST_MODIFIED)
    assert second.not_modified
    assert page.requests[1]["If-Modified-Since"] == LAST_MODIFIED


async def test_changed_page_replaces_validators(client: httpx.AsyncClient) -> None:
    page = Conditional(FEED, etag='"v2"')
    async with serve({"/feed": page.handle}) as base:
        result = await Fetcher(client).fetch(f"{base}/feed", Validators(etag='"v1"'))
    assert not result.not_modified
    assert result.body == FEED
    assert result.validators.etag == '"v2"'


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500")])
async def test_http_errors(client: httpx.AsyncClient, status: int, reason: str) -> None:
    async with serve({"/x": body(b"oops", status=status)}) as base:
        with pytest.raises(FetchError) as caught:
            await Fetcher(client).fetch(f"{base}/x")
    assert caught.value.status == status
    assert caught.value.reason.startswith(reason)
    assert "\n" not in caught.value.reason


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    async with serve({}) as base:
        dead = base  # the port is free again once the server has stopped
    with pytest.raises(FetchError) as caught:
        await Fetcher(client).fetch(f"{dead}/feed")
    assert caught.value.reason.startswith("cannot connect")
    assert caught.value.status is None


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "/srv/dump.txt", "http://[::1"])
async def test_non_http_urls_are_errors(client: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(FetchError) as caught:
        await Fetcher(client).fetch(url)
    assert "\n" not in caught.value.reason


@pytest.mark.parametrize(("status", "permanent"), [(301, True), (308, True), (302, False)])
async def test_redirects(client: httpx.AsyncClient, status: int, permanent: bool) -> None:
    async with serve({"/old": redirect("/new", status), "/new": body(FEED)}) as base:
        result = await Fetcher(client).fetch(f"{base}/old")
    assert result.body == FEED
    assert result.url == f"{base}/new"
    assert result.moved_to == (f"{base}/new" if permanent else None)


async def test_permanent_then_temporary_redirect_remembers_the_permanent_hop(
    client: httpx.AsyncClient,
) -> None:
    routes = {"/old": redirect("/new", 301), "/new": redirect("/today", 302), "/today": body(FEED)}
    async with serve(routes) as base:
        result = await Fetcher(client).fetch(f"{base}/old")
    assert result.url == f"{base}/today"
    assert result.moved_to == f"{base}/new"


async def test_slow_body_hits_the_deadline(client: httpx.AsyncClient) -> None:
    # One byte every 50 ms never trips the read timeout; only the deadline stops it.
    trickle = Streamer(10_000, chunk=1, interval=0.05)
    async with serve({"/slow": trickle.handle}) as base:
        with pytest.raises(FetchError) as caught:
            await Fetcher(client, deadline=0.5).fetch(f"{base}/slow")
    assert trickle.sent < 1_000, "the body was abandoned long before its end"
    assert caught.value.reason == "no complete response within 0.5s"


async def test_read_timeout(client: httpx.AsyncClient) -> None:
    stalled = Streamer(2, chunk=1, interval=5)
    timeout = httpx.Timeout(5.0, read=0.2)
    async with serve({"/stalled": stalled.handle}) as base:
        with pytest.raises(FetchError) as caught:
            await Fetcher(client, timeout=timeout).fetch(f"{base}/stalled")
    assert caught.value.reason.startswith("read timed out")


async def test_oversized_streamed_body_is_abandoned(client: httpx.AsyncClient) -> None:
    huge = Streamer(50 * 1024 * 1024)
    async with serve({"/huge": huge.handle}) as base:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as caught:
                await Fetcher(client).fetch(f"{base}/huge")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.reason == f"body larger than {MAX_BYTES} bytes"
    assert peak < 2 * MAX_BYTES
    assert huge.sent < huge.total / 2


async def test_declared_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    huge = Streamer(50 * 1024 * 1024, content_length=True)
    async with serve({"/huge": huge.handle}) as base:
        with pytest.raises(FetchError) as caught:
            await Fetcher(client, max_bytes=1024).fetch(f"{base}/huge")
    assert "Content-Length 52428800" in caught.value.reason
    assert huge.sent < huge.total / 2


async def test_body_at_the_limit_is_kept(client: httpx.AsyncClient) -> None:
    async with serve({"/x": Streamer(1024, chunk=100).handle}) as base:
        result = await Fetcher(client, max_bytes=1024).fetch(f"{base}/x")
    assert result.body == b"x" * 1024


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("application/rss+xml; charset=ISO-8859-1", "iso8859-1"),
        ("text/html; charset=utf-8", "utf-8"),
        ("text/html; charset=nonsense", None),
        ("text/html; charset=base64", None),
        ("text/html", None),
    ],
)
async def test_declared_charset(
    client: httpx.AsyncClient, content_type: str, encoding: str | None
) -> None:
    data = "Partido Comunista de España".encode()
    async with serve({"/x": body(data, headers={"Content-Type": content_type})}) as base:
        result = await Fetcher(client).fetch(f"{base}/x")
    assert result.encoding == encoding
    assert result.content_type == content_type
    assert result.body == data  # bytes as sent: the parsers weigh the declaration
