"""The SQL for each polled source's state: validators, redirects, health, next poll.

Part of the store (mixed into `bot.store.Store`). One row per configured source,
keyed by its name. Backoff lives here, not in memory, so a restart neither hammers
a failing server nor forgets that a source has been failing for hours (maubot/rss
keeps its backoff in the database for the same reason).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.models import Statement
from bot.times import from_text, to_text


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """What the bot knows about one source: enough to poll it and to report on it."""

    name: str
    location: str
    """The configured location; `moved_to` is where it is fetched from after a permanent redirect."""
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failing_since: datetime | None = None
    """When the current failure streak began; None while the source works."""
    consecutive_failures: int = 0
    items_seen: int = 0
    """Statements the last successful load found (a 304 keeps the previous count)."""
    items_stored: int = 0
    """New statements stored from this source since it was added."""
    next_poll_at: datetime | None = None
    first_load_done: bool = False
    """The first load (the backlog) has been stored; later loads push what is new."""
    alerted_at: datetime | None = None
    """When operators were told of the current failure streak, if they were."""

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    @property
    def fetch_location(self) -> str:
        return self.moved_to or self.location

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SourceHealth:
        return cls(
            name=row["name"],
            location=row["location"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            moved_to=row["moved_to"],
            last_success_at=from_text(row["last_success_at"]),
            last_error=row["last_error"],
            last_error_at=from_text(row["last_error_at"]),
            failing_since=from_text(row["failing_since"]),
            consecutive_failures=row["consecutive_failures"],
            items_seen=row["items_seen"],
            items_stored=row["items_stored"],
            next_poll_at=from_text(row["next_poll_at"]),
            first_load_done=bool(row["first_load_done"]),
            alerted_at=from_text(row["alerted_at"]),
        )


class SourceQueries:
    """Mixed into `Store`, which provides `_write`, `_rows` and `_statements`."""

    async def sync_sources(self, locations: Mapping[str, str]) -> None:
        """Make the table hold exactly the configured sources (name -> location).

        A source whose location changed starts afresh: validators, redirect and
        backlog flag belong to the old address, so its next load is a first load.
        Sources no longer configured are forgotten.
        """
        async with self._write() as db:
            async with db.execute("SELECT name, location FROM sources") as cursor:
                stored = {row[0]: row[1] for row in await cursor.fetchall()}
            for name in stored.keys() - locations.keys():
                await db.execute("DELETE FROM sources WHERE name = ?", (name,))
            for name, location in locations.items():
                if name not in stored:
                    await db.execute(
                        "INSERT INTO sources (name, location) VALUES (?, ?)", (name, location)
                    )
                elif stored[name] != location:
                    await db.execute(
                        "UPDATE sources SET location = ?, etag = NULL, last_modified = NULL,"
                        " moved_to = NULL, first_load_done = 0, next_poll_at = NULL"
                        " WHERE name = ?",
                        (location, name),
                    )

    async def source_state(self, name: str) -> SourceHealth | None:
        rows = await self._rows("SELECT * FROM sources WHERE name = ?", (name,))
        return SourceHealth.from_row(rows[0]) if rows else None

    async def source_health(self) -> list[SourceHealth]:
        """Every configured source's state, by name: what `/sources` shows."""
        rows = await self._rows("SELECT * FROM sources ORDER BY name")
        return [SourceHealth.from_row(row) for row in rows]

    async def record_source_success(
        self,
        name: str,
        at: datetime,
        next_poll_at: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        moved_to: str | None,
        items_seen: int | None,
        items_stored: int = 0,
    ) -> None:
        """A load that worked (or a 304): new validators, streak over, next poll booked.

        `moved_to` None keeps a redirect already remembered; `items_seen` None (a 304)
        keeps the last count.
        """
        async with self._write() as db:
            await db.execute(
                "UPDATE sources SET etag = ?, last_modified = ?,"
                " moved_to = coalesce(?, moved_to), last_success_at = ?,"
                " failing_since = NULL, consecutive_failures = 0, alerted_at = NULL,"
                " items_seen = coalesce(?, items_seen), items_stored = items_stored + ?,"
                " next_poll_at = ?, first_load_done = 1 WHERE name = ?",
                (
                    etag,
                    last_modified,
                    moved_to,
                    to_text(at),
                    items_seen,
                    items_stored,
                    to_text(next_poll_at),
                    name,
                ),
            )

    async def record_source_failure(
        self, name: str, at: datetime, error: str, next_poll_at: datetime
    ) -> SourceHealth | None:
        """A failed load: the streak grows (or begins); returns the updated state."""
        async with (
            self._write() as db,
            db.execute(
                "UPDATE sources SET last_error = ?, last_error_at = ?,"
                " failing_since = coalesce(failing_since, ?),"
                " consecutive_failures = consecutive_failures + 1, next_poll_at = ?"
                " WHERE name = ? RETURNING *",
                (error, to_text(at), to_text(at), to_text(next_poll_at), name),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return SourceHealth.from_row(row) if row else None

    async def mark_source_alerted(self, name: str, at: datetime) -> bool:
        """Note that operators were told of this failure streak; False if already told."""
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE sources SET alerted_at = ? WHERE name = ? AND alerted_at IS NULL"
                " AND failing_since IS NOT NULL",
                (to_text(at), name),
            )
            return cursor.rowcount > 0

    async def recent_statements(self, since: datetime) -> list[Statement]:
        """Statements fetched or published since `since`: the near-duplicate index's start."""
        when = to_text(since)
        return await self._statements(
            "SELECT * FROM statements WHERE fetched_at >= ? OR sort_at >= ? ORDER BY id",
            (when, when),
        )
