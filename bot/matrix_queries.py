"""The Matrix adapter's SQL: its login session and its sync token, kept between runs.

Part of the store (mixed into `bot.store.Store`). Both live in the generic `state`
table under keys named by the bot's user id, so a config that switches to another
account never resumes the old account's session or sync position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MatrixSession:
    """A login the bot keeps so that it logs in with its password only once."""

    homeserver: str
    user_id: str
    device_id: str
    access_token: str

    @classmethod
    def from_json(cls, text: str) -> MatrixSession | None:
        try:
            data = json.loads(text)
            return cls(
                str(data["homeserver"]),
                str(data["user_id"]),
                str(data["device_id"]),
                str(data["access_token"]),
            )
        except (ValueError, TypeError, KeyError):
            return None

    def to_json(self) -> str:
        return json.dumps(
            {
                "homeserver": self.homeserver,
                "user_id": self.user_id,
                "device_id": self.device_id,
                "access_token": self.access_token,
            }
        )


def _session_key(user_id: str) -> str:
    return f"matrix.session:{user_id}"


def _sync_key(user_id: str) -> str:
    return f"matrix.next_batch:{user_id}"


def _operator_key(user_id: str, operator: str) -> str:
    return f"matrix.operator_room:{user_id}:{operator}"


class MatrixQueries:
    """Mixed into `Store`, which provides `_write` and `_value`."""

    async def matrix_session(self, user_id: str) -> MatrixSession | None:
        value = await self._value("SELECT value FROM state WHERE key = ?", (_session_key(user_id),))
        return MatrixSession.from_json(value) if value is not None else None

    async def save_matrix_session(self, session: MatrixSession) -> None:
        await self._put_state(_session_key(session.user_id), session.to_json())

    async def matrix_sync_token(self, user_id: str) -> str | None:
        """Where the last sync ended: the next run continues from there."""
        return await self._value("SELECT value FROM state WHERE key = ?", (_sync_key(user_id),))

    async def save_matrix_sync_token(self, user_id: str, token: str) -> None:
        await self._put_state(_sync_key(user_id), token)

    async def matrix_operator_room(self, user_id: str, operator: str) -> str | None:
        """The private room in which the bot tells an operator about trouble."""
        return await self._value(
            "SELECT value FROM state WHERE key = ?", (_operator_key(user_id, operator),)
        )

    async def save_matrix_operator_room(self, user_id: str, operator: str, room_id: str) -> None:
        await self._put_state(_operator_key(user_id, operator), room_id)

    async def _put_state(self, key: str, value: str) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
