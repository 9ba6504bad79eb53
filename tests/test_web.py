"""The HTTP endpoint over real HTTP: health, and Atom feeds read back with feedparser."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
import pytest

from bot.config import Config
from bot.core import open_core
from bot.ingest import ingest
from bot.metrics import Metrics
from bot.models import RawStatement, Statement
from bot.web import FEED_ENTRIES, TITLE_LENGTH, entry_id, serve
from tests.endpoint import endpoint_client

START = datetime(2024, 3, 1, tzinfo=UTC)
KKE = "communist-party-of-greece"
IMCWP_TEXT = "Statement of the 24th International Meeting of Communist and Workers' Parties"


@pytest.fixture
def platforms():
    """What the health callable reports; a test changes it to take a platform down."""
    return {"telegram": True, "matrix": True}


@pytest.fixture
async def client(core, platforms):
    async with endpoint_client(core, Metrics(), lambda: platforms) as http:
        yield http


async def add(core, *raws: RawStatement) -> None:
    await ingest(core.store, core.recogniser, raws, audience=core.audience)


def statement(number: int, **fields) -> RawStatement:
    fields.setdefault("text", f"Statement number {number} on the general strike")
    fields.setdefault("url", f"https://example.org/statements/{number}")
    return RawStatement(source="test", published_at=START + timedelta(hours=number), **fields)


async def feed(client: httpx.AsyncClient, path: str) -> feedparser.FeedParserDict:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    return parsed


# Health


async def test_healthz_reports_database_platforms_and_sources(core, client):
    store = core.store
    await store.sync_sources({"kke": "https://inter.kke.gr/rss", "broken": "https://x.invalid/"})
    await store.record_source_success(
        "kke",
        START,
        START + timedelta(minutes=15),
        etag=None,
        last_modified=None,
        moved_to=None,
        items_seen=3,
    )
    await store.record_source_failure("broken", START, "timed out", START + timedelta(hours=1))

    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "platforms": {"telegram": "connected", "matrix": "connected"},
        "sources": {
            "broken": {"last_success": None, "failing_since": "2024-03-01T00:00:00+00:00"},
            "kke": {"last_success": "2024-03-01T00:00:00+00:00", "failing_since": None},
        },
    }


async def test_healthz_is_503_naming_a_disconnected_platform(client, platforms):
    platforms["matrix"] = False

    response = await client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["matrix"]
    assert body["database"] == "ok"
    assert body["platforms"] == {"telegram": "connected", "matrix": "disconnected"}


async def test_healthz_is_503_when_the_database_is_closed(tmp_path):
    async with open_core(Config(), tmp_path / "db.sqlite3") as core:
        pass  # leaving the block closes the store the endpoint still holds

    async with endpoint_client(core, Metrics(), lambda: {"telegram": True}) as http:
        response = await http.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["database"]
    assert body["database"] == "unreachable"
    assert body["platforms"] == {"telegram": "connected"}


async def test_serve_stops_listening_when_the_block_ends(core):
    async with serve(core, Metrics(), lambda: {}, "127.0.0.1", 0) as endpoint:
        assert endpoint.port != 0
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{endpoint.url}/healthz")).status_code == 200
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{endpoint.url}/healthz")


# Feeds


async def test_latest_feed_is_newest_first_and_capped(core, client):
    await add(core, *(statement(n) for n in range(FEED_ENTRIES + 5)))

    parsed = await feed(client, "/feeds/latest.atom")

    newest = FEED_ENTRIES + 4
    assert len(parsed.entries) == FEED_ENTRIES
    assert [e.link for e in parsed.entries[:3]] == [
        f"https://example.org/statements/{n}" for n in (newest, newest - 1, newest - 2)
    ]
    first = parsed.entries[0]
    assert first.title == f"Statement number {newest} on the general strike"
    assert first.id == f"https://example.org/statements/{newest}"
    assert first.content[0].value == first.title
    assert first.published_parsed[:4] == (2024, 3, 3, 6)  # START + 54 hours
    assert first.author == "test"
    assert parsed.feed.title == "Partywire: latest statements"
    assert parsed.feed.id == "urn:partywire:feed:latest"
    assert parsed.feed.updated_parsed[:4] == (2024, 3, 3, 6)
    self_link = next(link for link in parsed.feed.links if link.rel == "self")
    assert self_link.href == str(client.base_url.join("/feeds/latest.atom"))


async def test_feed_escapes_markup_in_statement_text(core, client):
    text = "Workers <b>unite</b> & fight: R&D cuts <script>alert(1)</script>"
    await add(core, statement(1, text=text, url="https://example.org/a?x=1&y=2"))

    response = await client.get("/feeds/latest.atom")
    parsed = feedparser.parse(response.content)

    assert "&lt;b&gt;unite&lt;/b&gt; &amp; fight" in response.text
    assert "<script>" not in response.text
    (entry,) = parsed.entries
    assert entry.content[0].type == "text/plain"
    assert entry.content[0].value == text
    assert entry.link == "https://example.org/a?x=1&y=2"


async def test_long_text_gets_a_short_title_and_the_full_content(core, client):
    text = "The working class " + "organises and struggles " * 20 + "for socialism."
    await add(core, statement(1, text=text))

    (entry,) = (await feed(client, "/feeds/latest.atom")).entries

    assert len(entry.title) <= TITLE_LENGTH
    assert entry.title.endswith("…")
    assert text.startswith(entry.title[:-1])
    assert entry.content[0].value == text


async def test_statement_without_url_has_a_urn_and_no_link(core, client):
    await add(core, statement(1, url=None))

    (entry,) = (await feed(client, "/feeds/latest.atom")).entries

    assert entry.id.startswith("urn:partywire:statement:")
    assert "links" not in entry  # feedparser copies the id into `link`, but no <link> was sent


def test_entry_id_survives_renumbering_but_tells_statements_apart():
    """A rebuilt database gives a statement a new row id; readers must not see a new entry,
    nor take a different statement that reuses the old number for one they have read."""
    kept = Statement(
        id=7, text="On the strike", source="a", url=None, published_at=None, fetched_at=START
    )
    renumbered = dataclasses.replace(kept, id=1)
    other = dataclasses.replace(kept, text="On the lockout")

    assert entry_id(kept) == entry_id(renumbered)
    assert entry_id(other) != entry_id(kept)
    assert (
        entry_id(dataclasses.replace(kept, url="https://example.org/s")) == "https://example.org/s"
    )


@pytest.mark.parametrize("name", ["KKE", "kke", KKE, "Communist%20Party%20of%20Greece"])
async def test_party_feed_by_abbreviation_id_or_name(core, client, name):
    await add(
        core,
        statement(1, text="KKE on the general strike"),
        statement(2, text="Another party's statement", parties=("communist-party-of-britain",)),
        statement(3, text="The KKE salutes the dockers"),
    )

    parsed = await feed(client, f"/feeds/{name}.atom")

    assert [e.title for e in parsed.entries] == [
        "The KKE salutes the dockers",
        "KKE on the general strike",
    ]
    assert parsed.feed.title == "Partywire: Communist Party of Greece (KKE)"
    assert parsed.feed.id == f"urn:partywire:feed:party:{KKE}"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("no-such-party", "No party is known as 'no-such-party'"),
        ("cpb", "names 3 parties"),
        ("greece", "names a country (Greece)"),
    ],
)
async def test_party_feed_is_404_unless_one_party_is_named(client, name, says):
    response = await client.get(f"/feeds/{name}.atom")

    assert response.status_code == 404
    assert says in response.text


async def test_imcwp_feed_holds_only_imcwp_statements(core, client):
    await add(
        core,
        statement(1, text=IMCWP_TEXT),
        statement(2, text="KKE on the general strike"),
        statement(3, text=f"Resolution: {IMCWP_TEXT} on Palestine"),
    )

    parsed = await feed(client, "/feeds/imcwp.atom")

    assert [e.link for e in parsed.entries] == [
        "https://example.org/statements/3",
        "https://example.org/statements/1",
    ]
    assert parsed.feed.id == "urn:partywire:feed:imcwp"


async def test_empty_feed_is_still_valid_atom(client):
    parsed = await feed(client, "/feeds/imcwp.atom")

    assert parsed.entries == []
    assert parsed.feed.updated_parsed is not None
