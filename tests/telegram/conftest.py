"""The `fake_telegram` fixture: a fresh fake Bot API server for each test."""

import pytest

from .fake_api import FakeTelegram


@pytest.fixture
async def fake_telegram():
    """A started FakeTelegram; the test fails if it sent anything Telegram would refuse."""
    async with FakeTelegram() as server:
        yield server
    assert not server.rejections, "Telegram would have rejected:\n" + "\n".join(
        f"  {r.method} {r.params!r} -> {r.status} {r.description}" for r in server.rejections
    )
