"""The Matrix platform: sign in, join the broadcast rooms, answer commands, send statements.

`start` signs in (once with a password; the session is kept), joins the configured
broadcast rooms, syncs once so the rooms' state is known, then follows the homeserver
in a task. `send` answers an outcome for every homeserver error and never raises for one.
"""

from __future__ import annotations

import asyncio
import logging

from nio import (
    AsyncClient,
    RoomCreateResponse,
    RoomPreset,
    RoomSendError,
    RoomSendResponse,
)

from bot.config import MatrixConfig
from bot.core import Core
from bot.matrix.content import notice
from bot.matrix.events import ROOM_KIND, Events
from bot.matrix.outcomes import TRANSPORT_ERRORS, error_outcome, send_outcome
from bot.matrix.rooms import Rooms, Unresolved, is_alias
from bot.matrix.session import new_client, sign_in
from bot.matrix.syncer import Syncer
from bot.models import ChatAddress
from bot.push.protocol import Gone, Moved, Outcome, Sent, Transient
from bot.push.ratelimit import Rate, RateLimiter
from bot.reply import Reply, reply
from handlers.context import Services

log = logging.getLogger(__name__)


class MatrixPlatform:
    name = "matrix"

    def __init__(
        self,
        config: MatrixConfig,
        core: Core,
        *,
        sync_timeout_ms: int = 30_000,
        max_backoff: float = 60.0,
    ) -> None:
        self._config = config
        self._core = core
        self._sync_timeout_ms = sync_timeout_ms
        self._max_backoff = max_backoff
        # One limiter for pushes and replies, so together they keep each room's pace.
        self._limiter = RateLimiter(None, {ROOM_KIND: Rate(1, 1 / config.room_messages_per_second)})
        self._client: AsyncClient | None = None
        self._rooms: Rooms | None = None
        self._task: asyncio.Task | None = None
        self._syncer: Syncer | None = None

    def rate_limiter(self) -> RateLimiter:
        return self._limiter

    @property
    def connected(self) -> bool:
        """Following the homeserver, and its last sync succeeded: what /healthz reports."""
        task, syncer = self._task, self._syncer
        return task is not None and not task.done() and syncer is not None and syncer.healthy

    @property
    def client(self) -> AsyncClient | None:
        """The signed-in client while running (for status and tests)."""
        return self._client

    async def start(self) -> None:
        if self._client is not None:
            return
        config, core = self._config, self._core
        client = new_client(config, core.config.resolve(config.store_path))
        try:
            await sign_in(client, config, core.store)
            broadcasts = [b.chat for b in core.config.broadcasts if b.platform == self.name]
            rooms = Rooms(client, broadcasts)
            events = Events(client, config, Services.for_core(core), rooms, self._limiter)
            await self._enter(rooms, events)
            syncer = Syncer(
                client,
                core.store,
                events,
                timeout_ms=self._sync_timeout_ms,
                max_backoff=self._max_backoff,
                sign_in_again=(
                    (lambda: sign_in(client, config, core.store)) if config.password else None
                ),
            )
            await syncer.first()
        except BaseException:
            await client.close()
            raise
        self._client, self._rooms, self._syncer = client, rooms, syncer
        self._task = asyncio.create_task(syncer.run(), name="matrix-sync")
        log.info("matrix: signed in as %s on device %s", client.user_id, client.device_id)

    async def _enter(self, rooms: Rooms, events: Events) -> None:
        """Join the broadcast rooms named in the config (by id or alias)."""
        for chat in rooms.configured:
            room_id = await rooms.resolve(chat)
            if isinstance(room_id, Unresolved):
                log.warning("matrix: broadcast room %s: %s", chat, room_id.reason)
                continue
            if await events.join(chat) is None:
                log.warning("matrix: not in broadcast room %s; invite me there", chat)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise
            except Exception:
                log.exception("matrix: the sync task had failed")
        client, self._client = self._client, None
        self._rooms = self._syncer = None
        if client is not None:
            await client.close()

    async def notify_operators(self, text: str) -> None:
        """Tell each operator in a private room; one unreachable operator stops no one."""
        client = self._client
        if client is None:
            return
        content = notice(reply(text), self._config.command_prefix)
        for operator in self._config.operators:
            try:
                outcome = await self._tell(client, operator, content)
            except TRANSPORT_ERRORS as error:
                outcome = error_outcome(error)
            if not isinstance(outcome, Sent):
                log.warning("matrix: could not alert operator %s: %s", operator, outcome)

    async def _tell(self, client: AsyncClient, operator: str, content: dict) -> Outcome:
        """Send in the bot's private room with `operator`, opening one if there is none (left)."""
        store = self._core.store
        room_id = await store.matrix_operator_room(client.user_id, operator)
        if room_id is not None:
            outcome = send_outcome(await self._send(client, room_id, content))
            if not isinstance(outcome, Gone):
                return outcome
        created = await client.room_create(
            is_direct=True, invite=[operator], preset=RoomPreset.trusted_private_chat
        )
        if not isinstance(created, RoomCreateResponse):
            return Transient(f"cannot open a private room: {created}")
        await store.save_matrix_operator_room(client.user_id, operator, created.room_id)
        return send_outcome(await self._send(client, created.room_id, content))

    async def send(self, address: ChatAddress, message: Reply) -> Outcome:
        client, rooms = self._client, self._rooms
        if client is None or rooms is None:
            return Transient("the Matrix platform is not running")
        content = notice(message, self._config.command_prefix)
        try:
            room_id = await rooms.resolve(address.chat_id)
            if isinstance(room_id, Unresolved):
                return Gone(room_id.reason) if room_id.gone else Transient(room_id.reason)
            current = rooms.current(room_id)
            # The room was upgraded: a chat still kept under the old id moves with it.
            if (
                current != room_id
                and not is_alias(address.chat_id)
                and await self._core.store.find_chat(address) is not None
            ):
                return Moved(current)
            outcome = send_outcome(await self._send(client, current, content))
            if isinstance(outcome, Gone) and is_alias(address.chat_id):
                # The alias may point at another room by now: look again before giving up.
                again = await rooms.resolve(address.chat_id, fresh=True)
                if not isinstance(again, Unresolved) and rooms.current(again) != current:
                    outcome = send_outcome(await self._send(client, rooms.current(again), content))
        except TRANSPORT_ERRORS as error:
            return error_outcome(error)
        return outcome

    @staticmethod
    async def _send(
        client: AsyncClient, room_id: str, content: dict
    ) -> RoomSendResponse | RoomSendError:
        return await client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
