"""Ingest speed: the whole pipeline against a bare SQLite insert of the same rows.

    python -m bench.ingest [--count 100000]

Statements are made by combining the sample lines with varied party names and
dates. The pipeline (recognise, dedupe, store in batches through aiosqlite) is
timed against `sqlite3.executemany` of the very rows it stored, into the same
schema (indexes and full-text triggers included), in one transaction. Target:
the pipeline runs at a third of the bare insert's rate or better.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.directory import Directory
from bot.ingest import ingest
from bot.models import RawStatement
from bot.recognise import Recogniser
from bot.sources.text import parse_text
from bot.store import Store
from bot.terminal import sample_texts

TABLES = ("statements", "statement_parties", "statement_ambiguous")


def statements(count: int, directory: Directory) -> list[RawStatement]:
    lines = [raw.text for _, text in sample_texts() for raw in parse_text(text, "sample")]
    parties = directory.parties
    start = datetime(2015, 1, 1, tzinfo=UTC)
    made = []
    for n in range(count):
        party, line, day = (
            parties[n % len(parties)],
            lines[n % len(lines)],
            start + timedelta(hours=n),
        )
        text = f"{party.name} ({party.short}), {day:%d %B %Y %H:00}: {line}"
        made.append(RawStatement(text, "bench", published_at=day))
    return made


async def pipeline(path: Path, raws: list[RawStatement], recogniser: Recogniser) -> float:
    async with Store.open(path) as store:
        started = time.perf_counter()
        report = await ingest(store, recogniser, raws)
        seconds = time.perf_counter() - started
    assert len(report.stored) == len(raws), "every generated statement is new"
    return seconds


def bare_insert(source: Path, target: Path) -> float:
    """executemany of the rows the pipeline stored, into a fresh copy of the schema."""
    asyncio.run(_create(target))
    with sqlite3.connect(source) as old:
        rows = {table: old.execute(f"SELECT * FROM {table}").fetchall() for table in TABLES}
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    started = time.perf_counter()
    db.execute("BEGIN")
    for table in TABLES:
        if rows[table]:
            marks = ",".join("?" * len(rows[table][0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[table])
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


async def _create(path: Path) -> None:
    async with Store.open(path):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    directory = Directory.load()
    recogniser = Recogniser(directory)
    raws = statements(count, directory)
    with tempfile.TemporaryDirectory() as folder:
        ours = asyncio.run(pipeline(Path(folder) / "pipeline.sqlite3", raws, recogniser))
        bare = bare_insert(Path(folder) / "pipeline.sqlite3", Path(folder) / "bare.sqlite3")
    started = time.perf_counter()
    for raw in raws:
        recogniser.recognise(raw.text)
    recognition = time.perf_counter() - started
    print(f"{count:,} statements")
    print(
        f"  pipeline (recognise + dedupe + store): {count / ours:10,.0f} statements/s  ({ours:.2f} s)"
    )
    print(
        f"  bare sqlite3 executemany, same rows:    {count / bare:10,.0f} statements/s  ({bare:.2f} s)"
    )
    print(f"  ratio pipeline / bare:                  {bare / ours:10.2f}  (target >= 0.33)")
    print(f"  of which recognition alone:             {count / recognition:10,.0f} statements/s")


if __name__ == "__main__":
    main()
