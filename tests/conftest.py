"""Fixtures shared by the core's tests: a real SQLite store, a whole core over one, and the
bundled directory."""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.core import open_core
from bot.store import Store


@pytest.fixture(scope="session")
def directory():
    from bot.directory import Directory

    return Directory.load()


@pytest.fixture(scope="session")
def recogniser(directory):
    from bot.recognise import Recogniser

    return Recogniser(directory)


@pytest.fixture
async def store(tmp_path):
    async with Store.open(tmp_path / "partywire.sqlite3") as opened:
        yield opened


@pytest.fixture
async def core(tmp_path):
    async with open_core(Config(), tmp_path / "db.sqlite3") as opened:
        yield opened
