"""The middle of the pipeline: recognise what each raw statement names, then store it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from bot.models import RawStatement, Recognition, Statement
from bot.outbox_queries import Audience
from bot.recognise import Recogniser
from bot.store import Recognised, Store

YIELD_EVERY = 25
BATCH = 1000
"""Statements per transaction: big enough to be fast, small enough to keep others waiting briefly."""


@dataclass(frozen=True, slots=True)
class IngestReport:
    seen: int
    stored: tuple[Statement, ...]

    @property
    def repeated(self) -> int:
        return self.seen - len(self.stored)


def recognise(recogniser: Recogniser, raw: RawStatement) -> Recognised:
    """What the text names, plus the parties the source itself attributes it to."""
    found: Recognition = recogniser.recognise(raw.text)
    if raw.parties:
        found = dataclasses.replace(
            found, parties=tuple(dict.fromkeys((*raw.parties, *found.parties)))
        )
    return Recognised(raw, found)


async def _batches(
    recogniser: Recogniser, raws: Iterable[RawStatement], size: int
) -> AsyncIterator[list[Recognised]]:
    """Recognised statements in batches, yielding to the event loop every few statements.

    Recognition is CPU work on the event loop; the store's work is SQLite in its own
    thread, which needs the loop between its steps. Yielding often lets the previous
    batch be written while this one is recognised.
    """
    batch: list[Recognised] = []
    for raw in raws:
        batch.append(recognise(recogniser, raw))
        if len(batch) % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def ingest(
    store: Store,
    recogniser: Recogniser,
    raws: Iterable[RawStatement],
    progress: Callable[[int], None] | None = None,
    audience: Audience | None = None,
) -> IngestReport:
    """Recognise and store `raws` in batches; report how many were seen and which were new.

    With an `audience`, new statements are pushed to the chats that follow them;
    without one (a backlog) they are only stored. Batch n is written while batch n+1
    is recognised; batches are stored in order.
    """
    seen = 0
    stored: list[Statement] = []
    writing: asyncio.Task[list[Statement]] | None = None
    async for batch in _batches(recogniser, raws, BATCH):
        if writing is not None:
            stored += await writing
        writing = asyncio.create_task(store.add_statements(batch, audience=audience))
        seen += len(batch)
        if progress:
            progress(seen)
    if writing is not None:
        stored += await writing
    return IngestReport(seen, tuple(stored))
