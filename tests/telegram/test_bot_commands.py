"""Commands typed in private chats, groups and forum topics, answered by the real platform."""

from bot.models import ChatAddress, Subscription
from bot.telegram import updates
from bot.telegram.render import MESSAGE_LIMIT

from .bot_harness import KKE, running_bot

KKE_FOLLOWED = [Subscription("party", KKE)]


async def _subscriptions(bot, chat_id: int, thread_id: int | None = None) -> list[Subscription]:
    address = ChatAddress("telegram", str(chat_id), None if thread_id is None else str(thread_id))
    chat = await bot.core.store.find_chat(address)
    return [] if chat is None else await bot.core.store.subscriptions(chat.id)


async def test_party_in_private_chat_is_escaped_html_with_buttons(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.publish("Statement on <wages> & prices", push=False)
        answer = await bot.says(cast.private, cast.alice, "/party KKE")
    assert answer.parse_mode == "HTML"
    assert "Statement on &lt;wages&gt; &amp; prices" in answer.text
    assert "Communist Party of Greece (KKE)" in answer.visible_text
    assert "Statement on <wages> & prices" in answer.visible_text
    labels = [b["text"] for row in answer.reply_markup["inline_keyboard"] for b in row]
    assert labels == ["Subscribe to KKE"]
    (sent,) = fake_telegram.calls("sendMessage")
    assert sent["link_preview_options"] == {"is_disabled": True}


async def test_party_in_group_answers_our_commands_only(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    fake_telegram.world.privacy_mode = False
    async with running_bot(fake_telegram, tmp_path) as bot:
        fake_telegram.world.user_says(cast.group, cast.bob, "/party@otherbot KKE")
        fake_telegram.world.user_says(cast.group, cast.bob, "/weather")
        command = fake_telegram.world.user_says(cast.group, cast.bob, "/party@partywire_bot KKE")
        (answer,) = await bot.replies(cast.group)
        fake_telegram.world.user_says(cast.group, cast.bob, "/latest")
        await bot.replies(cast.group, 2)
    assert answer.visible_text.startswith("Communist Party of Greece (KKE)")
    assert answer.message["reply_to_message"]["message_id"] == command["message_id"]
    assert answer.reply_markup["inline_keyboard"][-1][0]["callback_data"] == "/subscribe KKE"


async def test_unknown_command_is_answered_in_private(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        answer = await bot.says(cast.private, cast.alice, "/weather")
    assert answer.visible_text.startswith("I don't know /weather")


async def test_group_member_may_not_subscribe_but_an_admin_may(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        refused = await bot.says(cast.group, cast.bob, "/subscribe KKE")
        assert await _subscriptions(bot, cast.group.id) == []
        accepted = await bot.says(cast.group, cast.carol, "/subscribe KKE")
        assert await _subscriptions(bot, cast.group.id) == KKE_FOLLOWED
    assert refused.visible_text == "Only this chat's admins can use /subscribe here."
    assert accepted.visible_text.startswith("Subscribed.")
    checked = [(c["chat_id"], c["user_id"]) for c in fake_telegram.calls("getChatMember")]
    assert checked == [(cast.group.id, cast.bob.id), (cast.group.id, cast.carol.id)]


async def test_reading_commands_never_ask_who_is_admin(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.group, cast.bob, "/party KKE")
    assert fake_telegram.calls("getChatMember") == []


async def test_deep_link_subscribes_in_one_tap(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    bobs_chat = fake_telegram.world.private_chat(cast.bob)
    async with running_bot(fake_telegram, tmp_path) as bot:
        by_name = await bot.says(cast.private, cast.alice, "/start sub_KKE")
        by_id = await bot.says(bobs_chat, cast.bob, f"/start sub_{KKE}")
        assert await _subscriptions(bot, cast.private.id) == KKE_FOLLOWED
        assert await _subscriptions(bot, bobs_chat.id) == KKE_FOLLOWED
    assert by_name.visible_text.startswith("Subscribed.")
    assert by_id.visible_text.startswith("Subscribed.")


async def test_subscription_in_a_topic_is_delivered_to_that_topic(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        answer = await bot.says(cast.forum, cast.alice, "/subscribe KKE", thread_id=cast.topic_id)
        assert answer.thread_id == cast.topic_id
        await bot.publish("The strike goes on")
        _, pushed = await bot.replies(cast.forum, 2, thread_id=cast.topic_id)
    assert pushed.visible_text == "New statement\n\n2024-05-01 · The strike goes on"
    assert len(fake_telegram.sent(cast.forum)) == 2


async def test_command_menus_are_set_for_private_chats_and_groups(fake_telegram, tmp_path):
    async with running_bot(fake_telegram, tmp_path):
        pass
    scopes = [call["scope"]["type"] for call in fake_telegram.calls("setMyCommands")]
    assert scopes == ["all_private_chats", "all_group_chats"]
    private = fake_telegram.calls("setMyCommands")[0]["commands"]
    assert {"command": "party", "description": "A party's latest statements"} in private


async def test_a_reply_too_long_for_one_message_is_split_between_statements(
    fake_telegram, tmp_path
):
    cast = fake_telegram.cast
    words = [f"Statement {n}: " + "solidarity " * 150 for n in range(8)]
    async with running_bot(fake_telegram, tmp_path) as bot:
        for text in words:
            await bot.publish(text.strip(), push=False)

        def last_statement_shown() -> bool:
            sent = fake_telegram.sent(cast.private)
            return bool(sent) and "Statement 0:" in sent[-1].visible_text

        fake_telegram.world.user_says(cast.private, cast.alice, "/latest 8")
        await bot.until(last_statement_shown)
    answers = fake_telegram.sent(cast.private)
    assert len(answers) == 4
    assert all(len(a.visible_text) <= MESSAGE_LIMIT for a in answers)
    shown = "\n".join(a.visible_text for a in answers)
    assert all(shown.count(f"Statement {n}:") == 1 for n in range(8))


async def test_group_that_migrates_keeps_its_subscriptions(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.legacy_group, cast.alice, "/subscribe KKE")
        supergroup = fake_telegram.world.migrate_group(cast.legacy_group)
        await bot.until(lambda: _subscriptions(bot, supergroup.id))
        answer = await bot.says(supergroup, cast.alice, "/subscriptions")
        assert await _subscriptions(bot, cast.legacy_group.id) == []
    assert "Communist Party of Greece (KKE)" in answer.visible_text


async def test_an_unexpected_error_is_logged_and_the_user_told_in_a_sentence(
    fake_telegram, tmp_path, monkeypatch, caplog
):
    async def broken(*args):
        raise RuntimeError("the adapter broke")

    monkeypatch.setattr(updates, "dispatch", broken)
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        answer = await bot.says(cast.forum, cast.bob, "/party KKE", thread_id=cast.topic_id)
    assert answer.visible_text == updates.SORRY
    (logged,) = [r for r in caplog.records if r.exc_info and r.name == updates.__name__]
    assert "the adapter broke" in str(logged.exc_info[1])


async def test_link_previews_follow_the_chat_setting(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    async with running_bot(fake_telegram, tmp_path) as bot:
        await bot.says(cast.private, cast.alice, "/subscribe KKE")
        chat = await bot.core.store.find_chat(ChatAddress("telegram", str(cast.private.id)))
        await bot.core.store.set_settings(chat.id, {"previews": "on"})
        await bot.publish("With a preview", url="https://inter.kke.gr/2")
        await bot.replies(cast.private, 2)
    reply, push = fake_telegram.calls("sendMessage")
    assert reply["link_preview_options"] == {"is_disabled": True}
    assert push["link_preview_options"] == {"is_disabled": False}
