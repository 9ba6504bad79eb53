"""Which room an address means: broadcast aliases, upgraded rooms, and who created a room.

A broadcast room may be configured by alias (`#news:example.org`); its chat is keyed by
that string, so the alias is resolved when sending, and commands in the room act on
the same chat. A room that was upgraded is followed to its replacement.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from nio import AsyncClient, RoomResolveAliasResponse

from bot.models import ChatAddress

log = logging.getLogger(__name__)

PLATFORM = "matrix"
MAX_UPGRADES = 16
"""Replacement rooms followed at most, so a tombstone cycle cannot loop forever."""


@dataclass(frozen=True, slots=True)
class Unresolved:
    """An alias that names no room (`gone`) or that could not be looked up just now."""

    reason: str
    gone: bool


def is_alias(chat_id: str) -> bool:
    return chat_id.startswith("#")


def privileged_creators(version: str) -> bool:
    """Whether a room version gives its creators a power above any level (v12, MSC4289)."""
    if version.startswith("org.matrix.hydra."):
        return True
    return version.isdigit() and int(version) >= 12


class Rooms:
    """Aliases, configured chat names and room creators, learnt at start and from syncs."""

    def __init__(self, client: AsyncClient, configured: Iterable[str]) -> None:
        self._client = client
        self._configured = tuple(configured)
        self._room_of_alias: dict[str, str] = {}
        self._alias_of_room: dict[str, str] = {}
        self._creators: dict[str, frozenset[str]] = {}

    @property
    def configured(self) -> tuple[str, ...]:
        """The broadcast rooms named in the config, by id or alias."""
        return self._configured

    async def resolve(self, chat_id: str, *, fresh: bool = False) -> str | Unresolved:
        """The room id for a chat id or alias; aliases are remembered until `fresh`."""
        if not is_alias(chat_id):
            return chat_id
        if not fresh and chat_id in self._room_of_alias:
            return self._room_of_alias[chat_id]
        response = await self._client.room_resolve_alias(chat_id)
        if not isinstance(response, RoomResolveAliasResponse):
            gone = response.status_code == "M_NOT_FOUND"
            return Unresolved(f"cannot resolve {chat_id}: {response}", gone=gone)
        previous = self._room_of_alias.get(chat_id)
        if previous is not None and previous != response.room_id:
            self._alias_of_room.pop(previous, None)
        self._room_of_alias[chat_id] = response.room_id
        if chat_id in self._configured:
            self._alias_of_room[response.room_id] = chat_id
        return response.room_id

    async def forget_room(self, room_id: str) -> None:
        """A room was upgraded: its aliases now point elsewhere, so look them up again."""
        aliases = [alias for alias, room in self._room_of_alias.items() if room == room_id]
        for alias in aliases:
            del self._room_of_alias[alias]
        self._alias_of_room.pop(room_id, None)
        for alias in aliases:
            if alias in self._configured:
                await self.resolve(alias)

    def address(self, room_id: str) -> ChatAddress:
        """The chat a room's commands act on: the configured alias's, else the room id's."""
        return ChatAddress(PLATFORM, self._alias_of_room.get(room_id, room_id))

    def addresses(self, room_id: str) -> list[ChatAddress]:
        """Every chat that may mean this room."""
        found = [ChatAddress(PLATFORM, room_id)]
        if alias := self._alias_of_room.get(room_id):
            found.append(ChatAddress(PLATFORM, alias))
        return found

    def current(self, room_id: str) -> str:
        """The room that replaced `room_id` (through any upgrades), as far as the bot knows."""
        for _ in range(MAX_UPGRADES):
            room = self._client.rooms.get(room_id)
            if room is None or not room.replacement_room:
                break
            room_id = room.replacement_room
        return room_id

    def learn_creators(self, room_id: str, sender: str, content: dict) -> None:
        """Note who created a room, from its `m.room.create` event."""
        if not privileged_creators(str(content.get("room_version", "1"))):
            self._creators.pop(room_id, None)
            return
        extra = content.get("additional_creators") or []
        self._creators[room_id] = frozenset([sender, *(u for u in extra if isinstance(u, str))])

    def is_creator(self, room_id: str, user_id: str) -> bool:
        """Whether `user_id` outranks every power level in the room (a v12 room's creator)."""
        return user_id in self._creators.get(room_id, ())
