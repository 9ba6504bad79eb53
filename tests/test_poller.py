"""The poller against a real local HTTP server whose feeds and pages change between rounds."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.app import running_bot
from bot.cli import main
from bot.config import (
    Config,
    ConfigError,
    DatabaseConfig,
    HttpConfig,
    ListingSelectorsConfig,
    SourceConfig,
)
from bot.core import Core, open_core
from bot.models import ChatAddress, Subscription
from bot.sources.load import Source, guess_kind, resolve_sources
from bot.sources.poller import Poller
from bot.store import Store
from tests.http_server import Conditional, Streamer, body, redirect, serve

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
KKE = "communist-party-of-greece"


def rss(*items: tuple[str, str], extra: str = "") -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        f"<pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate></item>"
        for title, link in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{entries}{extra}</channel></rss>"
    ).encode()


def listing(*titles: str, next_href: str | None = None) -> bytes:
    rows = "".join(
        f'<div class="row"><a href="/a/{t.replace(" ", "-")}">{t}</a></div>' for t in titles
    )
    pager = f'<a class="next" href="{next_href}">older</a>' if next_href else ""
    return (
        f"<html><head><script>var x = 'Script text is not a statement';</script></head>"
        f"<body>{rows}{pager}</body></html>"
    ).encode()


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@asynccontextmanager
async def open_bot(tmp_path: Path, **config) -> AsyncIterator[Core]:
    config.setdefault("http", HttpConfig(timeout_seconds=2, alert_after_hours=6))
    async with open_core(Config(**config), tmp_path / "partywire.sqlite3") as core:
        chat = await core.store.chat(ChatAddress("telegram", "42"), "private")
        await core.store.subscribe(chat.id, Subscription("all"))
        yield core


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with open_bot(tmp_path) as opened:
        yield opened


async def pushed(store: Store) -> int:
    return sum((await store.outbox_counts()).values())


def feed_source(base: str, name: str = "portal", path: str = "/feed", **options) -> Source:
    return Source(name, "feed", f"{base}{path}", interval=15 * 60, **options)


# Rounds: first load, unchanged, changed.


async def test_first_load_is_stored_not_pushed_then_only_new_statements_are_pushed(core, client):
    page = Conditional(rss(("First statement of the day", "https://x.example/1")), etag='"v1"')
    async with serve({"/feed": page.handle}) as base:
        clock, wakes = Clock(), Wakes()
        source = feed_source(base)
        poller = Poller(core, client, wake=wakes, sources=[source], clock=clock)

        first = await poller.poll(source)
        assert (first.outcome, first.first_load, first.stored, first.pushed) == (
            "stored",
            True,
            1,
            0,
        )
        assert await pushed(core.store) == 0 and wakes.count == 0

        clock.advance(minutes=15)
        unchanged = await poller.poll(source)
        assert unchanged.outcome == "not_modified"
        assert (unchanged.seen, unchanged.stored) == (0, 0)
        assert page.requests[-1]["If-None-Match"] == '"v1"'

        page.data = rss(
            ("Second statement, new today", "https://x.example/2"),
            ("First statement of the day", "https://x.example/1"),
        )
        page.etag = '"v2"'
        clock.advance(minutes=15)
        changed = await poller.poll(source)
        assert (changed.outcome, changed.first_load, changed.stored, changed.pushed) == (
            "stored",
            False,
            1,
            1,
        )
    assert await core.store.count_statements() == 2
    assert await pushed(core.store) == 1
    assert [s.text for s in await core.store.latest(1)] == ["Second statement, new today"]
    assert wakes.count == 1
    health = (await core.store.source_health())[0]
    assert (health.etag, health.items_seen, health.items_stored) == ('"v2"', 2, 2)
    assert health.next_poll_at == clock.now + timedelta(minutes=15)


async def test_a_304_is_cheap(core, client):
    big = rss(
        *[(f"Statement number {i} of a long feed", f"https://x.example/{i}") for i in range(300)]
    )
    page = Conditional(big, last_modified="Wed, 01 May 2024 10:00:00 GMT")
    async with serve({"/feed": page.handle}) as base:
        source = feed_source(base)
        poller = Poller(core, client, sources=[source], clock=Clock())
        full = await poller.poll(source)
        cheap = await poller.poll(source)
    assert full.stored == 300
    assert cheap.outcome == "not_modified" and cheap.stored == 0
    assert page.requests[-1]["If-Modified-Since"] == "Wed, 01 May 2024 10:00:00 GMT"
    assert await core.store.count_statements() == 300


async def test_push_backlog_pushes_the_first_load(core, client):
    async with serve({"/feed": body(rss(("Backlog item to push", "https://x.example/1")))}) as base:
        source = feed_source(base, push_backlog=True)
        report = await Poller(core, client, sources=[source], clock=Clock()).poll(source)
    assert report.pushed == 1
    assert await pushed(core.store) == 1


async def test_html_first_load_follows_pages_later_polls_read_only_the_first(core, client):
    first_page = Conditional(listing("Newest statement on the listing", next_href="/list2"))
    routes = {
        "/list": first_page.handle,
        "/list2": body(listing("Older statement on page two", next_href="/list3")),
        "/list3": body(listing("Oldest statement on page three", next_href="/list")),
    }
    async with serve(routes) as base:
        source = Source(
            "site",
            "html",
            f"{base}/list",
            interval=60,
            max_pages=5,
            selectors=resolve_selectors(item="div.row", next_page="a.next"),
        )
        poller = Poller(core, client, sources=[source], clock=Clock())
        first = await poller.poll(source)
        first_page.data = listing(
            "Brand new statement on top", "Newest statement on the listing", next_href="/list2"
        )
        later = await poller.poll(source)
    assert (first.seen, first.stored, first.pushed) == (3, 3, 0)  # the loop back to /list ends it
    assert (later.seen, later.stored, later.pushed) == (2, 1, 1)
    texts = {s.text for s in await core.store.latest(10)}
    assert "Script text is not a statement" not in " ".join(texts)


def resolve_selectors(**selectors):
    config = Config(
        sources=(
            SourceConfig(
                "s", "html", "https://x.example/", selectors=ListingSelectorsConfig(**selectors)
            ),
        )
    )
    from bot.directory import Directory

    return resolve_sources(config, Directory.load())[0].selectors


async def test_text_sources_by_url_and_by_file(core, client, tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("A statement in a local text dump\n\n", encoding="utf-8")
    page = Conditional("Déclaration du parti communiste\n".encode("latin-1"), etag='"t"')

    async def latin(request: web.Request) -> web.Response:
        response = await page.handle(request)
        response.headers["Content-Type"] = "text/plain; charset=ISO-8859-1"
        return response

    async with serve({"/dump": latin}) as base:
        by_url = Source("remote", "text", f"{base}/dump")
        by_file = Source("local", "text", str(dump))
        poller = Poller(core, client, sources=[by_url, by_file], clock=Clock())
        assert (await poller.poll(by_url)).stored == 1
        assert (await poller.poll(by_file)).stored == 1
        assert (await poller.poll(by_file)).outcome == "not_modified"
        dump.write_text("A statement in a local text dump\nAnd one added later\n", encoding="utf-8")
        added = await poller.poll(by_file)
    assert (added.stored, added.pushed) == (1, 1)
    texts = {s.text for s in await core.store.latest(10)}
    assert "Déclaration du parti communiste" in texts  # the declared charset honoured


async def test_a_party_source_attributes_every_statement(core, client):
    items = rss(("Statement on the strike at the port", "https://kke.example/1"))
    async with serve({"/feed": body(items)}) as base:
        source = feed_source(base, name="kke", party=KKE)
        await Poller(core, client, sources=[source], clock=Clock()).poll(source)
    (statement,) = await core.store.latest(1)
    assert statement.parties == (KKE,)


# Failures, backoff, alerts, redirects.


async def test_a_failing_source_backs_off_and_alerts_once_per_streak(core, client):
    alerts: list[tuple[str, str]] = []

    async def on_alert(name: str, message: str) -> None:
        alerts.append((name, message))

    page = Conditional(rss(("Statement from a site that comes back", "https://x.example/1")))
    broken = True

    async def flaky(request: web.Request) -> web.Response:
        if broken:
            return web.Response(status=503, text="down")
        return await page.handle(request)

    async with serve({"/feed": flaky}) as base:
        clock = Clock()
        source = feed_source(base)
        poller = Poller(core, client, sources=[source], clock=clock, on_alert=on_alert)
        waits = []
        for _ in range(10):
            report = await poller.poll(source)
            assert report.outcome == "failed" and report.error.startswith("HTTP 503")
            state = await core.store.source_state(source.name)
            waits.append((state.next_poll_at - clock.now).total_seconds() / 60)
            clock.now = state.next_poll_at
        assert state.consecutive_failures == 10
        assert len(alerts) == 1 and alerts[0][0] == "portal" and "HTTP 503" in alerts[0][1]
        broken = False
        assert (await poller.poll(source)).stored == 1
        assert not (await core.store.source_state(source.name)).failing
        # A new streak alerts again once it is old enough.
        broken = True
        for _ in range(12):
            await poller.poll(source)
            clock.now = (await core.store.source_state(source.name)).next_poll_at
    assert len(alerts) == 2
    # 15 min doubling, with 20% jitter, up to the 60 min ceiling.
    assert 12 <= waits[0] <= 18 and 24 <= waits[1] <= 36
    assert all(48 <= w <= 72 for w in waits[2:])
    assert await core.store.count_statements() == 1


async def test_a_permanent_redirect_is_remembered(core, client):
    new = Conditional(rss(("Statement at the new address", "https://x.example/1")), etag='"n"')
    old_hits = []

    async def old(request: web.Request) -> web.Response:
        old_hits.append(request.path)
        return await redirect("/new", 301)(request)

    async with serve({"/old": old, "/new": new.handle}) as base:
        source = feed_source(base, path="/old")
        poller = Poller(core, client, sources=[source], clock=Clock())
        await poller.poll(source)
        again = await poller.poll(source)
    assert len(old_hits) == 1
    assert again.outcome == "not_modified"
    state = await core.store.source_state("portal")
    assert state.moved_to == f"{base}/new"
    assert state.location == f"{base}/old"


async def test_a_temporary_redirect_is_not_remembered(core, client):
    async with serve(
        {
            "/old": redirect("/new", 302),
            "/new": body(rss(("Statement behind a 302", "https://x.example/1"))),
        }
    ) as base:
        source = feed_source(base, path="/old")
        await Poller(core, client, sources=[source], clock=Clock()).poll(source)
    assert (await core.store.source_state("portal")).moved_to is None


BAD_INPUTS = {
    "/malformed": body(
        b"<rss><channel><item><title>unclosed", headers={"Content-Type": "application/rss+xml"}
    ),
    "/empty": body(b""),
    "/no-items": body(rss(), headers={"Content-Type": "application/rss+xml"}),
    "/not-a-feed": body(b"<html><body>hello</body></html>", headers={"Content-Type": "text/html"}),
    "/bare-entries": body(
        rss(
            extra="<item></item><item><description>Only a summary, no title, link or date</description></item>"
        )
    ),
    "/scripts": body(
        rss(("&lt;script&gt;alert(1)&lt;/script&gt;A title with a script", "javascript:alert(1)"))
    ),
    "/wrong-charset": body(
        rss(("Déclaration commune des partis", "https://x.example/c")),
        headers={"Content-Type": "application/rss+xml; charset=koi8-r"},
    ),
    "/gone": body(b"gone", status=410),
}


async def test_bad_input_gives_a_per_source_error_or_a_best_effort(core, client):
    huge = Streamer(2 * 1024**3)
    endless = Streamer(10**9, chunk=16, interval=0.05)
    routes = {**BAD_INPUTS, "/huge": huge.handle, "/endless": endless.handle}
    config = replace(core.config, http=HttpConfig(timeout_seconds=0.5, max_body_megabytes=1))
    core = replace(core, config=config)
    async with serve(routes) as base:
        sources = [feed_source(base, name=path.strip("/"), path=path) for path in routes]
        poller = Poller(core, client, sources=sources, clock=Clock())
        reports = {r.source: r for r in await asyncio.gather(*map(poller.poll, sources))}
    failed = {name for name, r in reports.items() if r.outcome == "failed"}
    assert failed == {"malformed", "empty", "not-a-feed", "gone", "huge", "endless"}
    assert reports["no-items"].outcome == "stored" and reports["no-items"].seen == 0
    assert reports["bare-entries"].stored == 1
    assert reports["scripts"].stored == 1 and reports["wrong-charset"].stored == 1
    assert "larger than" in reports["huge"].error
    assert "no complete response" in reports["endless"].error
    assert huge.sent < 20 * 1024 * 1024
    assert endless.sent < 10**6, "the endless page was abandoned at the deadline"
    texts = [s.text for s in await core.store.latest(10)]
    assert "A title with a script" in " ".join(texts)
    assert all("alert(1)" not in t for t in texts)
    scripted = next(s for s in await core.store.latest(10) if "script" in s.text)
    assert scripted.url is None  # a javascript: link is dropped
    health = {h.name: h for h in await core.store.source_health()}
    assert health["empty"].last_error == "empty body"
    assert health["gone"].consecutive_failures == 1


async def test_a_bad_poll_never_loses_what_was_stored(core, client):
    page = Conditional(rss(("A statement stored before the feed broke", "https://x.example/1")))
    async with serve({"/feed": page.handle}) as base:
        source = feed_source(base)
        poller = Poller(core, client, sources=[source], clock=Clock())
        await poller.poll(source)
        page.data = b"<rss><channel><item><title>broken"
        assert (await poller.poll(source)).outcome == "failed"
    assert await core.store.count_statements() == 1


# Config checks.


@pytest.mark.parametrize(
    ("source", "key"),
    [
        (SourceConfig("a", "feed", "https://x.example/", party="Nobody Party"), "sources[0].party"),
        (
            SourceConfig("a", "feed", "https://x.example/", interval_minutes=0.5),
            "sources[0].interval_minutes",
        ),
        (SourceConfig("a", "html", "https://x.example/"), "sources[0].selectors"),
        (
            SourceConfig(
                "a", "html", "https://x.example/", selectors=ListingSelectorsConfig("div[")
            ),
            "sources[0].selectors.item",
        ),
        (SourceConfig("a", "feed", "/tmp/feed.xml"), "sources[0].location"),
    ],
)
def test_config_mistakes_name_their_key(directory, source, key):
    with pytest.raises(ConfigError, match="^" + re.escape(key) + ":"):
        resolve_sources(Config(sources=(source,)), directory)


def test_party_may_be_named_by_abbreviation_and_a_second_name_is_refused(directory):
    kke = SourceConfig("kke", "feed", "https://kke.example/", party="KKE")
    (source,) = resolve_sources(Config(sources=(kke,)), directory)
    assert source.party == KKE
    with pytest.raises(ConfigError, match=r"^sources\[1\]\.name:"):
        resolve_sources(Config(sources=(kke, kke)), directory)


def test_guessing_the_kind():
    assert guess_kind("https://x/dump.txt", None, b"hello") == "text"
    assert guess_kind("https://x/", "text/plain; charset=utf-8", b"hello") == "text"
    assert guess_kind("https://x/", "application/rss+xml", b"<rss/>") == "feed"
    assert (
        guess_kind("https://x/", "text/html", b"\xef\xbb\xbf<?xml version='1.0'?><feed/>") == "feed"
    )
    assert guess_kind("https://x/", "text/html", b"<!doctype html><html/>") is None


# Concurrency, with time scaled so that one minute lasts 50 ms.

SCALE = 1200.0


class ScaledTime:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def clock(self) -> datetime:
        return T0 + timedelta(seconds=(time.monotonic() - self.start) * SCALE)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / SCALE)


async def test_sources_are_polled_concurrently_and_a_bad_one_delays_none(tmp_path, client):
    good = Conditional(rss(("Statement zero", "https://x.example/0")), etag='"0"')
    endless = Streamer(10**9, chunk=16, interval=0.05)
    failing_hits = []

    async def failing(request: web.Request) -> web.Response:
        failing_hits.append(time.monotonic())
        return web.Response(status=500)

    routes = {"/good": good.handle, "/endless": endless.handle, "/failing": failing}
    async with open_bot(
        tmp_path, http=HttpConfig(timeout_seconds=5, alert_after_hours=0.25)
    ) as core:
        alerts = []
        async with serve(routes) as base:
            sources = [
                Source(name.strip("/"), "feed", f"{base}{name}", interval=60) for name in routes
            ]
            scaled = ScaledTime()
            wakes = Wakes()
            poller = Poller(
                core,
                client,
                sources=sources,
                clock=scaled.clock,
                sleep=scaled.sleep,
                wake=wakes,
                on_alert=lambda name, message: alerts.append(name),
            )
            task = asyncio.create_task(poller.run())
            for round_ in range(1, 6):
                await asyncio.sleep(0.06)  # a little over one scaled minute
                good.data = rss(
                    *[(f"Statement {i}", f"https://x.example/{i}") for i in range(round_ + 1)]
                )
                good.etag = f'"{round_}"'
                served = len(good.requests)
                for _ in range(1000):  # until the next poll has seen this round's feed
                    if len(good.requests) > served:
                        break
                    await asyncio.sleep(0.005)
            await asyncio.sleep(
                3.2
            )  # 64 scaled minutes: the failing source passes the 15 min alert threshold
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        good_polls = len(good.requests)
        assert (
            good_polls >= 30
        )  # ~once a scaled minute (about 65 in all) while the endless one hangs
        assert 4 <= len(failing_hits) <= 8  # 1, 2, 4, 8, 16, 32 ... scaled minutes apart
        assert alerts == ["failing"]
        assert await core.store.count_statements() == 6
        assert await pushed(core.store) == 5  # all but the first load
        assert wakes.count == 5
        health = {h.name: h for h in await core.store.source_health()}
        assert health["good"].items_stored == 6 and not health["good"].failing
        # The endless page is still trickling (its deadline is 10 s): it held up nobody.
        assert endless.sent > 0 and health["endless"].last_success_at is None


# The whole bot, and the command line.


async def test_running_bot_polls_its_sources_without_any_chat_platform(tmp_path):
    items = rss(("A statement for the whole bot", "https://x.example/1"))
    async with serve({"/feed": body(items)}) as base:
        config = Config(
            database=DatabaseConfig(path=str(tmp_path / "bot.sqlite3")),
            sources=(SourceConfig("portal", "feed", f"{base}/feed"),),
        )
        async with running_bot(config) as senders:
            assert senders == []
            async with Store.open(tmp_path / "bot.sqlite3") as other:
                for _ in range(100):
                    if await other.count_statements():
                        break
                    await asyncio.sleep(0.05)
                assert await other.count_statements() == 1
                (state,) = await other.source_health()
                assert state.first_load_done


def run_cli(*argv: str) -> int:
    return main(list(argv))


async def test_cli_ingest_urls_of_every_kind(tmp_path, capsys):
    config_file = tmp_path / "partywire.yaml"
    config_file.write_text(f"database:\n  path: {tmp_path / 'cli.sqlite3'}\n", encoding="utf-8")
    async with Store.open(tmp_path / "cli.sqlite3") as store:
        chat = await store.chat(ChatAddress("telegram", "42"), "private")
        await store.subscribe(chat.id, Subscription("all"))
    routes = {
        "/feed": body(rss(("A statement from a feed by URL", "https://x.example/f"))),
        "/dump.txt": body(b"A statement from a text dump by URL\n"),
        "/page": body(
            listing("A statement from a listing by URL"), headers={"Content-Type": "text/html"}
        ),
    }
    async with serve(routes) as base:
        config = ("--config", str(config_file))
        assert (
            await asyncio.to_thread(run_cli, "ingest", *config, f"{base}/feed", f"{base}/dump.txt")
            == 0
        )
        assert await asyncio.to_thread(run_cli, "ingest", *config, f"{base}/page") == 2
        assert "--kind html" in capsys.readouterr().err
        assert (
            await asyncio.to_thread(
                run_cli,
                "ingest",
                *config,
                "--no-push",
                "--item-selector",
                "div.row",
                f"{base}/page",
            )
            == 0
        )
    async with Store.open(tmp_path / "cli.sqlite3") as store:
        assert await store.count_statements() == 3
        assert await pushed(store) == 2  # pushed by default; --no-push stored only


async def test_one_statement_from_a_portal_and_the_party_site_is_stored_once(core, client):
    title = "Statement of the Communist Party on the general strike against the new labour law"
    routes = {
        "/portal": body(rss((f"KKE: {title}", "https://portal.example/kke-strike"))),
        "/kke": body(listing(title, "A statement only the party site has")),
    }
    async with serve(routes) as base:
        portal = feed_source(base, path="/portal")
        site = Source(
            "kke",
            "html",
            f"{base}/kke",
            party=KKE,
            selectors=resolve_selectors(item="div.row"),
        )
        poller = Poller(core, client, sources=[portal, site], clock=Clock())
        reports = await asyncio.gather(poller.poll(portal), poller.poll(site))
    assert sum(r.stored for r in reports) == 2
    assert sum(r.near_duplicates for r in reports) == 1
    assert await core.store.count_statements() == 2
