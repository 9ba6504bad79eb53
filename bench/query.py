"""Query latency at scale: /party, /latest and /search through the handlers, beside bare SQL.

    python -m bench.query [--count 1000000] [--runs 300]

Fills a database with `count` statements (generated rows in the real schema, full-text
index included), then times each command end to end through `handlers.commands.dispatch`
(store, queries, reply building) and the bare SQL it runs, and prints p50 and p99.
Targets at 1M statements: /party and /latest p99 <= 5 ms, /search p99 <= 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.directory import Directory
from bot.models import ChatAddress
from bot.normalise import dedupe_key
from bot.search_query import parse_search
from bot.sources.text import parse_text
from bot.store import Store
from bot.terminal import sample_texts
from handlers.commands import dispatch
from handlers.context import Asker, Services

ASKER = Asker(ChatAddress("bench", "1"), "private")
SEARCHES = [
    "strike",
    "general strike",
    "imperialist war",
    '"working class"',
    "venezuela elections",
    "zzyzx",
]


def fill(path: Path, count: int, directory: Directory) -> None:
    """Generated statements naming one or two parties each, spread over ten years."""
    asyncio.run(_create(path))
    lines = [raw.text for _, text in sample_texts() for raw in parse_text(text, "sample")]
    parties = directory.parties
    start = datetime(2015, 1, 1, tzinfo=UTC)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    for first in range(0, count, 50_000):
        db.execute("BEGIN")
        rows, named = [], []
        for n in range(first, min(first + 50_000, count)):
            party, other = parties[n % len(parties)], parties[(n * 7) % len(parties)]
            when = (start + timedelta(minutes=5 * n)).isoformat(timespec="seconds")
            text = f"{party.name} ({party.short}) and {other.short}, {when[:10]}: {lines[n % len(lines)]}"
            rows.append(
                (
                    n + 1,
                    dedupe_key(text, None),
                    text,
                    "bench",
                    when,
                    when,
                    when,
                    int(n % 97 == 0),
                    21 if n % 97 == 0 else None,
                )
            )
            named += [(party.id, when, n + 1, 0)] + (
                [(other.id, when, n + 1, 1)] if other != party else []
            )
        db.executemany(
            "INSERT INTO statements (id, dedupe_key, text, source, published_at, fetched_at, sort_at, imcwp, meeting)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany("INSERT INTO statement_parties VALUES (?, ?, ?, ?)", named)
        db.execute("COMMIT")
        print(f"\r  filled {first + len(rows):,}/{count:,}", end="", flush=True)
    print()
    db.close()


async def _create(path: Path) -> None:
    async with Store.open(path):
        pass


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


def timed_sql(db: sqlite3.Connection, queries: list[tuple[str, tuple]], runs: int) -> list[float]:
    samples = []
    for n in range(runs):
        sql, params = queries[n % len(queries)]
        started = time.perf_counter()
        db.execute(sql, params).fetchall()
        samples.append(time.perf_counter() - started)
    return samples


async def measure(path: Path, directory: Directory, runs: int) -> None:
    party_ids = [p.short for p in directory.parties if directory.find(p.short).parties == (p,)]
    rng = random.Random(1)
    commands = {
        "/party": lambda: f"/party {rng.choice(party_ids)} {rng.randint(1, 3)}",
        "/latest": lambda: f"/latest {rng.randint(1, 20)}",
        "/search": lambda: f"/search {rng.choice(SEARCHES)}",
    }
    bare = {
        "/party": [
            (
                "SELECT s.* FROM statement_parties p JOIN statements s ON s.id = p.statement_id"
                " WHERE p.party_id = ? ORDER BY p.sort_at DESC, p.statement_id DESC LIMIT 6 OFFSET ?",
                (party.id, 5 * page),
            )
            for party in directory.parties
            for page in range(3)
        ],
        "/latest": [
            ("SELECT * FROM statements ORDER BY sort_at DESC, id DESC LIMIT ?", (n,))
            for n in range(1, 21)
        ],
        "/search": [
            (
                "SELECT * FROM statements WHERE id IN (SELECT rowid FROM statements_fts WHERE statements_fts MATCH ?"
                " ORDER BY rowid DESC LIMIT 6) ORDER BY id DESC",
                (parse_search(words).fts(),),
            )
            for words in SEARCHES
        ],
    }
    async with Store.open(path) as store:
        services = Services(store, directory)
        db = sqlite3.connect(path)
        for name, make in commands.items():
            through = await timed(lambda make=make: dispatch(services, ASKER, make()), runs)
            raw = timed_sql(db, bare[name], runs)
            print(f"  {name:8} handlers {percentiles(through)}   bare SQL {percentiles(raw)}")
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    directory = Directory.load()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "query.sqlite3"
        print(f"filling {args.count:,} statements")
        fill(path, args.count, directory)
        print(
            f"{args.runs} runs of each command (targets at 1M: /party, /latest p99 <= 5 ms; /search p99 <= 30 ms)"
        )
        asyncio.run(measure(path, directory, args.runs))


if __name__ == "__main__":
    main()
