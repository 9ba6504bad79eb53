"""The one place that speaks SQL.

One aiosqlite connection per process; writes go through `BEGIN IMMEDIATE` under a
lock, so a second process (a one-off `partywire ingest` beside the running bot)
waits its turn through SQLite's busy timeout instead of failing.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.matrix_queries import MatrixQueries
from bot.migrations import LATEST_VERSION, MIGRATIONS
from bot.models import Chat, ChatAddress, RawStatement, Recognition, Statement, Subscription
from bot.normalise import clean_text, dedupe_key
from bot.outbox_queries import Audience, OutboxQueries
from bot.source_queries import SourceQueries
from bot.times import from_text, to_text, utcnow

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
_CHUNK = 500
"""Rows per `IN (...)` list: far below SQLite's variable limit, large enough to be cheap."""


class DatabaseTooNew(RuntimeError):
    """The file was written by a newer Partywire; opening it could damage it."""


@dataclass(frozen=True, slots=True)
class Recognised:
    """A statement from a source, with what its text names: the unit the store accepts."""

    raw: RawStatement
    recognition: Recognition


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(count: int) -> str:
    return ",".join("?" * count)


class Store(OutboxQueries, SourceQueries, MatrixQueries):
    """Statements, what they name, chats and subscriptions."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._write_lock = asyncio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: str | Path) -> AsyncIterator[Store]:
        """Open (creating if need be) and migrate the database; close it on exit."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            for pragma in (
                f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
            ):
                await db.execute(pragma)
            store = cls(db)
            await store.migrate()
            yield store
        finally:
            await db.close()

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            (version,) = await cursor.fetchone()
        return version

    async def migrate(self) -> int:
        """Bring the schema up to date; refuse a database newer than this code."""
        async with self._write_lock:
            version = await self.schema_version()
            if version > LATEST_VERSION:
                raise DatabaseTooNew(
                    f"the database is at schema version {version}, this Partywire knows "
                    f"only up to {LATEST_VERSION}: upgrade Partywire before opening it"
                )
            for number in range(version + 1, LATEST_VERSION + 1):
                script = MIGRATIONS[number - 1]
                try:
                    await self._db.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                    )
                except sqlite3.Error:
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise
                log.info("database migrated to schema version %d", number)
            return LATEST_VERSION

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _rows(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _value(self, sql: str, params: Sequence = ()):
        rows = await self._rows(sql, params)
        return rows[0][0] if rows else None

    # Statements

    async def add_statements(
        self,
        items: Sequence[Recognised],
        fetched_at: datetime | None = None,
        audience: Audience | None = None,
    ) -> list[Statement]:
        """Store what is new among `items` in one transaction; return only the new ones.

        A statement already stored (same url, or same folded text) is skipped, as is
        a repeat within `items` itself. With an `audience`, the new statements' outbox
        rows are written in the same transaction, so no statement is ever stored
        without its deliveries; without one (a source's backlog) nothing is pushed.
        """
        fetched = to_text(fetched_at or utcnow())
        unique: dict[str, Recognised] = {}
        for item in items:
            unique.setdefault(dedupe_key(item.raw.text, item.raw.url), item)
        if not unique:
            return []
        async with self._write() as db:
            known = await self._existing_keys(db, list(unique))
            fresh = [(key, item) for key, item in unique.items() if key not in known]
            # Ids are ours to give: BEGIN IMMEDIATE holds every other writer off.
            first = await self._next_id(db)
            stored = [
                self._new_statement(first + n, item, fetched) for n, (_, item) in enumerate(fresh)
            ]
            published = [to_text(statement.published_at) for statement in stored]
            sort_times = [moment or fetched for moment in published]
            await db.executemany(
                "INSERT INTO statements (id, dedupe_key, text, url, source, published_at,"
                " fetched_at, sort_at, imcwp, meeting) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        statement.id,
                        key,
                        statement.text,
                        statement.url,
                        statement.source,
                        published_at,
                        fetched,
                        sort_at,
                        int(statement.imcwp),
                        statement.meeting,
                    )
                    for (key, _), statement, published_at, sort_at in zip(
                        fresh, stored, published, sort_times, strict=True
                    )
                ],
            )
            await db.executemany(
                "INSERT INTO statement_parties (party_id, sort_at, statement_id, position)"
                " VALUES (?, ?, ?, ?)",
                [
                    (party, sort_at, statement.id, position)
                    for statement, sort_at in zip(stored, sort_times, strict=True)
                    for position, party in enumerate(statement.parties)
                ],
            )
            await db.executemany(
                "INSERT INTO statement_ambiguous (statement_id, token) VALUES (?, ?)",
                [(s.id, token) for s in stored for token in s.ambiguous],
            )
            if audience is not None:
                await self._fan_out(db, stored, audience, fetched)
        return stored

    @staticmethod
    async def _next_id(db: aiosqlite.Connection) -> int:
        async with db.execute("SELECT coalesce(max(id), 0) + 1 FROM statements") as cursor:
            (first,) = await cursor.fetchone()
        return first

    @staticmethod
    def _new_statement(statement_id: int, item: Recognised, fetched: str) -> Statement:
        raw, recognition = item.raw, item.recognition
        return Statement(
            id=statement_id,
            text=clean_text(raw.text),
            source=raw.source,
            url=raw.url,
            published_at=from_text(to_text(raw.published_at)),
            fetched_at=from_text(fetched),
            parties=recognition.parties,
            ambiguous=recognition.ambiguous,
            imcwp=recognition.imcwp,
            meeting=recognition.meeting,
        )

    async def _existing_keys(self, db: aiosqlite.Connection, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(keys):
            sql = f"SELECT dedupe_key FROM statements WHERE dedupe_key IN ({_marks(len(chunk))})"
            async with db.execute(sql, chunk) as cursor:
                found.update(row[0] for row in await cursor.fetchall())
        return found

    async def _statements(self, sql: str, params: Sequence = ()) -> list[Statement]:
        """Run a query over `statements` and attach what each row names, in query order."""
        rows = await self._rows(sql, params)
        ids = [row["id"] for row in rows]
        parties: dict[int, list[str]] = {i: [] for i in ids}
        ambiguous: dict[int, list[str]] = {i: [] for i in ids}
        for chunk in _chunks(ids):
            marks = _marks(len(chunk))
            for row in await self._rows(
                "SELECT statement_id, party_id FROM statement_parties"
                f" WHERE statement_id IN ({marks}) ORDER BY statement_id, position",
                chunk,
            ):
                parties[row[0]].append(row[1])
            for row in await self._rows(
                f"SELECT statement_id, token FROM statement_ambiguous WHERE statement_id IN ({marks})",
                chunk,
            ):
                ambiguous[row[0]].append(row[1])
        return [
            Statement(
                id=row["id"],
                text=row["text"],
                source=row["source"],
                url=row["url"],
                published_at=from_text(row["published_at"]),
                fetched_at=from_text(row["fetched_at"]),
                parties=tuple(parties[row["id"]]),
                ambiguous=tuple(sorted(ambiguous[row["id"]])),
                imcwp=bool(row["imcwp"]),
                meeting=row["meeting"],
            )
            for row in rows
        ]

    async def latest(self, limit: int, offset: int = 0) -> list[Statement]:
        return await self._statements(
            "SELECT * FROM statements ORDER BY sort_at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )

    async def by_party(self, party_id: str, limit: int, offset: int = 0) -> list[Statement]:
        return await self._statements(
            "SELECT s.* FROM statement_parties p JOIN statements s ON s.id = p.statement_id"
            " WHERE p.party_id = ? ORDER BY p.sort_at DESC, p.statement_id DESC LIMIT ? OFFSET ?",
            (party_id, limit, offset),
        )

    async def by_meeting(self, ordinal: int | None, limit: int, offset: int = 0) -> list[Statement]:
        """Statements about one IMCWP, or about any IMCWP when `ordinal` is None."""
        if ordinal is None:
            return await self._statements(
                "SELECT * FROM statements WHERE imcwp = 1"
                " ORDER BY sort_at DESC, id DESC LIMIT ? OFFSET ?",
                (limit, offset),
            )
        return await self._statements(
            "SELECT * FROM statements WHERE imcwp = 1 AND meeting = ?"
            " ORDER BY sort_at DESC, id DESC LIMIT ? OFFSET ?",
            (ordinal, limit, offset),
        )

    async def search(self, fts_query: str, limit: int, offset: int = 0) -> list[Statement]:
        """Full-text matches, most recently stored first (FTS5 walks its index backwards).

        `fts_query` must be built by `bot.search_query`, never taken from a user as is.
        """
        return await self._statements(
            "SELECT * FROM statements WHERE id IN (SELECT rowid FROM statements_fts"
            " WHERE statements_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?) ORDER BY id DESC",
            (fts_query, limit, offset),
        )

    async def _statements_by_id(self, ids: Sequence[int]) -> list[Statement]:
        found: list[Statement] = []
        for chunk in _chunks(ids):
            found += await self._statements(
                f"SELECT * FROM statements WHERE id IN ({_marks(len(chunk))})", chunk
            )
        return found

    async def count_statements(self) -> int:
        return await self._value("SELECT count(*) FROM statements")

    async def all_statements(
        self, party_id: str | None = None, batch: int = 1000
    ) -> AsyncIterator[list[Statement]]:
        """Every statement (or one party's), oldest first, a batch at a time: for exports."""
        after = 0
        while True:
            if party_id is None:
                found = await self._statements(
                    "SELECT * FROM statements WHERE id > ? ORDER BY id LIMIT ?", (after, batch)
                )
            else:
                found = await self._statements(
                    "SELECT s.* FROM statement_parties p JOIN statements s ON s.id = p.statement_id"
                    " WHERE p.party_id = ? AND s.id > ? ORDER BY s.id LIMIT ?",
                    (party_id, after, batch),
                )
            if not found:
                return
            yield found
            after = found[-1].id

    # Maintenance

    async def backup(self, target: Path) -> None:
        """A consistent copy through SQLite's online backup, safe while others write."""
        async with aiosqlite.connect(target) as copy:
            await self._db.backup(copy)

    async def check(self) -> list[str]:
        """Problems found by SQLite's integrity checks and the full-text index's own; [] if none."""
        problems = [row[0] for row in await self._rows("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [
            f"{row[0]} row {row[1]} points to a missing {row[2]} row"
            for row in await self._rows("PRAGMA foreign_key_check")
        ]
        try:
            await self._db.execute(
                "INSERT INTO statements_fts (statements_fts) VALUES ('integrity-check')"
            )
        except sqlite3.DatabaseError as error:
            problems.append(f"full-text index: {error}")
        return problems

    # Chats and subscriptions

    async def chat(self, address: ChatAddress, kind: str) -> Chat:
        """The chat at `address`, created on first contact and reactivated on any later one."""
        async with self._write() as db:
            row = await self._upsert_chat(db, address, kind)
        return await self._chat_from_row(row)

    @staticmethod
    async def _upsert_chat(
        db: aiosqlite.Connection, address: ChatAddress, kind: str
    ) -> sqlite3.Row:
        async with db.execute(
            "INSERT INTO chats (platform, chat_id, thread_id, kind, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id, thread_id)"
            " DO UPDATE SET kind = excluded.kind, active = 1 RETURNING *",
            (address.platform, address.chat_id, address.thread_id or "", kind, to_text(utcnow())),
        ) as cursor:
            return await cursor.fetchone()

    async def sync_broadcasts(
        self, targets: Sequence[tuple[ChatAddress, str, Sequence[Subscription]]]
    ) -> None:
        """Make the config's broadcast chats follow exactly what it says; dropped ones stop."""
        now = to_text(utcnow())
        async with self._write() as db:
            async with db.execute(
                "SELECT chat FROM chat_settings WHERE key = 'broadcast'"
            ) as cursor:
                dropped = {row[0] for row in await cursor.fetchall()}
            for address, kind, follows in targets:
                chat = (await self._upsert_chat(db, address, kind))["id"]
                dropped.discard(chat)
                await db.execute("DELETE FROM subscriptions WHERE chat = ?", (chat,))
                await db.executemany(
                    "INSERT INTO subscriptions (chat, kind, value, created_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [(chat, follow.kind, follow.value, now) for follow in follows],
                )
                await db.execute(
                    "INSERT INTO chat_settings (chat, key, value) VALUES (?, 'broadcast', '1')"
                    " ON CONFLICT DO NOTHING",
                    (chat,),
                )
            for chat in dropped:
                await db.execute("DELETE FROM subscriptions WHERE chat = ?", (chat,))
                await db.execute(
                    "DELETE FROM chat_settings WHERE chat = ? AND key = 'broadcast'", (chat,)
                )

    async def find_chat(self, address: ChatAddress) -> Chat | None:
        rows = await self._rows(
            "SELECT * FROM chats WHERE platform = ? AND chat_id = ? AND thread_id = ?",
            (address.platform, address.chat_id, address.thread_id or ""),
        )
        return await self._chat_from_row(rows[0]) if rows else None

    async def _chat_from_row(self, row: sqlite3.Row) -> Chat:
        settings = await self._rows(
            "SELECT key, value FROM chat_settings WHERE chat = ?", (row["id"],)
        )
        return Chat(
            id=row["id"],
            address=ChatAddress(row["platform"], row["chat_id"], row["thread_id"] or None),
            kind=row["kind"],
            active=bool(row["active"]),
            settings={key: value for key, value in settings},
        )

    async def set_chat_active(self, address: ChatAddress, active: bool) -> None:
        """Stop (or resume) pushing to a chat the bot was removed from (or added back to).

        An address without a thread means the whole chat, forum topics included. A chat
        that goes inactive keeps its subscriptions, so being added back restores them;
        its pending deliveries are dropped, as nobody could receive them.
        """
        where = "platform = ? AND chat_id = ?"
        params: tuple = (address.platform, address.chat_id)
        if address.thread_id is not None:
            where += " AND thread_id = ?"
            params += (address.thread_id,)
        async with self._write() as db:
            await db.execute(f"UPDATE chats SET active = ? WHERE {where}", (int(active), *params))
            if not active:
                await db.execute(
                    "UPDATE outbox SET state = 'dead', error = 'chat gone: the bot was removed'"
                    f" WHERE state = 'pending' AND chat IN (SELECT id FROM chats WHERE {where})",
                    params,
                )

    async def set_settings(self, chat_id: int, settings: dict[str, str | None]) -> None:
        """Set (or, for None, remove) some of a chat's settings at once."""
        async with self._write() as db:
            for key, value in settings.items():
                if value is None:
                    await db.execute(
                        "DELETE FROM chat_settings WHERE chat = ? AND key = ?", (chat_id, key)
                    )
                else:
                    await db.execute(
                        "INSERT INTO chat_settings (chat, key, value) VALUES (?, ?, ?)"
                        " ON CONFLICT (chat, key) DO UPDATE SET value = excluded.value",
                        (chat_id, key, value),
                    )

    async def subscribe(self, chat_id: int, subscription: Subscription) -> bool:
        """Add a subscription; False when the chat already had it."""
        async with self._write() as db:
            cursor = await db.execute(
                "INSERT INTO subscriptions (chat, kind, value, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (chat_id, subscription.kind, subscription.value, to_text(utcnow())),
            )
            return cursor.rowcount > 0

    async def unsubscribe(self, chat_id: int, subscription: Subscription | None) -> int:
        """Remove one subscription, or all of the chat's when `subscription` is None."""
        async with self._write() as db:
            if subscription is None:
                cursor = await db.execute("DELETE FROM subscriptions WHERE chat = ?", (chat_id,))
            else:
                cursor = await db.execute(
                    "DELETE FROM subscriptions WHERE chat = ? AND kind = ? AND value = ?",
                    (chat_id, subscription.kind, subscription.value),
                )
            return cursor.rowcount

    async def subscriptions(self, chat_id: int) -> list[Subscription]:
        rows = await self._rows(
            "SELECT kind, value FROM subscriptions WHERE chat = ? ORDER BY kind, value",
            (chat_id,),
        )
        return [Subscription(row["kind"], row["value"]) for row in rows]

    async def forget(self, address: ChatAddress) -> bool:
        """Delete the chat and everything stored about it; False if nothing was stored."""
        async with self._write() as db:
            cursor = await db.execute(
                "DELETE FROM chats WHERE platform = ? AND chat_id = ? AND thread_id = ?",
                (address.platform, address.chat_id, address.thread_id or ""),
            )
            return cursor.rowcount > 0
