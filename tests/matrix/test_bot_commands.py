"""The Matrix bot in rooms on a real homeserver: invitations, commands, replies, permissions."""

from __future__ import annotations

import pytest
from nio import (
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomPutStateResponse,
)

from bot.matrix.rooms import PLATFORM
from bot.models import ChatAddress, Subscription
from tests.matrix.helpers import Watcher, bot_account, bot_config, running_bot

pytestmark = pytest.mark.slow


async def test_invited_bot_joins_and_answers_party_with_a_formatted_reply(
    synapse, matrix_user, tmp_path
) -> None:
    account = await bot_account(synapse)
    user = Watcher(await matrix_user("reader"))
    async with running_bot(bot_config(account, tmp_path / "bot.sqlite3"), sender=False):
        room_id = await user.room_with(account.user_id)

        asked = await user.command(room_id, "!party KKE")
        answer = await user.reply_to(room_id, asked)

    content = answer.content
    assert answer.event.sender == account.user_id
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert "Communist Party of Greece" in content["body"]
    assert (
        "<p>" in content["formatted_body"]
        and "Communist Party of Greece" in content["formatted_body"]
    )
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": asked}}


async def test_bot_answers_when_named_and_leaves_other_messages_alone(
    synapse, matrix_user, tmp_path
) -> None:
    account = await bot_account(synapse)
    localpart = account.user_id[1:].split(":")[0]
    user = Watcher(await matrix_user("reader"))
    async with running_bot(bot_config(account, tmp_path / "bot.sqlite3"), sender=False):
        room_id = await user.room_with(account.user_id)

        chatter = await user.command(room_id, "good morning, comrades")
        other_bot = await user.command(room_id, "!weather Athens")
        by_name = await user.command(room_id, f"{localpart}: party KKE")
        pill = await user.command(
            room_id,
            "Partywire party KKE",
            format="org.matrix.custom.html",
            formatted_body=(
                f'<a href="https://matrix.to/#/{account.user_id}">Partywire</a> party KKE'
            ),
        )
        named_unknown = await user.command(room_id, f"{localpart}: dance")
        slash = await user.command(room_id, "/help")

        for asked in (by_name, pill, slash):
            await user.reply_to(room_id, asked)
        unknown = await user.reply_to(room_id, named_unknown)
        # One more command, so anything sent about the earlier messages has arrived.
        await user.reply_to(room_id, await user.command(room_id, "!help"))

    assert "I don't know" in unknown.content["body"]
    assert not user.replies_to(chatter)
    assert not user.replies_to(other_bot)
    assert all(len(user.replies_to(e)) == 1 for e in (by_name, pill, slash, named_unknown))


async def test_only_members_with_enough_power_change_subscriptions(
    synapse, matrix_user, tmp_path
) -> None:
    account = await bot_account(synapse)
    owner = Watcher(await matrix_user("owner"))
    moderator = Watcher(await matrix_user("moderator"))
    member = Watcher(await matrix_user("member"))
    config = bot_config(account, tmp_path / "bot.sqlite3")
    async with running_bot(config, sender=False) as bot:
        created = await owner.client.room_create(
            invite=[account.user_id, moderator.client.user_id, member.client.user_id]
        )
        assert isinstance(created, RoomCreateResponse), created
        room_id = created.room_id
        for watcher in (moderator, member):
            await watcher.client.join(room_id)
        levels = await owner.client.room_get_state_event(room_id, "m.room.power_levels")
        assert isinstance(levels, RoomGetStateEventResponse), levels
        content = levels.content | {
            "users": levels.content.get("users", {}) | {moderator.client.user_id: 50}
        }
        put = await owner.client.room_put_state(room_id, "m.room.power_levels", content)
        assert isinstance(put, RoomPutStateResponse), put
        await owner.joined(room_id, account.user_id)

        refused = await member.reply_to(room_id, await member.command(room_id, "!subscribe KKE"))
        address = ChatAddress(PLATFORM, room_id)
        chat_after_refusal = await bot.core.store.find_chat(address)

        accepted = await moderator.reply_to(
            room_id, await moderator.command(room_id, "!subscribe KKE")
        )
        chat = await bot.core.store.find_chat(address)
        assert chat is not None
        followed = await bot.core.store.subscriptions(chat.id)

        # The room's creator outranks every power level (room version 12).
        by_owner = await owner.reply_to(room_id, await owner.command(room_id, "!subscribe Cuba"))

    assert "Only this chat's admins" in refused.content["body"]
    assert chat_after_refusal is None
    assert accepted.content["body"].startswith("Subscribed.")
    assert followed == [Subscription("party", "communist-party-of-greece")]
    assert "admins" not in by_owner.content["body"]


async def test_listed_invite_policy_declines_strangers(synapse, matrix_user, tmp_path) -> None:
    account = await bot_account(synapse)
    friend = Watcher(await matrix_user("friend"))
    stranger = Watcher(await matrix_user("stranger"))
    config = bot_config(
        account,
        tmp_path / "bot.sqlite3",
        invite_policy="listed",
        invite_users=(friend.client.user_id,),
    )
    async with running_bot(config, sender=False):
        refused = await stranger.client.room_create(invite=[account.user_id])
        welcome = await friend.client.room_create(invite=[account.user_id])
        assert isinstance(refused, RoomCreateResponse) and isinstance(welcome, RoomCreateResponse)
        await friend.joined(welcome.room_id, account.user_id)
        left = await stranger.wait_for(
            lambda s: (
                s.room_id == refused.room_id
                and getattr(s.event, "state_key", None) == account.user_id
                and getattr(s.event, "membership", None) == "leave"
            )
        )

    assert left.event.sender == account.user_id
