"""The middle of the pipeline: recognise what each raw statement names, then store it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.models import RawStatement, Recognition, Statement
from bot.outbox_queries import Audience
from bot.recognise import Recogniser
from bot.store import Recognised, Store

BATCH = 500
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


def _batches(items: Iterable[Recognised], size: int) -> Iterator[list[Recognised]]:
    batch: list[Recognised] = []
    for item in items:
        batch.append(item)
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
    without one (a backlog) they are only stored.
    """
    seen = 0
    stored: list[Statement] = []
    for batch in _batches((recognise(recogniser, raw) for raw in raws), BATCH):
        stored += await store.add_statements(batch, audience=audience)
        seen += len(batch)
        if progress:
            progress(seen)
    return IngestReport(seen, tuple(stored))
