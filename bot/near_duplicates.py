"""The same statement from two sources (a portal and the party's own site), stored once.

The store already refuses a statement whose url, or (without a url) whose folded
text, it holds. Two sources give the same statement different urls and slightly
different wording ("KKE: Statement on ..." / "Statement on ..."), so before storing
we also look for a near-duplicate among recent statements:

- the same url, or the same folded text whatever the urls, is a duplicate;
- else a rapidfuzz `ratio` of at least `threshold` (92 of 100) between the folded
  texts is one, provided both texts are long enough for a ratio to mean something
  (`min_length` folded characters), they give the same numbers (a year, a meeting's
  ordinal or a date tells two otherwise equal titles apart), and they do not name
  disjoint sets of parties ("AKEL statement on X" is not "PCP statement on X").

The choice: an in-memory index per process of the last `days` days, loaded once from
the store at start and added to as this process stores statements. Matching is a
linear scan in C (rapidfuzz `process.extract` with a score cutoff, which skips
strings whose lengths alone rule them out): against 6,000 recent statements (200 a
day for 30 days) it measured 0.6-1 ms per new statement, and the memory is about the
texts themselves (a few MB). Only new items pay it; a 304 pays nothing. The costs: statements stored by
another process (a one-off `partywire ingest`) after start are seen only through the
store's exact checks until the next restart, and a near-duplicate of something older
than the window is stored again. Both only ever cost a repeated message, never a
lost one.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process

from bot.models import Statement
from bot.normalise import fold_text
from bot.outbox_queries import Audience
from bot.store import Recognised, Store
from bot.times import utcnow

THRESHOLD = 92.0
MIN_LENGTH = 24
DAYS = 30
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index keeps of one statement."""

    folded: str
    url: str | None
    parties: frozenset[str]
    numbers: tuple[str, ...]
    at: datetime

    @classmethod
    def of(cls, text: str, url: str | None, parties: Iterable[str], at: datetime) -> Entry:
        folded = fold_text(text)
        return cls(folded, (url or "").strip() or None, frozenset(parties), _numbers(folded), at)


def _numbers(folded: str) -> tuple[str, ...]:
    return tuple(number.lstrip("0") or "0" for number in _NUMBER.findall(folded))


def _fuzzy_allowed(a: Entry, b: Entry, min_length: int) -> bool:
    if min(len(a.folded), len(b.folded)) < min_length or a.numbers != b.numbers:
        return False
    return not (a.parties and b.parties and a.parties.isdisjoint(b.parties))


class RecentStatements:
    """The near-duplicate index: recent statements' folded texts, urls and parties.

    Shared by every source of one process; `store` checks and stores under one lock.
    """

    def __init__(
        self,
        days: float = DAYS,
        threshold: float = THRESHOLD,
        min_length: int = MIN_LENGTH,
    ) -> None:
        self.window = timedelta(days=days)
        self.threshold = threshold
        self.min_length = min_length
        self.lock = asyncio.Lock()
        self._entries: dict[int, Entry] = {}
        self._texts: dict[int, str] = {}
        self._by_url: dict[str, int] = {}
        self._by_text: dict[str, int] = {}
        self._order: deque[int] = deque()
        self._next = 0

    @classmethod
    async def load(
        cls, store: Store, now: datetime | None = None, **settings: float
    ) -> RecentStatements:
        """An index of what the store holds from the last `days` days."""
        index = cls(**settings)
        since = (now or utcnow()) - index.window
        index.add(await store.recent_statements(since))
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, statements: Iterable[Statement]) -> None:
        for statement in statements:
            self.add_entry(
                Entry.of(statement.text, statement.url, statement.parties, statement.fetched_at)
            )

    def add_entry(self, entry: Entry) -> int:
        key = self._next
        self._next += 1
        self._entries[key] = entry
        self._texts[key] = entry.folded
        if entry.url:
            self._by_url[entry.url] = key
        self._by_text[entry.folded] = key
        self._order.append(key)
        return key

    def prune(self, now: datetime) -> None:
        """Forget entries older than the window (they were added in time order)."""
        oldest = now - self.window
        while self._order:
            entry = self._entries.get(self._order[0])
            if entry is not None and entry.at >= oldest:
                break
            self.discard([self._order.popleft()])

    def match(self, entry: Entry) -> Entry | None:
        """A recent statement `entry` nearly duplicates, if any."""
        key = self._by_url.get(entry.url) if entry.url else None
        if key is None:
            key = self._by_text.get(entry.folded)
        if key is not None:
            return self._entries[key]
        if len(entry.folded) < self.min_length:
            return None
        for _text, _score, key in process.extract(
            entry.folded,
            self._texts,
            scorer=fuzz.ratio,
            score_cutoff=self.threshold,
            limit=None,
        ):
            candidate = self._entries[key]
            if _fuzzy_allowed(entry, candidate, self.min_length):
                return candidate
        return None

    def discard(self, keys: Iterable[int]) -> None:
        for key in keys:
            entry = self._entries.pop(key, None)
            if entry is None:
                continue
            del self._texts[key]
            if entry.url and self._by_url.get(entry.url) == key:
                del self._by_url[entry.url]
            if self._by_text.get(entry.folded) == key:
                del self._by_text[entry.folded]

    async def store(
        self,
        store: Store,
        items: Sequence[Recognised],
        now: datetime,
        audience: Audience | None = None,
    ) -> tuple[list[Statement], int]:
        """Store what in `items` is not a near-duplicate of a recent statement or of another item.

        Returns the statements stored and how many items were near-duplicates. The
        check and the store happen under `lock`, so two sources polled at once cannot
        both store one statement; if storing fails, the index forgets the items again.
        """
        async with self.lock:
            self.prune(now)
            kept: list[Recognised] = []
            added: list[int] = []
            for item in items:
                entry = Entry.of(item.raw.text, item.raw.url, item.recognition.parties, now)
                if self.match(entry) is None:
                    added.append(self.add_entry(entry))
                    kept.append(item)
            try:
                stored = await store.add_statements(kept, fetched_at=now, audience=audience)
            except BaseException:
                self.discard(added)
                raise
        return stored, len(items) - len(kept)
