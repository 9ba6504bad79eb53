"""The store keeps every statement once, finds it again, and survives schema changes."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import migrations
from bot.models import ChatAddress, RawStatement, Recognition, Subscription
from bot.search_query import parse_search
from bot.store import DatabaseTooNew, Recognised, Store


def item(text: str, *parties: str, url: str | None = None, day: int | None = None, meeting=None):
    published = datetime(2020, 1, day, tzinfo=UTC) if day else None
    return Recognised(
        RawStatement(text, "test", url=url, published_at=published),
        Recognition(parties=parties, imcwp=meeting is not None, meeting=meeting),
    )


async def test_a_new_database_is_at_the_latest_schema(store: Store):
    assert await store.schema_version() == migrations.LATEST_VERSION


@pytest.mark.parametrize("version", range(migrations.LATEST_VERSION))
async def test_every_earlier_schema_migrates_and_keeps_its_data(tmp_path, version):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        for number, script in enumerate(migrations.MIGRATIONS[:version], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        if version >= 1:
            db.execute(
                "INSERT INTO statements (dedupe_key, text, source, fetched_at, sort_at)"
                " VALUES ('k', 'Kept across migrations', 'old', '2020-01-01T00:00:00+00:00',"
                " '2020-01-01T00:00:00+00:00')"
            )
    async with Store.open(path) as store:
        assert await store.schema_version() == migrations.LATEST_VERSION
        if version >= 1:
            assert [s.text for s in await store.latest(5)] == ["Kept across migrations"]


async def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite3"
    async with Store.open(path):
        pass
    broken = "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    monkeypatch.setattr("bot.store.MIGRATIONS", (*migrations.MIGRATIONS, broken))
    monkeypatch.setattr("bot.store.LATEST_VERSION", migrations.LATEST_VERSION + 1)
    with pytest.raises(sqlite3.OperationalError):
        async with Store.open(path):
            pass
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchall()


async def test_a_database_from_a_newer_partywire_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 1}")
    with pytest.raises(DatabaseTooNew, match="upgrade Partywire"):
        async with Store.open(path):
            pass


async def test_the_same_text_is_stored_once_whatever_its_case_spacing_or_unicode_form(store):
    first = await store.add_statements([item("The KKE  held a rally")])
    again = await store.add_statements(
        [
            item("the kke held a rally "),
            item("ＴＨＥ KKE held\ta rally"),
            item("The KKE held a rally"),
        ]
    )
    assert len(first) == 1
    assert again == []
    assert await store.count_statements() == 1


async def test_a_url_identifies_a_statement_whatever_its_text(store):
    await store.add_statements([item("Old title", url="https://example.org/1")])
    assert await store.add_statements([item("New title", url="https://example.org/1")]) == []
    assert len(await store.add_statements([item("Old title", url="https://example.org/2")])) == 1


async def test_statements_come_back_with_what_they_name_newest_first(store):
    await store.add_statements(
        [
            item("older", "kke", day=1),
            item("newer", "tkp", "kke", day=3),
            item("undated", "tkp"),
            item("middle", "tkp", day=2),
        ]
    )
    kke = await store.by_party("kke", 10)
    assert [s.text for s in kke] == ["newer", "older"]
    assert kke[0].parties == ("tkp", "kke")
    tkp = await store.by_party("tkp", 2, offset=1)
    assert [s.text for s in tkp] == ["newer", "middle"]


async def test_meeting_statements_are_found_by_ordinal_or_all_together(store):
    await store.add_statements(
        [item("21st", meeting=21, day=1), item("22nd", meeting=22, day=2), item("none")]
    )
    assert [s.text for s in await store.by_meeting(21, 10)] == ["21st"]
    assert [s.text for s in await store.by_meeting(None, 10)] == ["22nd", "21st"]


async def test_search_finds_words_and_phrases_ignoring_diacritics(store):
    await store.add_statements(
        [
            item("Meeting in İzmir opened"),
            item("General strike in Greece"),
            item("A strike, general"),
        ]
    )
    found = await store.search(parse_search("izmir").fts(), 10)
    assert [s.text for s in found] == ["Meeting in İzmir opened"]
    phrase = await store.search(parse_search('"general strike"').fts(), 10)
    assert [s.text for s in phrase] == ["General strike in Greece"]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text())
async def test_no_search_string_can_break_the_query(store, text):
    terms = parse_search(text)
    if terms is not None:
        assert isinstance(await store.search(terms.fts(), 5), list)


@pytest.mark.parametrize(
    "hostile",
    [
        '"unbalanced',
        "NEAR(a b",
        "a AND OR NOT",
        "col:value",
        "*",
        "(((",
        "'; DROP TABLE statements; --",
    ],
)
async def test_fts_syntax_typed_by_users_is_taken_as_words(store, hostile):
    await store.add_statements([item("DROP TABLE statements is just text")])
    terms = parse_search(hostile)
    found = [] if terms is None else await store.search(terms.fts(), 5)
    assert await store.count_statements() == 1
    assert all("drop" in s.text.lower() for s in found)


async def test_two_processes_writing_at_once_both_succeed(tmp_path):
    path = tmp_path / "shared.sqlite3"
    async with Store.open(path) as one, Store.open(path) as two:
        await asyncio.gather(
            *(
                s.add_statements([item(f"{n}-{i}") for i in range(200)])
                for n, s in enumerate((one, two))
                for _ in range(3)
            )
        )
        assert await one.count_statements() == 400


async def test_subscriptions_belong_to_a_chat_and_go_when_it_is_forgotten(store):
    address = ChatAddress("telegram", "42")
    chat = await store.chat(address, "private")
    assert await store.subscribe(chat.id, Subscription("party", "kke"))
    assert not await store.subscribe(chat.id, Subscription("party", "kke"))
    await store.subscribe(chat.id, Subscription("all"))
    assert await store.subscriptions(chat.id) == [Subscription("all"), Subscription("party", "kke")]
    assert await store.unsubscribe(chat.id, Subscription("all")) == 1
    assert await store.forget(address)
    assert await store.find_chat(address) is None
    again = await store.chat(address, "private")
    assert await store.subscriptions(again.id) == []


async def test_a_forum_topic_is_a_chat_of_its_own(store):
    group = await store.chat(ChatAddress("telegram", "-100", None), "group")
    topic = await store.chat(ChatAddress("telegram", "-100", "7"), "group")
    assert group.id != topic.id
    assert (await store.find_chat(ChatAddress("telegram", "-100", "7"))).address.thread_id == "7"
