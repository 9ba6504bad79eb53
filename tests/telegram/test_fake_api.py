"""The fake Bot API behaves as Telegram does, checked with PTB's own Bot and raw HTTP."""

import asyncio
import datetime as dtm
import html
import json
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler

from .fake_api import FakeTelegram
from .html_check import HtmlError, parse_html


@pytest.fixture
async def bot(fake_telegram):
    async with Bot(
        fake_telegram.token,
        base_url=fake_telegram.base_url,
        base_file_url=fake_telegram.base_file_url,
    ) as started:
        yield started


@pytest.fixture
async def http(fake_telegram):
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{fake_telegram.port}") as client:
        yield client


def _keyboard(callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Read", callback_data=callback_data)]])


def _seconds(flood: RetryAfter) -> float:
    """PTB gives retry_after as int or timedelta, depending on PTB_TIMEDELTA."""
    retry_after = flood.retry_after
    if isinstance(retry_after, dtm.timedelta):
        return retry_after.total_seconds()
    return retry_after


# The bot's identity and plain sending.


async def test_get_me_answers_with_the_bot_the_token_belongs_to(fake_telegram, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "partywire_bot", True)


async def test_html_message_is_returned_parsed_and_recorded_as_sent(fake_telegram, bot):
    chat = fake_telegram.cast.private
    message = await bot.send_message(
        chat.id, "<b>CPB</b> &amp; allies: <i>statement</i>", parse_mode="HTML"
    )
    assert message.text == "CPB & allies: statement"
    assert message.text_html == "<b>CPB</b> &amp; allies: <i>statement</i>"
    assert message.from_user.id == bot.id
    (sent,) = fake_telegram.sent(chat)
    assert (sent.message_id, sent.text, sent.parse_mode) == (
        message.message_id,
        "<b>CPB</b> &amp; allies: <i>statement</i>",
        "HTML",
    )


async def test_message_ids_increase_per_chat(fake_telegram, bot):
    private, group = fake_telegram.cast.private, fake_telegram.cast.group
    first = await bot.send_message(private.id, "one")
    second = await bot.send_message(private.id, "two")
    elsewhere = await bot.send_message(group.id, "three")
    assert second.message_id == first.message_id + 1
    assert elsewhere.message_id == 1


async def test_commands_are_recorded_per_scope(fake_telegram, bot):
    group = fake_telegram.cast.group
    scope = BotCommandScopeChat(group.id)
    await bot.set_my_commands([BotCommand("party", "Latest statements")], scope=scope)
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["party"]
    assert await bot.get_my_commands() == ()
    assert fake_telegram.calls("setMyCommands")[0]["scope"] == {"type": "chat", "chat_id": group.id}


# Updates.


async def test_ptb_application_polls_and_replies_to_a_command(fake_telegram):
    replied = asyncio.Event()

    async def party(update, context):
        await update.effective_message.reply_html("<b>Latest</b>")
        replied.set()

    app = (
        ApplicationBuilder()
        .token(fake_telegram.token)
        .base_url(fake_telegram.base_url)
        .base_file_url(fake_telegram.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("party", party))
    group = fake_telegram.cast.group
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake_telegram.world.user_says(group, fake_telegram.cast.bob, "/party@partywire_bot")
        async with asyncio.timeout(5):
            await replied.wait()
        await app.updater.stop()
        await app.stop()
    assert [m.visible_text for m in fake_telegram.sent(group)] == ["Latest"]


async def test_user_command_arrives_as_update_with_bot_command_entity(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.user_says(cast.group, cast.bob, "/party@partywire_bot CPGB")
    (update,) = await bot.get_updates()
    assert update.message.text == "/party@partywire_bot CPGB"
    assert update.message.parse_entities(["bot_command"]).popitem()[1] == "/party@partywire_bot"
    assert update.effective_chat.id == cast.group.id


async def test_offset_confirms_earlier_updates(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.user_says(cast.private, cast.alice, "/start")
    (first,) = await bot.get_updates()
    fake_telegram.world.user_says(cast.private, cast.alice, "/help")
    (second,) = await bot.get_updates(offset=first.update_id + 1)
    assert second.message.text == "/help"
    assert await bot.get_updates(offset=second.update_id + 1) == ()


async def test_group_privacy_mode_hides_plain_chatter_from_the_bot(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.user_says(cast.group, cast.bob, "just chatting")
    fake_telegram.world.user_says(cast.group, cast.bob, "/help@otherbot")
    fake_telegram.world.user_says(cast.group, cast.bob, "/help")
    assert [u.message.text for u in await bot.get_updates()] == ["/help"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(fake_telegram, bot):
    cast = fake_telegram.cast
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    fake_telegram.world.user_says(cast.private, cast.alice, "/start")
    (update,) = await poll
    assert update.message.text == "/start"
    assert time.monotonic() - started < 2


async def test_long_poll_waits_for_its_timeout_when_nothing_arrives(fake_telegram, bot):
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_allowed_updates_drops_other_kinds(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.inline_query(cast.bob, "cpgb")
    fake_telegram.world.user_says(cast.private, cast.alice, "/start")
    (update,) = await bot.get_updates(allowed_updates=["message"])
    assert update.message.text == "/start"
    assert len(fake_telegram.world.updates) == 1


async def test_button_press_and_answer(fake_telegram, bot):
    cast = fake_telegram.cast
    sent = await bot.send_message(cast.private.id, "Statement", reply_markup=_keyboard("more:1"))
    fake_telegram.world.press_button(sent.to_dict(), "more:1", cast.alice)
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.message.message_id) == ("more:1", sent.message_id)
    assert await bot.answer_callback_query(query.id, "Loading")
    with fake_telegram.expect_rejection("query is too old"), pytest.raises(BadRequest):
        await bot.answer_callback_query(query.id)


async def test_inline_query_answer_is_validated_and_recorded(fake_telegram, bot):
    query_id = fake_telegram.world.inline_query(fake_telegram.cast.bob, "cpgb")
    result = InlineQueryResultArticle(
        "1", "CPGB", InputTextMessageContent("<b>CPGB</b>", parse_mode="HTML")
    )
    assert await bot.answer_inline_query(query_id, [result])
    (answered,) = fake_telegram.world.inline_answers[query_id]["results"]
    assert answered["input_message_content"]["message_text"] == "<b>CPGB</b>"


async def test_bot_added_and_removed_arrive_as_my_chat_member(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.bot_removed(cast.group, by=cast.alice)
    fake_telegram.world.bot_added(cast.group, by=cast.alice)
    removed, added = await bot.get_updates()
    assert removed.my_chat_member.new_chat_member.status == "kicked"
    assert added.my_chat_member.new_chat_member.status == "member"


# Chats and members.


async def test_chat_member_status_matches_the_role(fake_telegram, bot):
    cast = fake_telegram.cast
    statuses = [
        (await bot.get_chat_member(cast.group.id, user.id)).status
        for user in (cast.alice, cast.carol, cast.bob)
    ]
    assert statuses == ["creator", "administrator", "member"]
    admins = await bot.get_chat_administrators(cast.group.id)
    assert {a.user.id for a in admins} == {cast.alice.id, cast.carol.id}


async def test_get_chat_by_username(fake_telegram, bot):
    chat = await bot.get_chat("@partyhq")
    assert (chat.id, chat.type) == (fake_telegram.cast.group.id, "supergroup")


async def test_forum_topic_messages_are_recorded_per_thread(fake_telegram, bot):
    cast = fake_telegram.cast
    message = await bot.send_message(cast.forum.id, "In topic", message_thread_id=cast.topic_id)
    await bot.send_message(cast.forum.id, "General")
    assert message.is_topic_message and message.message_thread_id == cast.topic_id
    assert [m.text for m in fake_telegram.sent(cast.forum, cast.topic_id)] == ["In topic"]
    assert len(fake_telegram.sent(cast.forum)) == 2


async def test_user_message_in_topic_carries_the_thread(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.user_says(cast.forum, cast.bob, "/party", thread_id=cast.topic_id)
    (update,) = await bot.get_updates()
    assert update.message.is_topic_message
    assert update.message.message_thread_id == cast.topic_id


async def test_channel_post_comes_from_the_channel(fake_telegram, bot):
    message = await bot.send_message(fake_telegram.cast.channel.id, "Wire")
    assert message.sender_chat.id == fake_telegram.cast.channel.id
    assert message.from_user is None


# What Telegram refuses.


async def test_unknown_field_is_rejected(fake_telegram, bot):
    with fake_telegram.expect_rejection('unknown parameter "colour"'), pytest.raises(BadRequest):
        await bot.send_message(fake_telegram.cast.private.id, "hi", api_kwargs={"colour": "red"})


async def test_text_over_4096_visible_characters_is_rejected(fake_telegram, bot):
    chat_id = fake_telegram.cast.private.id
    await bot.send_message(chat_id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    with fake_telegram.expect_rejection("message is too long"), pytest.raises(BadRequest):
        await bot.send_message(chat_id, "a" * 4097)


async def test_text_empty_after_parsing_is_rejected(fake_telegram, bot):
    with fake_telegram.expect_rejection("message text is empty"), pytest.raises(BadRequest):
        await bot.send_message(fake_telegram.cast.private.id, "<b> </b>", parse_mode="HTML")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>unclosed", "Can't find end tag corresponding to start tag b"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>"'),
        ("<marquee>x</marquee>", 'Unsupported start tag "marquee"'),
        ("wages < profits", 'Unsupported start tag ""'),
        ("Marx & Engels", 'Character "&" at byte offset 5'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
async def test_malformed_html_is_rejected(fake_telegram, bot, text, reason):
    with (
        fake_telegram.expect_rejection(f"can't parse entities: {reason}"),
        pytest.raises(BadRequest),
    ):
        await bot.send_message(fake_telegram.cast.private.id, text, parse_mode="HTML")


async def test_callback_data_is_limited_to_64_bytes(fake_telegram, bot):
    chat_id = fake_telegram.cast.private.id
    await bot.send_message(chat_id, "ok", reply_markup=_keyboard("é" * 32))
    with fake_telegram.expect_rejection("BUTTON_DATA_INVALID"), pytest.raises(BadRequest):
        await bot.send_message(chat_id, "too long", reply_markup=_keyboard("é" * 33))


async def test_edit_that_changes_nothing_is_rejected(fake_telegram, bot):
    chat_id = fake_telegram.cast.private.id
    message = await bot.send_message(chat_id, "Same", reply_markup=_keyboard("x"))
    edited = await bot.edit_message_text("Same", chat_id, message.message_id)
    assert edited.reply_markup is None
    with fake_telegram.expect_rejection("message is not modified"), pytest.raises(BadRequest):
        await bot.edit_message_text("Same", chat_id, message.message_id)


async def test_unknown_chat_is_a_rejection(fake_telegram, bot):
    with fake_telegram.expect_rejection("chat not found"), pytest.raises(BadRequest):
        await bot.send_message(-1009999, "hello?")


async def test_unknown_topic_is_a_rejection(fake_telegram, bot):
    with fake_telegram.expect_rejection("message thread not found"), pytest.raises(BadRequest):
        await bot.send_message(fake_telegram.cast.forum.id, "x", message_thread_id=999)


async def test_expect_rejection_fails_when_telegram_would_accept(fake_telegram, bot):
    with pytest.raises(AssertionError), fake_telegram.expect_rejection():
        await bot.send_message(fake_telegram.cast.private.id, "fine")


async def test_unexpected_rejection_is_kept_for_the_fixture_to_fail_on():
    async with FakeTelegram() as server, Bot(server.token, base_url=server.base_url) as bot:
        with pytest.raises(BadRequest):
            await bot.send_message(server.cast.private.id, "<b>oops", parse_mode="HTML")
    assert [r.method for r in server.rejections] == ["sendMessage"]


# Chat states the bot has to handle.


async def test_blocked_user_is_forbidden(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.user_blocked_bot(cast.alice)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(cast.private.id, "news")
    (update,) = await bot.get_updates()
    assert update.my_chat_member.new_chat_member.status == "kicked"


async def test_migrated_group_raises_chat_migrated(fake_telegram, bot):
    old = fake_telegram.cast.legacy_group
    new = fake_telegram.world.migrate_group(old)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(old.id, "news")
    assert migrated.value.new_chat_id == new.id
    assert (await bot.send_message(new.id, "news")).chat.type == "supergroup"


async def test_closed_topic_is_refused(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.close_topic(cast.forum, cast.topic_id)
    with pytest.raises(BadRequest, match="Topic_closed"):
        await bot.send_message(cast.forum.id, "x", message_thread_id=cast.topic_id)


async def test_channel_needs_admin_rights(fake_telegram, bot):
    cast = fake_telegram.cast
    fake_telegram.world.set_status(cast.channel, fake_telegram.world.bot, "member")
    with pytest.raises(BadRequest, match="Need administrator rights"):
        await bot.send_message(cast.channel.id, "x")


# Faults on cue.


async def test_scripted_429_raises_retry_after_once(fake_telegram, bot):
    chat_id = fake_telegram.cast.private.id
    fake_telegram.fail_next("sendMessage", chat_id=chat_id, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(chat_id, "x")
    assert _seconds(flood.value) == 7
    assert (await bot.send_message(chat_id, "x")).text == "x"


async def test_fault_for_another_chat_leaves_this_one_alone(fake_telegram, bot):
    fake_telegram.fail_next("sendMessage", chat_id=fake_telegram.cast.group, status=500)
    assert await bot.send_message(fake_telegram.cast.private.id, "x")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(fake_telegram.cast.group.id, "x")


async def test_bad_gateway_is_an_html_page(fake_telegram, bot):
    fake_telegram.fail_next("getMe", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()


async def test_slow_answer_times_out(fake_telegram, bot):
    fake_telegram.delay_next("sendMessage", 1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(fake_telegram.cast.private.id, "x", read_timeout=0.2)


async def test_flood_control_limits_a_private_chat_to_one_message_a_second(fake_telegram, bot):
    fake_telegram.flood.enabled = True
    await bot.send_message(fake_telegram.cast.private.id, "one")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(fake_telegram.cast.private.id, "two")
    assert _seconds(flood.value) == 1
    assert await bot.send_message(fake_telegram.cast.group.id, "elsewhere")


async def test_webhook_blocks_get_updates(fake_telegram, bot):
    await bot.set_webhook("https://example.org/hook")
    with fake_telegram.expect_rejection("Conflict"), pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


# Raw HTTP, the way Telegram reads requests.


async def test_unknown_method_is_404(fake_telegram, http):
    with fake_telegram.expect_rejection("Not Found"):
        response = await http.post(f"/bot{fake_telegram.token}/sendTelegram")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_missing_required_field_is_400(fake_telegram, http):
    with fake_telegram.expect_rejection('parameter "chat_id" is required'):
        response = await http.post(f"/bot{fake_telegram.token}/sendMessage", data={"text": "x"})
    assert response.status_code == 400


async def test_wrong_token_is_401(fake_telegram, http):
    with fake_telegram.expect_rejection("Unauthorized"):
        response = await http.get("/bot1:wrong/getMe")
    assert response.json()["error_code"] == 401


async def test_json_body_and_form_with_json_string_both_accepted(fake_telegram, http):
    url = f"/bot{fake_telegram.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    chat_id = fake_telegram.cast.private.id
    as_json = await http.post(url, json={"chat_id": chat_id, "text": "a", "reply_markup": markup})
    as_form = await http.post(
        url, data={"chat_id": str(chat_id), "text": "b", "reply_markup": json.dumps(markup)}
    )
    assert [r.json()["result"]["reply_markup"] for r in (as_json, as_form)] == [markup, markup]


async def test_nested_field_of_wrong_type_is_400(fake_telegram, http):
    markup = {"inline_keyboard": [[{"text": 5, "callback_data": "go"}]]}
    with fake_telegram.expect_rejection("can't parse reply_markup"):
        response = await http.post(
            f"/bot{fake_telegram.token}/sendMessage",
            json={"chat_id": fake_telegram.cast.private.id, "text": "a", "reply_markup": markup},
        )
    assert 'field "reply_markup.inline_keyboard[0][0].text"' in response.json()["description"]


async def test_integer_field_refuses_text(fake_telegram, http):
    with fake_telegram.expect_rejection('field "chat_id" must be of type Integer or String'):
        await http.post(
            f"/bot{fake_telegram.token}/sendMessage", json={"chat_id": [1], "text": "a"}
        )


# The HTML parser on its own.


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_escaped_text_parses_back_to_itself(text):
    assert parse_html(html.escape(text)).text == text


def test_entity_offsets_count_utf16_code_units():
    parsed = parse_html('😀 <a href="https://example.org">link</a>')
    assert parsed.entities == [
        {"type": "text_link", "offset": 3, "length": 4, "url": "https://example.org"}
    ]


def test_pre_with_language_becomes_one_entity():
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_expandable_blockquote():
    parsed = parse_html("<blockquote expandable>quote</blockquote>")
    assert parsed.entities[0]["type"] == "expandable_blockquote"


def test_unclosed_attribute_is_an_error():
    with pytest.raises(HtmlError, match="Unclosed start tag"):
        parse_html('<a href="https://example.org>x</a>')
