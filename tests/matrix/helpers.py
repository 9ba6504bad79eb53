"""What the Matrix bot tests share: a running bot over a real homeserver, and a watching user."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from nio import (
    AsyncClient,
    Event,
    JoinResponse,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomPreset,
    RoomSendError,
    RoomSendResponse,
    RoomVisibility,
    SyncResponse,
)

from bot.app import background, sender_for
from bot.config import Broadcast, Config, DatabaseConfig, MatrixConfig, PushConfig
from bot.core import Core, open_core
from bot.ingest import ingest
from bot.matrix.platform import MatrixPlatform
from bot.models import RawStatement
from tests.matrix.synapse import Synapse

DEADLINE = 20.0
FAST_PUSH = PushConfig(poll_seconds=0.1)
"""The sender looks at the outbox often, so tests wait little for pushed statements."""
T = TypeVar("T")


async def sync_until(client: AsyncClient, find: Callable[[SyncResponse], T | None]) -> T:
    """Long-poll sync until `find` returns something, so tests never sleep blindly."""
    async with asyncio.timeout(DEADLINE):
        while True:
            response = await client.sync(timeout=1000)
            assert isinstance(response, SyncResponse), response
            found = find(response)
            if found is not None:
                return found


async def create_room_with(owner: AsyncClient, *members: AsyncClient) -> str:
    created = await owner.room_create(invite=[member.user_id for member in members])
    assert isinstance(created, RoomCreateResponse), created
    for member in members:
        joined = await member.join(created.room_id)
        assert isinstance(joined, JoinResponse), joined
    return created.room_id


async def send_text(
    client: AsyncClient, room_id: str, body: str, **content: Any
) -> RoomSendResponse | RoomSendError:
    return await client.room_send(
        room_id, "m.room.message", {"msgtype": "m.text", "body": body, **content}
    )


async def eventually(check: Callable[[], Awaitable[T | None]], deadline: float = DEADLINE) -> T:
    """Poll `check` (a store read, say) until it answers something truthy."""
    async with asyncio.timeout(deadline):
        while True:
            if found := await check():
                return found
            await asyncio.sleep(0.05)


@dataclass
class Seen:
    room_id: str
    event: Event

    @property
    def content(self) -> dict[str, Any]:
        return self.event.source.get("content", {})

    @property
    def in_reply_to(self) -> str | None:
        return self.content.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")


@dataclass
class Watcher:
    """A user's view of their rooms: every timeline event their syncs brought, kept in order.

    `wait_for` looks at what was already seen before syncing again, so waiting for one
    event never loses another that arrived in the same sync.
    """

    client: AsyncClient
    seen: list[Seen] = field(default_factory=list)
    invites: list[str] = field(default_factory=list)

    async def wait_for(self, match: Callable[[Seen], bool], deadline: float = DEADLINE) -> Seen:
        checked = 0
        async with asyncio.timeout(deadline):
            while True:
                for item in self.seen[checked:]:
                    if match(item):
                        return item
                checked = len(self.seen)
                await self.sync()

    async def sync(self) -> None:
        response = await self.client.sync(timeout=1000)
        assert isinstance(response, SyncResponse), response
        for room_id, info in response.rooms.join.items():
            self.seen.extend(Seen(room_id, event) for event in info.timeline.events)
        self.invites.extend(response.rooms.invite)

    async def invited(self, deadline: float = DEADLINE) -> str:
        """The next room this user is invited to."""
        async with asyncio.timeout(deadline):
            while not self.invites:
                await self.sync()
        return self.invites.pop(0)

    async def reply_to(self, room_id: str, event_id: str) -> Seen:
        return await self.wait_for(lambda s: s.room_id == room_id and s.in_reply_to == event_id)

    async def joined(self, room_id: str, user_id: str) -> Seen:
        return await self.wait_for(
            lambda s: (
                s.room_id == room_id
                and isinstance(s.event, RoomMemberEvent)
                and s.event.state_key == user_id
                and s.event.membership == "join"
            )
        )

    async def room_with(self, user_id: str, **options: Any) -> str:
        """A new room with `user_id` (the bot) invited, returned once they have joined, so
        the test's first command cannot arrive before the bot is there to read it."""
        created = await self.client.room_create(invite=[user_id], **options)
        assert isinstance(created, RoomCreateResponse), created
        await self.joined(created.room_id, user_id)
        return created.room_id

    def replies_to(self, event_id: str) -> list[Seen]:
        return [s for s in self.seen if s.in_reply_to == event_id]

    def notices(self, room_id: str) -> list[Seen]:
        return [
            s for s in self.seen if s.room_id == room_id and s.content.get("msgtype") == "m.notice"
        ]

    async def command(self, room_id: str, text: str, **content: Any) -> str:
        """Send a command and return its event id."""
        sent = await send_text(self.client, room_id, text, **content)
        assert isinstance(sent, RoomSendResponse), sent
        return sent.event_id


@dataclass(frozen=True)
class BotAccount:
    server: Synapse
    user_id: str
    password: str


async def bot_account(server: Synapse) -> BotAccount:
    password = secrets.token_hex(8)
    user_id, _, _ = await server.register(f"partywire-{secrets.token_hex(4)}", password=password)
    return BotAccount(server, user_id, password)


@dataclass
class RunningBot:
    core: Core
    platform: MatrixPlatform

    async def statement(self, text: str, url: str | None = None) -> None:
        """A new statement arrives, as from a source: stored and fanned out to followers."""
        raw = RawStatement(text=text, source="test", url=url)
        report = await ingest(
            self.core.store, self.core.recogniser, [raw], audience=self.core.audience
        )
        assert report.stored, "the statement was already stored"


def bot_config(
    account: BotAccount,
    database: Path,
    *,
    broadcasts: tuple[Broadcast, ...] = (),
    push: PushConfig = FAST_PUSH,
    **matrix: Any,
) -> Config:
    return dataclasses.replace(
        Config(),
        matrix=MatrixConfig(
            homeserver=account.server.base_url,
            user_id=account.user_id,
            password=account.password,
            **matrix,
        ),
        database=DatabaseConfig(str(database)),
        broadcasts=broadcasts,
        push=push,
    )


@asynccontextmanager
async def running_bot(config: Config, *, sender: bool = True) -> AsyncIterator[RunningBot]:
    """The real platform over a real store, with the real sender draining its outbox."""
    assert config.matrix is not None
    async with open_core(config) as core:
        platform = MatrixPlatform(config.matrix, core, sync_timeout_ms=5000, max_backoff=2.0)
        await platform.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                if sender:
                    await stack.enter_async_context(
                        background("matrix-sender", sender_for(core, platform).run)
                    )
                yield RunningBot(core, platform)
        finally:
            await platform.stop()


async def public_room(owner: AsyncClient, *, alias: str | None = None, invite=()) -> str:
    created = await owner.room_create(
        visibility=RoomVisibility.public,
        preset=RoomPreset.public_chat,
        alias=alias,
        invite=list(invite),
    )
    assert isinstance(created, RoomCreateResponse), created
    return created.room_id


async def client_api(
    server: Synapse, client: AsyncClient, method: str, path: str, body: Any = None
) -> dict[str, Any]:
    """A client-server API call that nio has no method for (room upgrades)."""
    async with httpx.AsyncClient(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {client.access_token}"},
        trust_env=False,
        timeout=30,
    ) as http:
        response = await http.request(method, path, json=body)
    assert response.status_code == 200, response.text
    return response.json()
