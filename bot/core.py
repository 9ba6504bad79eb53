"""The core every command and platform shares: config, directory, recogniser, store."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Config, ConfigError
from bot.directory import Directory
from bot.fanout import Audience
from bot.metrics import Metrics
from bot.models import ChatAddress, Subscription
from bot.recognise import Recogniser
from bot.store import Store
from bot.targets import parse_target


@dataclass(frozen=True)
class Core:
    config: Config
    directory: Directory
    recogniser: Recogniser
    store: Store
    audience: Audience
    metrics: Metrics


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
        await store.sync_broadcasts(broadcast_targets(config, directory))
        yield Core(config, directory, Recogniser(directory), store, Audience(directory), Metrics())


_BROADCAST_KIND = {"telegram": "channel", "matrix": "room"}


def broadcast_targets(
    config: Config, directory: Directory
) -> list[tuple[ChatAddress, str, list[Subscription]]]:
    """The config's broadcast chats and what each follows; a name nobody knows is a config error."""
    targets = []
    for index, broadcast in enumerate(config.broadcasts):
        follows = []
        for position, name in enumerate(broadcast.follow):
            target = parse_target(directory, name)
            if not isinstance(target, Subscription):
                raise ConfigError(
                    f"broadcasts[{index}].follow[{position}]: {name!r} names no single party,"
                    ' country, imcwp, all or "words"'
                )
            follows.append(target)
        address = ChatAddress(broadcast.platform, broadcast.chat)
        targets.append((address, _BROADCAST_KIND[broadcast.platform], follows))
    return targets
