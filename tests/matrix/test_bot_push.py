"""Statements pushed to Matrix rooms by the real sender: subscribed rooms, broadcasts, throttling."""

from __future__ import annotations

import secrets

import pytest

from bot.config import Broadcast, PushConfig
from bot.matrix.rooms import PLATFORM
from bot.models import ChatAddress, Subscription
from tests.matrix.helpers import (
    Watcher,
    bot_account,
    bot_config,
    public_room,
    running_bot,
)

pytestmark = pytest.mark.slow

KKE_STATEMENT = "The KKE salutes the dockworkers of Piraeus on strike against war cargo."


async def test_subscribed_room_receives_a_new_statement(synapse, matrix_user, tmp_path) -> None:
    account = await bot_account(synapse)
    user = Watcher(await matrix_user("reader"))
    async with running_bot(bot_config(account, tmp_path / "bot.sqlite3")) as bot:
        room_id = await user.room_with(account.user_id)
        await user.reply_to(room_id, await user.command(room_id, "!subscribe KKE"))

        await bot.statement(KKE_STATEMENT, url="https://example.org/kke/piraeus")
        pushed = await user.wait_for(
            lambda s: s.room_id == room_id and "Piraeus" in s.content.get("body", "")
        )

    assert pushed.content["msgtype"] == "m.notice"
    assert pushed.content["format"] == "org.matrix.custom.html"
    assert 'href="https://example.org/kke/piraeus"' in pushed.content["formatted_body"]
    assert "m.relates_to" not in pushed.content


async def test_broadcast_room_named_by_alias_receives_everything(
    synapse, matrix_user, tmp_path
) -> None:
    account = await bot_account(synapse)
    owner = Watcher(await matrix_user("editor"))
    localpart = f"news-{secrets.token_hex(4)}"
    alias = f"#{localpart}:{synapse.server_name}"
    room_id = await public_room(owner.client, alias=localpart)
    config = bot_config(account, tmp_path / "bot.sqlite3", broadcasts=(Broadcast("matrix", alias),))
    async with running_bot(config) as bot:
        await owner.joined(room_id, account.user_id)
        await bot.statement("Workers of all countries, unite! A statement on May Day.")
        await bot.statement(KKE_STATEMENT)
        for needle in ("May Day", "Piraeus"):
            await owner.wait_for(
                lambda s, needle=needle: (
                    s.room_id == room_id and needle in s.content.get("body", "")
                )
            )
        # Commands in the room act on the broadcast chat, which the config keys by alias.
        listed = await owner.reply_to(room_id, await owner.command(room_id, "!subscriptions"))

    assert "every statement" in listed.content["body"]


async def test_throttled_homeserver_delays_but_loses_no_statement(
    synapse_factory, matrix_user, tmp_path
) -> None:
    server = synapse_factory(rc_message={"per_second": 0.5, "burst_count": 2})
    account = await bot_account(server)
    owner = Watcher(await matrix_user("owner", server=server))
    config = bot_config(
        account,
        tmp_path / "bot.sqlite3",
        # Our own pacing would hide the server's limit; this test is about the server's.
        room_messages_per_second=100.0,
        push=PushConfig(poll_seconds=0.1, burst=100),
    )
    async with running_bot(config) as bot:
        room_id = await owner.room_with(account.user_id)
        store = bot.core.store
        chat = await store.chat(ChatAddress(PLATFORM, room_id), "room")
        await store.subscribe(chat.id, Subscription("all"))

        count = 6
        for n in range(count):
            await bot.statement(f"Statement number {n} of the Communist Party of Greece.")
        for n in range(count):
            await owner.wait_for(
                lambda s, n=n: (
                    s.room_id == room_id and f"Statement number {n} " in s.content.get("body", "")
                ),
                deadline=60,
            )
        attempts = await store._value("SELECT max(attempts) FROM outbox")
        counts = await store.outbox_counts()

    assert counts == {("matrix", "sent"): count}
    assert attempts > 1, "the server never refused a send; the test proves nothing"
    bodies = [s.content["body"] for s in owner.notices(room_id)]
    assert len(bodies) == len(set(bodies)) == count
