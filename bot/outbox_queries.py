"""The outbox's SQL: fan-out, claiming due deliveries, and recording what became of them.

Part of the store (mixed into `bot.store.Store`). A row is `pending` until a sender
claims it (`sending`), then `sent` or `dead`, or `pending` again with a later
`due_at`. Rows stay `sending` only while a message is in flight, so after a crash
`reset_claims` can send them again: at most the in-flight window is repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.models import ChatAddress, Statement
from bot.times import from_text, to_text, utcnow

Audience = Callable[[Statement, Collection[str]], Iterable[tuple[str, str]]]
"""The subscription (kind, value) pairs a statement matches, given the word subscriptions."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send: a statement, or a digest of a chat's due statements."""

    rows: tuple[int, ...]
    chat: int
    address: ChatAddress
    kind: str
    statements: tuple[Statement, ...]
    first_created: datetime
    attempts: int
    digest_at: datetime | None
    """The chat's next daily digest time, when it takes a daily digest."""


@dataclass(frozen=True, slots=True)
class Done:
    pass


@dataclass(frozen=True, slots=True)
class Retry:
    due_at: datetime
    error: str


@dataclass(frozen=True, slots=True)
class Dead:
    reason: str


@dataclass(frozen=True, slots=True)
class ChatGone:
    reason: str


@dataclass(frozen=True, slots=True)
class ChatMoved:
    chat_id: str


Action = Done | Retry | Dead | ChatGone | ChatMoved


