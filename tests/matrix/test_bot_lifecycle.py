"""The Matrix bot across restarts, removals and room upgrades, on a real homeserver."""

from __future__ import annotations

import pytest
from nio import (
    AsyncClient,
    DevicesResponse,
    JoinResponse,
    RoomCreateResponse,
    RoomInviteResponse,
    RoomKickResponse,
)

from bot.matrix.rooms import PLATFORM
from bot.models import ChatAddress, Subscription
from tests.matrix.conftest import FAIL_FAST
from tests.matrix.helpers import (
    Watcher,
    bot_account,
    bot_config,
    client_api,
    eventually,
    public_room,
    running_bot,
)

pytestmark = pytest.mark.slow


async def _devices(bot) -> list[str]:
    response = await bot.platform.client.devices()
    assert isinstance(response, DevicesResponse), response
    return sorted(device.id for device in response.devices)


async def test_restart_answers_what_came_meanwhile_and_nothing_twice_without_logging_in(
    synapse, matrix_user, tmp_path
) -> None:
    account = await bot_account(synapse)
    user = Watcher(await matrix_user("reader"))
    config = bot_config(account, tmp_path / "bot.sqlite3")

    async with running_bot(config, sender=False) as first:
        room_id = await user.room_with(account.user_id)
        before = await user.command(room_id, "!party KKE")
        await user.reply_to(room_id, before)
        device = first.platform.client.device_id
        devices = await _devices(first)

    while_down = await user.command(room_id, "!latest")

    async with running_bot(config, sender=False) as second:
        await user.reply_to(room_id, while_down)
        after = await user.command(room_id, "!help")
        await user.reply_to(room_id, after)
        session = await second.core.store.matrix_session(account.user_id)
        assert second.platform.client.device_id == device
        assert await _devices(second) == devices

    assert session is not None and session.device_id == device
    assert [len(user.replies_to(e)) for e in (before, while_down, after)] == [1, 1, 1]


async def test_new_session_leaves_old_commands_unanswered(synapse, matrix_user, tmp_path) -> None:
    account = await bot_account(synapse)
    user = Watcher(await matrix_user("reader"))
    # The account is in the room, and asked, before the bot ever ran.
    created = await user.client.room_create(invite=[account.user_id])
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id
    early = AsyncClient(synapse.base_url, account.user_id, config=FAIL_FAST)
    try:
        logged_in = await early.login(account.password)
        assert isinstance(await early.join(room_id), JoinResponse), logged_in
    finally:
        await early.close()
    old = await user.command(room_id, "!latest")

    async with running_bot(bot_config(account, tmp_path / "bot.sqlite3"), sender=False):
        new = await user.command(room_id, "!help")
        await user.reply_to(room_id, new)
        # And one more, so a late answer to the old command would have shown by now.
        await user.reply_to(room_id, await user.command(room_id, "!party KKE"))

    assert user.replies_to(old) == []


async def test_kicked_bot_deactivates_the_room_until_invited_back(
    synapse, matrix_user, tmp_path
) -> None:
    account = await bot_account(synapse)
    owner = Watcher(await matrix_user("owner"))
    async with running_bot(bot_config(account, tmp_path / "bot.sqlite3")) as bot:
        room_id = await owner.room_with(account.user_id)
        await owner.reply_to(room_id, await owner.command(room_id, "!subscribe all"))
        address = ChatAddress(PLATFORM, room_id)
        assert (await bot.core.store.find_chat(address)).active

        kicked = await owner.client.room_kick(room_id, account.user_id, "too many statements")
        assert isinstance(kicked, RoomKickResponse), kicked

        async def inactive():
            chat = await bot.core.store.find_chat(address)
            return chat is not None and not chat.active

        await eventually(inactive)
        chat = await bot.core.store.find_chat(address)
        kept = await bot.core.store.subscriptions(chat.id)

        invited = await owner.client.room_invite(room_id, account.user_id)
        assert isinstance(invited, RoomInviteResponse), invited

        async def active_again():
            chat = await bot.core.store.find_chat(address)
            return chat is not None and chat.active

        await eventually(active_again)

    # Inactive, not forgotten: inviting the bot back restores what the room followed.
    assert kept == [Subscription("all")]


async def test_upgraded_room_takes_its_subscriptions_along(synapse, matrix_user, tmp_path) -> None:
    account = await bot_account(synapse)
    owner = Watcher(await matrix_user("owner"))
    async with running_bot(bot_config(account, tmp_path / "bot.sqlite3")) as bot:
        old_room = await public_room(owner.client, invite=[account.user_id])
        await owner.joined(old_room, account.user_id)
        await owner.reply_to(old_room, await owner.command(old_room, "!subscribe KKE"))

        upgraded = await client_api(
            synapse,
            owner.client,
            "POST",
            f"/_matrix/client/v3/rooms/{old_room}/upgrade",
            {"new_version": "12"},
        )
        new_room = upgraded["replacement_room"]
        await owner.joined(new_room, account.user_id)
        store = bot.core.store

        async def moved():
            return await store.find_chat(ChatAddress(PLATFORM, new_room))

        chat = await eventually(moved)
        old_chat = await store.find_chat(ChatAddress(PLATFORM, old_room))
        follows = await store.subscriptions(chat.id)

        await bot.statement("The KKE on the upgrade of the rooms of the working class.")
        await owner.wait_for(
            lambda s: s.room_id == new_room and "working class" in s.content.get("body", "")
        )

    assert old_chat is None
    assert follows == [Subscription("party", "communist-party-of-greece")]
    assert not [s for s in owner.notices(old_room) if "working class" in s.content.get("body", "")]


async def test_operators_are_told_in_a_private_room_and_health_follows_the_sync(
    synapse, matrix_user, tmp_path
) -> None:
    account = await bot_account(synapse)
    operator = Watcher(await matrix_user("operator"))
    config = bot_config(account, tmp_path / "bot.sqlite3", operators=(operator.client.user_id,))
    async with running_bot(config, sender=False) as bot:
        assert bot.platform.connected
        await bot.platform.notify_operators("Source kke.gr: failing for 6 hours")
        invited = await operator.invited()
        assert isinstance(await operator.client.join(invited), JoinResponse)
        alert = await operator.wait_for(
            lambda s: s.room_id == invited and "failing for 6 hours" in s.content.get("body", "")
        )
        # The same room is used for the next alert.
        await bot.platform.notify_operators("Source kke.gr: back")
        await operator.wait_for(
            lambda s: s.room_id == invited and "back" in s.content.get("body", "")
        )

    assert not bot.platform.connected
    assert alert.content["msgtype"] == "m.notice"
