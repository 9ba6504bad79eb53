"""The push protocol's faults, through the real Sender and TelegramPlatform against the fake API."""

import time

import pytest

from bot.models import ChatAddress, Subscription
from bot.telegram.platform import Timing

from .bot_harness import KKE, outbox_states, running_bot

pytestmark = pytest.mark.slow


async def test_429_pauses_that_chat_while_others_proceed(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.private, cast.alice, "/subscribe KKE")
        await bot.says(cast.group, cast.alice, "/subscribe KKE")
        fake_telegram.fail_next("sendMessage", chat_id=cast.private, retry_after=1)
        started = time.monotonic()
        await bot.publish("Flood of solidarity")
        await bot.replies(cast.private, 2)
        private_at = time.monotonic() - started
        await bot.until(lambda: _states_are(bot, {"sent": 2}))
    sends = [
        (r.params["chat_id"], r.status) for r in fake_telegram.requests if r.method == "sendMessage"
    ]
    pushes = sends[2:]  # after the two /subscribe answers
    assert pushes.index((cast.group.id, 200)) < pushes.index((cast.private.id, 200))
    assert private_at >= 0.9, "the paused chat waited for retry_after"


@pytest.mark.parametrize("statuses", [(500,), (502, 500)])
async def test_server_errors_are_retried_with_backoff(fake_telegram, tmp_path, statuses):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.private, cast.alice, "/subscribe KKE")
        for status in statuses:
            fake_telegram.fail_next("sendMessage", chat_id=cast.private, status=status)
        await bot.publish("Still arrives")
        _, pushed = await bot.replies(cast.private, 2)
        await bot.until(lambda: _states_are(bot, {"sent": 1}))
    tries = [r.status for r in fake_telegram.requests if r.method == "sendMessage"][1:]
    assert tries == [*statuses, 200]
    assert pushed.visible_text.endswith("Still arrives")


async def test_a_hung_request_times_out_and_is_retried(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    timing = Timing(request_seconds=0.3, poll_seconds=1)
    async with running_bot(fake_telegram, tmp_path, timing=timing) as bot:
        await bot.says(cast.private, cast.alice, "/subscribe KKE")
        fake_telegram.delay_next("sendMessage", 3.0, chat_id=cast.private)
        started = time.monotonic()
        await bot.publish("Not held up")
        await bot.replies(cast.private, 2)
        assert time.monotonic() - started < 2.0
        await bot.until(lambda: _states_are(bot, {"sent": 1}))


async def test_403_blocked_deactivates_the_chat_and_kills_its_rows(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.private, cast.alice, "/subscribe KKE")
        fake_telegram.fail_next(
            "sendMessage",
            chat_id=cast.private,
            status=403,
            description="Forbidden: bot was blocked by the user",
        )
        await bot.publish("Never read")
        await bot.until(lambda: _dead(bot))
        assert await bot.chat_active(cast.private.id) is False
    assert len(fake_telegram.sent(cast.private)) == 1


async def test_chat_not_found_is_gone(fake_telegram, tmp_path):
    async with running_bot(fake_telegram, tmp_path) as bot:
        store = bot.core.store
        vanished = await store.chat(ChatAddress("telegram", "-1009999999999"), "group")
        await store.subscribe(vanished.id, Subscription("party", KKE))
        with fake_telegram.expect_rejection("chat not found"):
            await bot.publish("To nowhere")
            await bot.until(lambda: _dead(bot))
        assert await bot.chat_active("-1009999999999") is False


async def test_migrated_group_is_moved_and_delivered_to_its_new_id(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.legacy_group, cast.alice, "/subscribe KKE")
        supergroup = fake_telegram.world.migrate_group(cast.legacy_group)
        fake_telegram.world.updates.clear()  # the bot learns of it only when a send fails
        await bot.publish("Follows the group")
        (pushed,) = await bot.replies(supergroup)
        assert await bot.chat_active(cast.legacy_group.id) is None
        assert await bot.chat_active(supergroup.id) is True
    assert pushed.visible_text.endswith("Follows the group")


async def _dead(bot) -> bool:
    return await _states_are(bot, {"dead": 1})


async def _states_are(bot, states: dict[str, int]) -> bool:
    return await outbox_states(bot.core) == states
