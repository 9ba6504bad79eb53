"""What a sync brings, turned into the bot's actions: commands, joins, departures and moves.

Only events after the bot's own join are read in a room, so a room's history is never
taken for fresh commands; the first sync of a brand-new session is read for its
invitations and state alone.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass

from nio import (
    AsyncClient,
    InviteMemberEvent,
    JoinResponse,
    MatrixRoom,
    RoomCreateEvent,
    RoomGetStateEventResponse,
    RoomMemberEvent,
    RoomMessageText,
    RoomSendResponse,
    RoomUpgradeEvent,
    SyncResponse,
)
from nio.responses import InviteInfo, RoomInfo

from bot.config import MatrixConfig
from bot.matrix.commands import find_command, invite_accepted
from bot.matrix.content import notice
from bot.matrix.outcomes import TRANSPORT_ERRORS, rate_limited
from bot.matrix.rooms import PLATFORM, Rooms
from bot.models import ChatAddress
from bot.push.ratelimit import RateLimiter, wait_turn
from bot.reply import Reply
from handlers.commands import dispatch
from handlers.context import Asker, Services

log = logging.getLogger(__name__)

ROOM_KIND = "room"
REPLY_ATTEMPTS = 3
MAX_REPLY_WAIT = 30.0
"""A reply the server would hold back longer than this is dropped rather than sent late."""


@dataclass(frozen=True)
class _Command:
    room_id: str
    event: RoomMessageText
    text: str
    thread: str | None


class Events:
    """Reads sync responses and acts on them; one instance per running platform."""

    def __init__(
        self,
        client: AsyncClient,
        config: MatrixConfig,
        services: Services,
        rooms: Rooms,
        limiter: RateLimiter,
    ) -> None:
        self._client = client
        self._config = config
        self._services = services
        self._rooms = rooms
        self._limiter = limiter

    @property
    def _me(self) -> str:
        return self._client.user_id

    async def handle(self, response: SyncResponse, *, backlog: bool = False) -> None:
        """Act on one sync; with `backlog`, only on invitations and state, never on commands."""
        for room_id, invite in response.rooms.invite.items():
            await self._guard(self._invited(room_id, invite), "invitation to", room_id)
        for room_id, info in response.rooms.join.items():
            await self._guard(self._joined(room_id, info, backlog), "events in", room_id)
        for room_id, info in response.rooms.leave.items():
            await self._guard(self._left(room_id, info), "leaving", room_id)

    @staticmethod
    async def _guard(work: Awaitable[None], what: str, room_id: str) -> None:
        """One room's failure is logged and does not stop the others (cancellation still does)."""
        try:
            await work
        except Exception:
            log.exception("matrix: handling %s %s failed", what, room_id)

    # Invitations and membership

    async def _invited(self, room_id: str, invite: InviteInfo) -> None:
        inviter = next(
            (
                event.sender
                for event in invite.invite_state
                if isinstance(event, InviteMemberEvent)
                and event.state_key == self._me
                and event.membership == "invite"
            ),
            None,
        )
        if inviter is None:
            return
        if invite_accepted(self._config, inviter):
            log.info("matrix: %s invited me to %s; joining", inviter, room_id)
            await self.join(room_id)
        else:
            log.info("matrix: declining %s's invitation to %s (invite_policy)", inviter, room_id)
            await self._client.room_leave(room_id)

    async def join(self, room: str) -> str | None:
        """Join a room (by id or alias); a chat the bot had left is active again."""
        response = await self._client.join(room)
        if not isinstance(response, JoinResponse):
            log.warning("matrix: cannot join %s: %s", room, response)
            return None
        for address in self._rooms.addresses(response.room_id):
            chat = await self._services.store.find_chat(address)
            if chat is not None and not chat.active:
                await self._services.store.set_chat_active(address, True)
                log.info("matrix: back in %s; its subscriptions apply again", address.chat_id)
        return response.room_id

    async def _left(self, room_id: str, info: RoomInfo) -> None:
        own = [
            event
            for event in (*info.state, *info.timeline.events)
            if isinstance(event, RoomMemberEvent) and event.state_key == self._me
        ]
        if not own or own[-1].membership not in ("leave", "ban"):
            return
        last = own[-1]
        if last.prev_membership == "invite":
            return  # a declined or withdrawn invitation: the bot was never in the room
        if last.sender == self._me:
            log.info("matrix: left %s", room_id)
        else:
            verb = "banned" if last.membership == "ban" else "removed"
            log.info(
                "matrix: %s %s me from %s; no more statements go there", last.sender, verb, room_id
            )
        for address in self._rooms.addresses(room_id):
            await self._services.store.set_chat_active(address, False)
        self._client.rooms.pop(room_id, None)

    # Joined rooms: state, upgrades and commands

    async def _joined(self, room_id: str, info: RoomInfo, backlog: bool) -> None:
        timeline = info.timeline.events
        for event in (*info.state, *timeline):
            if isinstance(event, RoomCreateEvent):
                self._rooms.learn_creators(room_id, event.sender, event.source.get("content", {}))
        fresh_from = 0 if not backlog else len(timeline)
        for index, event in enumerate(timeline):
            if (
                isinstance(event, RoomMemberEvent)
                and event.state_key == self._me
                and event.membership == "join"
                and event.prev_membership != "join"
            ):
                # What came before the bot joined is the room's history, not a request.
                fresh_from = max(fresh_from, index + 1)
        for event in info.state:
            if isinstance(event, RoomUpgradeEvent):
                await self._upgraded(room_id, event.replacement_room, fresh=False)
        for index, event in enumerate(timeline):
            if isinstance(event, RoomUpgradeEvent):
                await self._upgraded(room_id, event.replacement_room, fresh=index >= fresh_from)
            elif (
                index >= fresh_from
                and isinstance(event, RoomMessageText)
                and (command := self._command(room_id, event))
            ):
                await self._answer(command)

    async def _upgraded(self, room_id: str, replacement: str, *, fresh: bool) -> None:
        """Follow a room upgrade: join the new room and move the old room's subscriptions.

        A tombstone read from state (after a restart) is acted on only while a chat is
        still kept under the old room, so it is followed once.
        """
        if not replacement or replacement == room_id:
            return
        old = ChatAddress(PLATFORM, room_id)
        known = await self._services.store.find_chat(old)
        if known is None and not fresh:
            return
        log.info("matrix: %s was upgraded to %s; following it", room_id, replacement)
        await self._rooms.forget_room(room_id)
        if await self.join(replacement) is None:
            log.warning(
                "matrix: could not join %s, the upgrade of %s; invite me there",
                replacement,
                room_id,
            )
        if known is not None:
            await self._services.store.move_chat(old, replacement)

    def _command(self, room_id: str, event: RoomMessageText) -> _Command | None:
        if event.sender == self._me:
            return None
        content = event.source.get("content", {})
        relation = content.get("m.relates_to") or {}
        if relation.get("rel_type") == "m.replace":
            return None  # an edit: the original was already answered
        room = self._client.rooms.get(room_id)
        found = find_command(
            event.body,
            event.formatted_body,
            user_id=self._me,
            display_name=room.user_name(self._me) if room else None,
            prefix=self._config.command_prefix,
        )
        if found is None:
            return None
        thread = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
        return _Command(room_id, event, found, thread)

    async def _answer(self, command: _Command) -> None:
        sender = command.event.sender
        asker = Asker(
            self._rooms.address(command.room_id),
            ROOM_KIND,
            sender,
            may_manage=lambda: self.may_manage(command.room_id, sender),
            is_operator=sender in self._config.operators,
        )
        reply = await dispatch(self._services, asker, command.text)
        if reply is None:
            return  # the room is flooding the bot: it is ignored for a while
        await self.reply(command.room_id, reply, command.event.event_id, command.thread)

    async def may_manage(self, room_id: str, user_id: str) -> bool:
        """Whether the user's power level in the room reaches `settings_power_level`."""
        if self._rooms.is_creator(room_id, user_id):
            return True
        room: MatrixRoom | None = self._client.rooms.get(room_id)
        if room is not None:
            level = room.power_levels.get_user_level(user_id)
        else:
            state = await self._client.room_get_state_event(room_id, "m.room.power_levels")
            if not isinstance(state, RoomGetStateEventResponse):
                log.warning("matrix: cannot read power levels of %s: %s", room_id, state)
                return False
            users = state.content.get("users", {})
            level = int(users.get(user_id, state.content.get("users_default", 0)))
        return level >= self._config.settings_power_level

    async def reply(
        self, room_id: str, reply: Reply, in_reply_to: str, thread: str | None = None
    ) -> None:
        """Answer a command, at the room's pace; a throttled reply waits and is tried again."""
        content = notice(reply, self._config.command_prefix, in_reply_to=in_reply_to, thread=thread)
        # One transaction id for every attempt: a retry after a lost answer is not a repeat.
        transaction = uuid.uuid4().hex
        problem: object = None
        for _ in range(REPLY_ATTEMPTS):
            await wait_turn(self._limiter, room_id, ROOM_KIND)
            try:
                response = await self._client.room_send(
                    room_id, "m.room.message", content, transaction, ignore_unverified_devices=True
                )
            except TRANSPORT_ERRORS as error:
                problem = error
                continue
            if isinstance(response, RoomSendResponse):
                return
            problem = response
            wait = rate_limited(response)
            if wait is None or wait > MAX_REPLY_WAIT:
                break
            self._limiter.pause(room_id, wait)
        log.warning("matrix: could not answer %s in %s: %s", in_reply_to, room_id, problem)
