"""Operators can copy, check and export the archive while the bot keeps writing."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3

from bot.export import export
from bot.ingest import ingest
from bot.models import RawStatement
from bot.store import Store


async def test_a_backup_taken_while_writes_go_on_holds_every_committed_statement(
    tmp_path, recogniser
):
    path, copy = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    async with Store.open(path) as store, Store.open(path) as writer:
        await ingest(store, recogniser, [RawStatement(f"Before {n}", "t") for n in range(500)])

        async def keep_writing() -> None:
            for n in range(20):
                await ingest(
                    writer, recogniser, [RawStatement(f"During {n}-{i}", "t") for i in range(50)]
                )
                await asyncio.sleep(0)

        writing = asyncio.create_task(keep_writing())
        await store.backup(copy)
        await writing
    with sqlite3.connect(copy) as db:
        texts = {row[0] for row in db.execute("SELECT text FROM statements")}
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert {f"Before {n}" for n in range(500)} <= texts
    during = [text for text in texts if text.startswith("During")]
    assert len(during) % 50 == 0, "the copy holds whole transactions only"


async def test_check_reports_a_healthy_database_as_clean(store, recogniser):
    await ingest(store, recogniser, [RawStatement("KKE statement", "t")])
    assert await store.check() == []


async def test_check_finds_a_damaged_full_text_index(tmp_path, recogniser):
    path = tmp_path / "db.sqlite3"
    async with Store.open(path) as store:
        await ingest(store, recogniser, [RawStatement("KKE statement", "t")])
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM statements_fts_data WHERE id > 10")
    async with Store.open(path) as store:
        assert any("full-text" in problem for problem in await store.check())


async def test_export_writes_every_statement_as_jsonl_or_csv(store, recogniser, directory):
    texts = ["Communist Party of Greece (KKE) statement", "TKP statement", "No party here"]
    await ingest(
        store,
        recogniser,
        [RawStatement(t, "t", url=f"https://x.org/{n}") for n, t in enumerate(texts)],
    )
    out = io.StringIO()
    assert await export(store, directory, out, "jsonl") == 3
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["text"] for r in records] == texts
    assert records[0]["parties"] == ["Communist Party of Greece"]
    out = io.StringIO()
    assert await export(store, directory, out, "csv", party_id="communist-party-of-turkey") == 1
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["text"] == "TKP statement" and row["url"] == "https://x.org/1"