class OutboxQueries:
    """Mixed into `Store`, which provides the connection, `_write`, `_rows` and `_statements`."""

    async def _fan_out(
        self,
        db: aiosqlite.Connection,
        statements: Sequence[Statement],
        audience: Audience,
        now: str,
    ) -> None:
        """One outbox row per (new statement, active chat that follows it), in the caller's transaction."""
        async with db.execute(
            "SELECT DISTINCT value FROM subscriptions WHERE kind = 'words'"
        ) as cursor:
            words = frozenset(row[0] for row in await cursor.fetchall())
        await db.executemany(
            "INSERT INTO outbox (statement_id, chat, platform, due_at, created_at)"
            " SELECT ?, c.id, c.platform, coalesce(c.next_digest_at, ?), ?"
            " FROM subscriptions s JOIN chats c ON c.id = s.chat"
            " WHERE s.kind = ? AND s.value = ? AND c.active = 1"
            " ON CONFLICT (statement_id, chat) DO NOTHING",
            [
                (statement.id, now, now, kind, value)
                for statement in statements
                for kind, value in dict.fromkeys(audience(statement, words))
            ],
        )

    async def reset_claims(self, platform: str) -> int:
        """Make rows left `sending` by a process that died pending again."""
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE outbox SET state = 'pending' WHERE platform = ? AND state = 'sending'",
                (platform,),
            )
            return cursor.rowcount

    async def claim(self, platform: str, now: datetime, limit: int, burst: int) -> list[Delivery]:
        """Claim due rows for up to `limit` chats' worth of messages, grouped into deliveries.

        A chat with more than `burst` due statements, or one that takes a daily
        digest, gets them all in one delivery; other chats get one per statement.
        """
        moment = to_text(now)
        async with self._write() as db:
            async with db.execute(
                "SELECT DISTINCT chat FROM (SELECT chat FROM outbox WHERE platform = ?"
                " AND state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?)",
                (platform, moment, limit),
            ) as cursor:
                chats = [row[0] for row in await cursor.fetchall()]
            if not chats:
                return []
            marks = ",".join("?" * len(chats))
            async with db.execute(
                f"UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE chat IN ({marks})"
                " AND state = 'pending' AND due_at <= ? RETURNING id, statement_id, chat, attempts, created_at",
                (*chats, moment),
            ) as cursor:
                rows = sorted(await cursor.fetchall(), key=lambda row: row[0])
            async with db.execute(
                f"SELECT id, platform, chat_id, thread_id, kind, next_digest_at FROM chats WHERE id IN ({marks})",
                chats,
            ) as cursor:
                chat_rows = {row[0]: row for row in await cursor.fetchall()}
        statements = {
            s.id: s for s in await self._statements_by_id(sorted({row[1] for row in rows}))
        }
        by_chat: dict[int, list] = {}
        for row in rows:
            by_chat.setdefault(row[2], []).append(row)
        deliveries = []
        for chat, chat_rows_due in by_chat.items():
            info = chat_rows[chat]
            digest_at = from_text(info[5])
            groups = (
                [chat_rows_due]
                if digest_at is not None or len(chat_rows_due) > burst
                else [[row] for row in chat_rows_due]
            )
            for group in groups:
                deliveries.append(
                    Delivery(
                        rows=tuple(row[0] for row in group),
                        chat=chat,
                        address=ChatAddress(info[1], info[2], info[3] or None),
                        kind=info[4],
                        statements=tuple(statements[row[1]] for row in group),
                        first_created=min(from_text(row[4]) for row in group),
                        attempts=max(row[3] for row in group),
                        digest_at=digest_at,
                    )
                )
        return deliveries

    async def record(self, results: Sequence[tuple[Delivery, Action]], now: datetime) -> None:
        """Apply what became of each delivery, all in one transaction."""
        moment = to_text(now)
        async with self._write() as db:
            for delivery, action in results:
                rows = [(row,) for row in delivery.rows]
                if isinstance(action, Done):
                    await db.executemany(
                        "UPDATE outbox SET state = 'sent', sent_at = ?, error = NULL WHERE id = ?",
                        [(moment, row) for row in delivery.rows],
                    )
                elif isinstance(action, Retry):
                    await db.executemany(
                        "UPDATE outbox SET state = 'pending', due_at = ?, error = ? WHERE id = ?",
                        [(to_text(action.due_at), action.error, row) for row in delivery.rows],
                    )
                elif isinstance(action, Dead):
                    await self._kill(db, "id = ?", rows, action.reason)
                elif isinstance(action, ChatGone):
                    await db.execute("UPDATE chats SET active = 0 WHERE id = ?", (delivery.chat,))
                    await self._kill(
                        db,
                        "chat = ? AND state IN ('pending', 'sending')",
                        [(delivery.chat,)],
                        f"chat gone: {action.reason}",
                    )
                else:
                    await self._move_chat(db, delivery.chat, delivery.address, action.chat_id)

    @staticmethod
    async def _kill(db: aiosqlite.Connection, where: str, params: list, reason: str) -> None:
        await db.executemany(
            f"UPDATE outbox SET state = 'dead', error = ? WHERE {where}",
            [(reason, *p) for p in params],
        )

    async def move_chat(self, address: ChatAddress, new_id: str) -> None:
        """Follow a chat that the platform says lives on under `new_id` (a migration, an upgrade)."""
        async with self._write() as db:
            async with db.execute(
                "SELECT id FROM chats WHERE platform = ? AND chat_id = ? AND thread_id = ?",
                (address.platform, address.chat_id, address.thread_id or ""),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                await self._move_chat(db, row[0], address, new_id)

    @staticmethod
    async def _move_chat(
        db: aiosqlite.Connection, chat: int, address: ChatAddress, new_id: str
    ) -> None:
        """Move a chat's subscriptions and pending rows to `new_id`, merging if the bot knew it."""
        async with db.execute(
            "SELECT id FROM chats WHERE platform = ? AND chat_id = ? AND thread_id = ?",
            (address.platform, new_id, address.thread_id or ""),
        ) as cursor:
            existing = await cursor.fetchone()
        await db.execute(
            "UPDATE outbox SET state = 'pending' WHERE chat = ? AND state = 'sending'", (chat,)
        )
        if existing is None or existing[0] == chat:
            await db.execute("UPDATE chats SET chat_id = ? WHERE id = ?", (new_id, chat))
            return
        target = existing[0]
        await db.execute(
            "INSERT INTO subscriptions (chat, kind, value, created_at)"
            " SELECT ?, kind, value, created_at FROM subscriptions WHERE chat = ?"
            " ON CONFLICT DO NOTHING",
            (target, chat),
        )
        await db.execute(
            "UPDATE OR IGNORE outbox SET chat = ? WHERE chat = ? AND state = 'pending'",
            (target, chat),
        )
        await db.execute("DELETE FROM chats WHERE id = ?", (chat,))

    async def outbox_counts(self) -> dict[tuple[str, str], int]:
        """Rows by (platform, state): what operators watch."""
        rows = await self._rows(
            "SELECT platform, state, count(*) FROM outbox GROUP BY platform, state"
        )
        return {(row[0], row[1]): row[2] for row in rows}

    async def dead_deliveries(self, limit: int = 10) -> list[tuple[str, str, int]]:
        """The commonest reasons rows died, as (platform, reason, count)."""
        rows = await self._rows(
            "SELECT platform, error, count(*) AS n FROM outbox WHERE state = 'dead'"
            " GROUP BY platform, error ORDER BY n DESC LIMIT ?",
            (limit,),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def set_digest(self, chat: int, next_at: datetime | None) -> None:
        """Start, move or stop (None) a chat's daily digest; its pending rows follow."""
        due = to_text(next_at or utcnow())
        async with self._write() as db:
            await db.execute(
                "UPDATE chats SET next_digest_at = ? WHERE id = ?", (to_text(next_at), chat)
            )
            await db.execute(
                "UPDATE outbox SET due_at = ? WHERE chat = ? AND state = 'pending'", (due, chat)
            )
