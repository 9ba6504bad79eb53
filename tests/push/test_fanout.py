"""Every chat that follows a new statement gets exactly one outbox row, written with it."""

from __future__ import annotations

import pytest

from bot.fanout import Audience
from bot.ingest import ingest
from bot.models import ChatAddress, RawStatement, Subscription


@pytest.fixture
def audience(directory):
    return Audience(directory)


async def follow(store, chat_id: str, *subscriptions: Subscription, platform: str = "test"):
    chat = await store.chat(ChatAddress(platform, chat_id), "private")
    for subscription in subscriptions:
        await store.subscribe(chat.id, subscription)
    return chat


async def outbox(store) -> list[tuple[str, str]]:
    rows = await store._rows(
        "SELECT s.text, c.chat_id FROM outbox o JOIN statements s ON s.id = o.statement_id"
        " JOIN chats c ON c.id = o.chat ORDER BY c.chat_id, s.id"
    )
    return [(row[0], row[1]) for row in rows]


async def test_each_kind_of_subscription_receives_what_it_follows(store, recogniser, audience):
    await follow(store, "party", Subscription("party", "communist-party-of-greece"))
    await follow(store, "country", Subscription("country", "Turkey"))
    await follow(store, "imcwp", Subscription("imcwp"))
    await follow(store, "words", Subscription("words", "general strike"))
    await follow(store, "all", Subscription("all"))
    texts = [
        "Communist Party of Greece (KKE) hosted an event",
        "Communist Party of Turkey (TKP) issued a statement",
        "The appeal of the 21st International Meeting of Communist and Workers' Parties",
        "Workers prepare a General Strike, says the union",
        "Nothing anyone follows",
    ]
    await ingest(store, recogniser, [RawStatement(t, "test") for t in texts], audience=audience)
    rows = await outbox(store)
    assert sorted(chat for text, chat in rows if text == texts[0]) == ["all", "party"]
    assert sorted(chat for text, chat in rows if text == texts[1]) == ["all", "country"]
    assert sorted(chat for text, chat in rows if text == texts[2]) == ["all", "imcwp"]
    assert sorted(chat for text, chat in rows if text == texts[3]) == ["all", "words"]
    assert [chat for text, chat in rows if text == texts[4]] == ["all"]


async def test_a_chat_that_matches_twice_gets_one_message(store, recogniser, audience):
    await follow(
        store,
        "fan",
        Subscription("party", "communist-party-of-greece"),
        Subscription("country", "Greece"),
        Subscription("all"),
    )
    await ingest(store, recogniser, [RawStatement("KKE statement", "t")], audience=audience)
    assert await outbox(store) == [("KKE statement", "fan")]


async def test_a_backlog_and_an_inactive_chat_get_nothing(store, recogniser, audience):
    await follow(store, "gone", Subscription("all"))
    await follow(store, "here", Subscription("all"))
    await store.set_chat_active(ChatAddress("test", "gone"), False)
    await ingest(store, recogniser, [RawStatement("Old news", "t")])
    await ingest(store, recogniser, [RawStatement("New news", "t")], audience=audience)
    assert await outbox(store) == [("New news", "here")]


async def test_a_statement_already_stored_is_not_pushed_again(store, recogniser, audience):
    await follow(store, "fan", Subscription("all"))
    for _ in range(3):
        await ingest(store, recogniser, [RawStatement("Once only", "t")], audience=audience)
    assert await outbox(store) == [("Once only", "fan")]


async def test_word_subscriptions_match_whole_words_only(store, recogniser, audience):
    await follow(store, "strike", Subscription("words", "strike"))
    texts = ["Dockers strike in Piraeus", "Airstrikes condemned", "STRIKE!"]
    await ingest(store, recogniser, [RawStatement(t, "t") for t in texts], audience=audience)
    assert [text for text, _ in await outbox(store)] == [texts[0], texts[2]]
