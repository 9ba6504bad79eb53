"""Each source's state in the store: validators, redirects, health, the failure streak."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from bot import migrations
from bot.source_queries import SourceHealth
from bot.store import Store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


async def test_sources_are_synced_with_the_config(store: Store):
    await store.sync_sources({"kke": "https://kke.example/rss", "pcp": "https://pcp.example/rss"})
    assert [h.name for h in await store.source_health()] == ["kke", "pcp"]
    fresh = await store.source_state("kke")
    assert fresh == SourceHealth("kke", "https://kke.example/rss")
    assert not fresh.failing and not fresh.first_load_done

    await store.sync_sources({"kke": "https://kke.example/rss"})
    assert [h.name for h in await store.source_health()] == ["kke"]


async def test_success_records_validators_and_counts(store: Store):
    await store.sync_sources({"kke": "https://kke.example/rss"})
    await store.record_source_success(
        "kke",
        T0,
        T0 + timedelta(minutes=15),
        etag='"v1"',
        last_modified=None,
        moved_to="https://new.example/rss",
        items_seen=20,
        items_stored=20,
    )
    # A 304: validators kept, count kept, the redirect kept.
    await store.record_source_success(
        "kke",
        T0 + timedelta(minutes=15),
        T0 + timedelta(minutes=30),
        etag='"v1"',
        last_modified=None,
        moved_to=None,
        items_seen=None,
    )
    state = await store.source_state("kke")
    assert state.etag == '"v1"'
    assert state.moved_to == "https://new.example/rss"
    assert state.fetch_location == "https://new.example/rss"
    assert state.items_seen == 20 and state.items_stored == 20
    assert state.first_load_done
    assert state.last_success_at == T0 + timedelta(minutes=15)
    assert state.next_poll_at == T0 + timedelta(minutes=30)


async def test_a_failure_streak_is_counted_alerted_once_and_ended_by_success(store: Store):
    await store.sync_sources({"kke": "https://kke.example/rss"})
    first = await store.record_source_failure("kke", T0, "HTTP 503", T0 + timedelta(minutes=15))
    second = await store.record_source_failure(
        "kke", T0 + timedelta(minutes=15), "read timed out", T0 + timedelta(minutes=45)
    )
    assert first.consecutive_failures == 1 and second.consecutive_failures == 2
    assert second.failing_since == T0
    assert second.last_error == "read timed out"
    assert second.failing
    assert await store.mark_source_alerted("kke", T0 + timedelta(hours=6))
    assert not await store.mark_source_alerted("kke", T0 + timedelta(hours=7))

    await store.record_source_success(
        "kke",
        T0 + timedelta(hours=8),
        T0 + timedelta(hours=9),
        etag=None,
        last_modified=None,
        moved_to=None,
        items_seen=3,
    )
    state = await store.source_state("kke")
    assert (state.failing, state.failing_since, state.alerted_at) == (False, None, None)
    assert state.last_error == "read timed out"  # kept for /sources, with its time
    # A new streak may be alerted again.
    await store.record_source_failure("kke", T0 + timedelta(hours=9), "x", T0 + timedelta(hours=10))
    assert await store.mark_source_alerted("kke", T0 + timedelta(hours=16))


async def test_a_changed_location_starts_the_source_afresh(store: Store):
    await store.sync_sources({"kke": "https://kke.example/rss"})
    await store.record_source_success(
        "kke",
        T0,
        T0,
        etag='"v1"',
        last_modified="x",
        moved_to="https://b.example/",
        items_seen=1,
    )
    await store.sync_sources({"kke": "https://kke.example/atom"})
    state = await store.source_state("kke")
    assert state.location == "https://kke.example/atom"
    assert (state.etag, state.last_modified, state.moved_to) == (None, None, None)
    assert not state.first_load_done


async def test_state_survives_reopening(tmp_path):
    path = tmp_path / "db.sqlite3"
    async with Store.open(path) as store:
        await store.sync_sources({"kke": "https://kke.example/rss"})
        await store.record_source_failure("kke", T0, "HTTP 500", T0 + timedelta(hours=1))
    async with Store.open(path) as store:
        state = await store.source_state("kke")
    assert state.consecutive_failures == 1
    assert state.next_poll_at == T0 + timedelta(hours=1)


async def test_the_sources_migration_keeps_existing_statements(tmp_path):
    path = tmp_path / "old.sqlite3"
    before = migrations.MIGRATIONS.index(
        next(m for m in migrations.MIGRATIONS if "CREATE TABLE sources" in m)
    )
    with sqlite3.connect(path) as db:
        for number, script in enumerate(migrations.MIGRATIONS[:before], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        db.execute(
            "INSERT INTO statements (dedupe_key, text, source, fetched_at, sort_at)"
            " VALUES ('k', 'kept', 'test', '2020-01-01T00:00:00+00:00', '2020-01-01T00:00:00+00:00')"
        )
    async with Store.open(path) as store:
        assert await store.schema_version() == migrations.LATEST_VERSION
        assert await store.count_statements() == 1
        assert await store.source_health() == []
