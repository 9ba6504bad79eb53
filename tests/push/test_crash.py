"""A sender killed mid fan-out loses nothing and repeats at most its in-flight window."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.fanout import Audience
from bot.ingest import ingest
from bot.models import ChatAddress, RawStatement, Subscription
from bot.store import Store
from tests.push.http_endpoint import CountingEndpoint

pytestmark = pytest.mark.slow

CHATS = 1000
WINDOW = 16
ROOT = Path(__file__).resolve().parents[2]


async def prepare(path: Path, recogniser, directory) -> None:
    async with Store.open(path) as store:
        for n in range(CHATS):
            chat = await store.chat(ChatAddress("http", str(n)), "private")
            await store.subscribe(chat.id, Subscription("all"))
        await ingest(
            store,
            recogniser,
            [RawStatement("KKE: a statement for everyone", "t")],
            audience=Audience(directory),
        )


async def worker(path: Path, url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.push.crash_worker",
        str(path),
        url,
        str(WINDOW),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def test_a_killed_sender_resumes_without_loss_and_with_few_repeats(
    tmp_path, recogniser, directory
):
    database = tmp_path / "crash.sqlite3"
    await prepare(database, recogniser, directory)
    endpoint = CountingEndpoint(latency=0.01)
    await endpoint.start()
    try:
        first = await worker(database, endpoint.url)
        async with asyncio.timeout(60):
            await endpoint.wait_for_total(CHATS // 3)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        before_restart = endpoint.total
        assert before_restart < CHATS, "the worker finished before it could be killed"

        second = await worker(database, endpoint.url)
        async with asyncio.timeout(120):
            assert await second.wait() == 0
    finally:
        await endpoint.stop()

    assert set(endpoint.per_chat) == {str(n) for n in range(CHATS)}
    repeated = sum(1 for count in endpoint.per_chat.values() if count > 1)
    assert repeated <= WINDOW
    async with Store.open(database) as store:
        assert {state: n for (_, state), n in (await store.outbox_counts()).items()} == {
            "sent": CHATS
        }
