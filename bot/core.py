"""The core every command and platform shares: config, directory, recogniser, store."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.directory import Directory
from bot.recognise import Recogniser

from bot.config import Config, ConfigError
from bot.store import Store


@dataclass(frozen=True)
class Core:
    config: Config
    directory: Directory
    recogniser: Recogniser
    store: Store


def load_directory(config: Config) -> Directory:
    """The bundled directory plus the operator's parties and aliases."""
    try:
        return Directory.load(
            extra_parties=[dataclasses.asdict(party) for party in config.directory.extra_parties],
            extra_aliases=config.directory.aliases,
        )
    except ValueError as error:
        raise ConfigError(f"directory: {error}") from None


@asynccontextmanager
async def open_core(config: Config, database: Path | str | None = None) -> AsyncIterator[Core]:
    """Load the directory and open the store (at `database`, else the configured path)."""
    directory = load_directory(config)
    async with Store.open(database or config.database_path) as store:
        yield Core(config, directory, Recogniser(directory), store)
