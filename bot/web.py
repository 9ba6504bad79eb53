"""The HTTP endpoint: health for the supervisor, metrics for Prometheus, Atom feeds for readers.

It runs in the bot's own event loop and reads the same store, so it answers about the
process it lives in. `serve` pairs the listener's start with its cleanup, as an aiohttp
cleanup context would, so the bot's `AsyncExitStack` stops it with everything else.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from feedgen.feed import FeedGenerator
from prometheus_client import CONTENT_TYPE_LATEST

from bot.core import Core
from bot.directory import PartyLookup
from bot.metrics import Metrics
from bot.models import Statement
from bot.times import to_text, utcnow

log = logging.getLogger(__name__)

Health = Callable[[], Mapping[str, bool]]
"""Each platform's name and whether it is connected now."""

FEED_ENTRIES = 50
TITLE_LENGTH = 100
DATABASE_TIMEOUT = 2.0
"""A health check that waits longer than this on the database calls it down."""
ATOM = "application/atom+xml"

CORE = web.AppKey("core", Core)
METRICS = web.AppKey("metrics", Metrics)
HEALTH = web.AppKey("health", Health)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where `serve` listens: with port 0 asked for, the port the system chose."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def build_app(core: Core, metrics: Metrics, health: Health) -> web.Application:
    app = web.Application()
    app[CORE] = core
    app[METRICS] = metrics
    app[HEALTH] = health
    # aiohttp matches a fixed path before a pattern, so no party can shadow these two.
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    app.router.add_get("/feeds/latest.atom", latest_feed)
    app.router.add_get("/feeds/imcwp.atom", imcwp_feed)
    app.router.add_get("/feeds/{party}.atom", party_feed)
    return app


@asynccontextmanager
async def serve(
    core: Core, metrics: Metrics, health: Health, host: str, port: int
) -> AsyncIterator[Endpoint]:
    """Listen on `host`:`port` (0 for any free port) for the block; stop listening after it."""
    # No access log: a scrape every few seconds would drown the bot's own lines.
    runner = web.AppRunner(build_app(core, metrics, health), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        log.info("HTTP endpoint listening on %s:%d", bound_host, bound_port)
        yield Endpoint(bound_host, bound_port)
    finally:
        await runner.cleanup()


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers and every platform is connected; 503 naming what is not."""
    store = request.app[CORE].store
    down: list[str] = []
    sources: dict[str, dict[str, str | None]] = {}
    try:
        # Reading the sources is the database probe too: one query, not a `SELECT 1` as well.
        async with asyncio.timeout(DATABASE_TIMEOUT):
            states = await store.source_health()
        sources = {
            state.name: {
                "last_success": to_text(state.last_success_at),
                "failing_since": to_text(state.failing_since),
            }
            for state in states
        }
        database = "ok"
    # aiosqlite raises ValueError once its connection is closed.
    except (sqlite3.Error, ValueError, TimeoutError) as error:
        log.warning("health check: the database does not answer: %s", str(error) or "timed out")
        database = "unreachable"
        down.append("database")
    platforms = {}
    for name, connected in request.app[HEALTH]().items():
        platforms[name] = "connected" if connected else "disconnected"
        if not connected:
            down.append(name)
    body: dict[str, object] = {"status": "down" if down else "ok"}
    if down:
        body["down"] = down
    body |= {"database": database, "platforms": platforms, "sources": sources}
    return web.json_response(body, status=503 if down else 200)


async def prometheus(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    await metrics.refresh(request.app[CORE].store)
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def latest_feed(request: web.Request) -> web.Response:
    statements = await request.app[CORE].store.latest(FEED_ENTRIES)
    return _atom(request, "urn:partywire:feed:latest", "Partywire: latest statements", statements)


async def imcwp_feed(request: web.Request) -> web.Response:
    statements = await request.app[CORE].store.by_meeting(None, FEED_ENTRIES)
    return _atom(
        request,
        "urn:partywire:feed:imcwp",
        "Partywire: International Meeting of Communist and Workers' Parties",
        statements,
    )


async def party_feed(request: web.Request) -> web.Response:
    """One party's statements; the party named by id, abbreviation or name, as /party takes it."""
    core = request.app[CORE]
    query = request.match_info["party"]
    try:
        party = core.directory.get(query)
    except KeyError:
        lookup = core.directory.find(query)
        if lookup.country is not None or len(lookup.parties) != 1:
            return web.Response(status=404, text=_not_one_party(query, lookup))
        party = lookup.parties[0]
    title = f"Partywire: {party.name}" + (f" ({party.short})" if party.abbreviations else "")
    statements = await core.store.by_party(party.id, FEED_ENTRIES)
    return _atom(request, f"urn:partywire:feed:party:{party.id}", title, statements)


def _not_one_party(query: str, lookup: PartyLookup) -> str:
    """Why `query` names no single party. A country is refused even when it has one party,
    so a feed's meaning cannot change when the directory gains a second."""
    if not lookup.parties:
        return f"No party is known as {query!r}.\n"
    ids = ", ".join(party.id for party in lookup.parties[:10])
    named = f"a country ({lookup.country})" if lookup.country else f"{len(lookup.parties)} parties"
    return f"{query!r} names {named}, not one party; ask for a party by its id: {ids}\n"


def _atom(
    request: web.Request, feed_id: str, title: str, statements: list[Statement]
) -> web.Response:
    """An Atom feed of `statements`, newest first, as the store returned them."""
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.author(name="Partywire")
    feed.link(href=str(request.url), rel="self", type=ATOM)
    feed.updated(max((s.when for s in statements), default=utcnow()))
    for statement in statements:
        entry = feed.add_entry(order="append")
        entry.id(entry_id(statement))
        entry.title(entry_title(statement.text))
        entry.author(name=statement.source)
        entry.content(_xml_safe(statement.text), type="text")
        if statement.url:
            entry.link(href=statement.url, rel="alternate")
        entry.updated(statement.when)
        if statement.published_at:
            entry.published(statement.published_at)
    return web.Response(body=feed.atom_str(pretty=True), content_type=ATOM, charset="utf-8")


def entry_id(statement: Statement) -> str:
    """The statement's url, else a hash of its text and source.

    Not the row id: a rebuilt database numbers statements afresh, and a reader that
    had seen the old number would silently skip the new statement that reuses it.
    """
    if statement.url:
        return statement.url
    digest = hashlib.sha256(f"{statement.source}\n{statement.text}".encode()).hexdigest()
    return f"urn:partywire:statement:{digest[:32]}"


def entry_title(text: str) -> str:
    """The text itself when short, else cut at a word boundary with an ellipsis."""
    text = _xml_safe(text)
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[: TITLE_LENGTH - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """Without the characters XML forbids (U+FFFE, lone surrogates), which `clean_text`
    keeps and which would make feedgen refuse the whole feed."""
    return _NOT_XML.sub("", text)
