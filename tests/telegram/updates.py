"""The updates waiting for getUpdates, handed out and confirmed the way Telegram does."""

import asyncio
import itertools

# Telegram leaves these out unless allowed_updates names them.
_OPT_IN_KINDS = {"chat_member", "message_reaction", "message_reaction_count"}


def update_kind(update: dict) -> str:
    (kind,) = (key for key in update if key != "update_id")
    return kind


class UpdateQueue:
    """Pending updates; an update stays until a later getUpdates offset confirms it."""

    def __init__(self) -> None:
        self._pending: list[dict] = []
        self._ids = itertools.count(1)
        self._arrived = asyncio.Event()
        self._allowed: set[str] = set()
        self._closed = False

    def push(self, kind: str, payload: dict) -> dict:
        update = {"update_id": next(self._ids), kind: payload}
        self._pending.append(update)
        self._wake()
        return update

    def __len__(self) -> int:
        return len(self._pending)

    def clear(self) -> None:
        self._pending.clear()

    def confirm(self, offset: int) -> None:
        """A positive offset confirms every earlier update; a negative one keeps the last few."""
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def allow(self, kinds: list[str]) -> None:
        """Telegram remembers allowed_updates until a later getUpdates changes it."""
        self._allowed = set(kinds)

    def ready(self, limit: int) -> list[dict]:
        """Updates of kinds the bot did not allow are dropped, as Telegram never sends them."""
        self._pending = [u for u in self._pending if self._is_allowed(update_kind(u))]
        return self._pending[:limit]

    async def wait(self) -> None:
        """Return when an update the bot allows arrives or the server closes."""
        while not self._closed and not self.ready(1):
            await self._arrived.wait()

    def close(self) -> None:
        """Let every waiting long poll answer now, so the server can stop at once."""
        self._closed = True
        self._wake()

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed:
            return kind in self._allowed
        return kind not in _OPT_IN_KINDS

    def _wake(self) -> None:
        self._arrived.set()
        self._arrived = asyncio.Event()
