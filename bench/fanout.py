"""Fan one statement out to many subscribed chats and measure the push engine.

    python -m bench.fanout [--sizes 10000 100000] [--limit 1000]

Each run happens in a fresh child process (so its peak memory is its own) and sends
through a local HTTP endpoint in another process that records every arrival. For
each size it prints: the configured global limit, the achieved rate and their
ratio, sliding-window violations of the limit, lost and repeated messages, the
engine's throughput with limits off (over HTTP, and with a platform that answers
at once, which is the engine alone) and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.directory import Directory
from bot.fanout import Audience
from bot.ingest import ingest
from bot.models import ChatAddress, RawStatement
from bot.push.protocol import Sent
from bot.push.ratelimit import Rate, RateLimiter
from bot.push.retry import Backoff
from bot.push.sender import Sender, SenderSettings
from bot.recognise import Recogniser
from bot.store import Store
from tests.push.http_platform import HttpPlatform

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 64


class InstantPlatform:
    """Answers every message at once: what is left to measure is the engine itself."""

    name = "http"

    async def send(self, address: ChatAddress, message) -> Sent:
        return Sent()


async def fill(path: Path, chats: int) -> float:
    """Subscribe `chats` chats to everything, store one statement; answer the fan-out's seconds."""
    async with Store.open(path):
        pass
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO chats (id, platform, chat_id, kind, created_at) VALUES (?, 'http', ?, 'private', '2026-01-01')",
            ((n, str(n)) for n in range(1, chats + 1)),
        )
        db.executemany(
            "INSERT INTO subscriptions (chat, kind, value, created_at) VALUES (?, 'all', '', '2026-01-01')",
            ((n,) for n in range(1, chats + 1)),
        )
    directory = Directory.load()
    async with Store.open(path) as store:
        started = time.perf_counter()
        await ingest(
            store,
            Recogniser(directory),
            [RawStatement("The KKE statement everyone follows", "bench")],
            audience=Audience(directory),
        )
        return time.perf_counter() - started


def violations(moments: list[float], limit: int) -> tuple[int, int]:
    """Windows of one second, starting at any moment, holding more than `limit`; and the busiest."""
    times = sorted(moments)
    count, busiest, end = 0, 0, 0
    for start, moment in enumerate(times):
        while end < len(times) and times[end] - moment < 1.0:
            end += 1
        count += end - start > limit
        busiest = max(busiest, end - start)
    return count, busiest


async def measure(
    path: Path, url: str, limit: int | None, instant: bool
) -> tuple[float, dict, list[float]]:
    """Drain the outbox through the endpoint at `url`; answer the seconds, its record and send starts."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with Store.open(path) as store, aiohttp.ClientSession(connector=connector) as client:
        platform = InstantPlatform() if instant else HttpPlatform(client, f"{url}/send")
        limiter = RateLimiter(Rate(limit, 1.0) if limit else None, {})
        sender = Sender(
            store, platform, limiter, Backoff(), SenderSettings(concurrency=CONCURRENCY)
        )
        started = time.perf_counter()
        await sender.drain()
        seconds = time.perf_counter() - started
        async with client.get(f"{url}/stats") as answer:
            return seconds, await answer.json(), getattr(platform, "started", [])


def one_run(chats: int, limit: int | None, instant: bool) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        fan_out_seconds = asyncio.run(fill(path, chats))
        endpoint = subprocess.Popen(
            [sys.executable, "-m", "tests.push.http_endpoint"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{int(endpoint.stdout.readline())}"
            seconds, stats, starts = asyncio.run(measure(path, url, limit, instant))
        finally:
            endpoint.stdin.close()
            endpoint.wait()
    result = {
        "chats": chats,
        "fan_out_seconds": fan_out_seconds,
        "rate": chats / seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if not instant:
        arrivals = [moment for moment, _ in stats["arrivals"]]
        per_chat = stats["per_chat"]
        result["lost"] = chats - len(per_chat)
        result["repeated"] = sum(count - 1 for count in per_chat.values())
        span = max(arrivals) - min(arrivals) if len(arrivals) > 1 else seconds
        result["arrival_rate"] = len(arrivals) / span if span else float("inf")
        result["violations"], result["busiest"] = violations(arrivals, limit) if limit else (0, 0)
        result["send_violations"], result["send_busiest"] = (
            violations(starts, limit) if limit else (0, 0)
        )
    return result


def run_child(chats: int, limit: int | None, instant: bool) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench.fanout",
        "--one",
        str(chats),
        "--limit",
        str(limit or 0),
    ]
    if instant:
        command.append("--instant")
    output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--limit", type=int, default=1000, help="global messages per second")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--instant", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.limit or None, args.instant)))
        return
    print(
        f"fan-out of one statement, {CONCURRENCY} messages in flight, endpoint in its own process"
    )
    for chats in args.sizes:
        limited = run_child(chats, args.limit, instant=False)
        free = run_child(chats, None, instant=False)
        engine = run_child(chats, None, instant=True)
        print(f"\n{chats:,} chats (outbox rows written in {limited['fan_out_seconds']:.2f} s)")
        print(f"  configured limit      {args.limit:,} msg/s")
        print(
            f"  achieved (sender)     {limited['rate']:,.0f} msg/s  ratio {limited['rate'] / args.limit:.3f}"
            f"   at the endpoint {limited['arrival_rate']:,.0f} msg/s"
        )
        print(
            f"  limit violations      sent: {limited['send_violations']} one-second windows over"
            f" {args.limit} (busiest {limited['send_busiest']});"
            f" at the endpoint: {limited['violations']} (busiest {limited['busiest']})"
        )
        print(
            f"  lost / repeated       {limited['lost']} / {limited['repeated']}  (limits off: {free['lost']} / {free['repeated']})"
        )
        print(f"  limits off, over HTTP {free['rate']:,.0f} msg/s")
        print(f"  limits off, engine    {engine['rate']:,.0f} msg/s (platform answers at once)")
        print(
            f"  peak memory           {max(limited['peak_mb'], free['peak_mb'], engine['peak_mb']):.0f} MB"
        )


if __name__ == "__main__":
    main()
