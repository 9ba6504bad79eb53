"""Buttons, inline mode, channels and membership changes, through the real platform."""

from bot.models import ChatAddress, Subscription

from .bot_harness import KKE, outbox_states, running_bot

SEARCHED = "international solidarity with the dockworkers of piraeus port"


def _buttons(message) -> dict[str, str]:
    """A sent message's buttons, label to callback data."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data") for row in rows for b in row}


async def _search_past_one_page(bot, cast):
    """Alice searches with a long query that more statements match than one page shows,
    so the answer has an Older button whose command is too long for callback data."""
    for n in range(7):
        await bot.publish(f"{SEARCHED}, statement {n}", push=False)
    return await bot.says(cast.private, cast.alice, f"/search {SEARCHED}")


async def test_older_button_turns_the_page_in_place(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        for n in range(7):
            await bot.publish(f"Statement number {n}", push=False)
        first = await bot.says(cast.private, cast.alice, "/party KKE")
        query = fake_telegram.world.press_button(
            first.message, _buttons(first)["Older ▶"], cast.alice
        )
        await bot.until(lambda: fake_telegram.calls("editMessageText"))
        await bot.until(lambda: query in fake_telegram.world.callback_answers)
    (page,) = fake_telegram.sent(cast.private)
    assert page.message_id == first.message_id
    assert "(page 2)" in page.visible_text
    assert "Statement number 0" in page.visible_text
    assert set(_buttons(page)) == {"◀ Newer", "Subscribe to KKE"}


async def test_button_with_a_long_command_is_given_a_token(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        first = await _search_past_one_page(bot, cast)
        data = _buttons(first)["Older ▶"]
        assert not data.startswith("/")
        fake_telegram.world.press_button(first.message, data, cast.alice)
        await bot.until(lambda: fake_telegram.calls("editMessageText"))
    assert "(page 2)" in fake_telegram.sent(cast.private)[0].visible_text


async def test_button_from_before_a_restart_asks_for_the_command_again(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        first = await _search_past_one_page(bot, cast)
    async with running_bot(fake_telegram, tmp_path) as bot:
        query = fake_telegram.world.press_button(
            first.message, _buttons(first)["Older ▶"], cast.alice
        )
        answer = await bot.until(lambda: fake_telegram.world.callback_answers.get(query))
    assert answer["text"] == "This button has expired. Please send the command again."
    assert fake_telegram.calls("editMessageText") == []


async def test_subscribe_button_runs_as_the_presser_in_the_same_chat(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        shown = await bot.says(cast.group, cast.carol, "/party KKE")
        fake_telegram.world.press_button(shown.message, "/subscribe KKE", cast.bob)
        refused = (await bot.replies(cast.group, 2))[1]
        fake_telegram.world.press_button(shown.message, "/subscribe KKE", cast.carol)
        accepted = (await bot.replies(cast.group, 3))[2]
    assert refused.visible_text == "Only this chat's admins can use /subscribe here."
    assert accepted.visible_text.startswith("Subscribed.")


async def test_inline_query_offers_the_party_statements(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.publish("Down with <b>NATO</b> & war", push=False, url="https://inter.kke.gr/1")
        query = fake_telegram.world.inline_query(cast.bob, "KKE")
        answer = await bot.until(lambda: fake_telegram.world.inline_answers.get(query))
    (article,) = answer["results"]
    content = article["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert "Down with &lt;b&gt;NATO&lt;/b&gt; &amp; war" in content["message_text"]
    assert '<a href="https://inter.kke.gr/1">link</a>' in content["message_text"]
    (button,) = article["reply_markup"]["inline_keyboard"][0]
    assert button["url"] == "https://t.me/partywire_bot?start=sub_KKE"


async def test_inline_query_naming_no_party_offers_nothing(fake_telegram, tmp_path):
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.publish("A statement", push=False)
        query = fake_telegram.world.inline_query(fake_telegram.cast.bob, "no such party at all")
        answer = await bot.until(lambda: fake_telegram.world.inline_answers.get(query))
    assert answer["results"] == []


async def test_operator_subscribes_a_channel_that_then_receives_statements(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path, operators=(cast.alice.id,)) as bot:
        answer = await bot.says(cast.private, cast.alice, "/subscribe @partywire KKE")
        await bot.publish("Statement for the wire")
        (pushed,) = await bot.replies(cast.channel)
    assert answer.visible_text.startswith("Channel Party Wire:\n\nSubscribed.")
    assert pushed.visible_text.endswith("Statement for the wire")


async def test_only_operators_subscribe_channels_where_the_bot_may_post(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    bobs_chat = fake_telegram.world.private_chat(cast.bob)
    muted = fake_telegram.world.add_channel(
        "Muted", creator=cast.alice, username="mutedwire", bot_is_admin=False
    )
    async with running_bot(fake_telegram, tmp_path, operators=(cast.alice.id,)) as bot:
        stranger = await bot.says(bobs_chat, cast.bob, "/subscribe @partywire KKE")
        not_admin = await bot.says(cast.private, cast.alice, "/subscribe @mutedwire KKE")
        assert await bot.chat_active(cast.channel.id) is None
        assert await bot.chat_active(muted.id) is None
    assert stranger.visible_text == "Only the bot's operators can manage channels."
    assert not_admin.visible_text.startswith("I can't post in Muted")


async def test_user_who_blocks_the_bot_is_deactivated_and_loses_pending_rows(
    fake_telegram, tmp_path
):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path, sender=False) as bot:
        await bot.says(cast.private, cast.alice, "/subscribe KKE")
        await bot.publish("Waiting in the outbox")
        assert await outbox_states(bot.core) == {"pending": 1}
        fake_telegram.world.user_blocked_bot(cast.alice)
        await bot.until(lambda: _inactive(bot, cast.private.id))
        assert await outbox_states(bot.core) == {"dead": 1}
        fake_telegram.world.user_unblocked_bot(cast.alice)
        await bot.until(lambda: bot.chat_active(cast.private.id))
        chat = await bot.core.store.find_chat(ChatAddress("telegram", str(cast.private.id)))
        assert await bot.core.store.subscriptions(chat.id) == [Subscription("party", KKE)]


async def test_bot_removed_from_a_group_stops_pushing_there(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.group, cast.alice, "/subscribe KKE")
        fake_telegram.world.bot_removed(cast.group, by=cast.alice)
        await bot.until(lambda: _inactive(bot, cast.group.id))
        await bot.publish("Nobody there to read this")
        assert await outbox_states(bot.core) == {}


async def _inactive(bot, chat_id: int) -> bool:
    return await bot.chat_active(chat_id) is False
