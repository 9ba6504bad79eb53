"""The sender delivers every due row once and turns each platform answer into the right next step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.fanout import Audience
from bot.ingest import ingest
from bot.models import ChatAddress, RawStatement, Subscription
from bot.push.protocol import Gone, Moved, RetryAfter, Transient
from bot.push.ratelimit import RateLimiter
from bot.push.retry import Backoff
from bot.push.sender import Sender, SenderSettings
from tests.push.recording import RecordingPlatform


class Clock:
    """Time the test moves by hand, for the outbox and the rate limiter alike."""

    START = datetime(2026, 1, 1, tzinfo=UTC)

    def __init__(self) -> None:
        self.now = self.START

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return (self.now - self.START).total_seconds()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def platform():
    return RecordingPlatform()


@pytest.fixture
def sender(store, platform, clock):
    backoff = Backoff(base=10, jitter=0, max_age=3600)
    limiter = RateLimiter(None, {}, clock)
    return Sender(store, platform, limiter, backoff, SenderSettings(burst=5), now=clock)


async def subscribe(store, *chat_ids: str, kind: str = "private") -> None:
    for chat_id in chat_ids:
        chat = await store.chat(ChatAddress("test", chat_id), kind)
        await store.subscribe(chat.id, Subscription("all"))


async def publish(store, recogniser, directory, clock, *texts: str) -> None:
    raws = [RawStatement(text, "t") for text in texts]
    await ingest(store, recogniser, raws, audience=Audience(directory))
    await store._db.execute(
        "UPDATE outbox SET created_at = ?, due_at = ?",
        (clock.now.isoformat(), clock.now.isoformat()),
    )


async def states(store) -> dict[str, int]:
    return {state: n for (_, state), n in (await store.outbox_counts()).items()}


@pytest.fixture
def push(store, recogniser, directory, clock):
    async def publish_texts(*texts: str) -> None:
        await publish(store, recogniser, directory, clock, *texts)

    return publish_texts


async def test_every_subscriber_gets_the_statement_once(store, sender, platform, push):
    await subscribe(store, *(str(n) for n in range(50)))
    await push("KKE statement on the strike")
    await sender.drain()
    assert sorted(platform.sent) == sorted(str(n) for n in range(50))
    assert all(len(messages) == 1 for messages in platform.sent.values())
    assert await states(store) == {"sent": 50}
    await sender.drain()
    assert len(platform.attempts) == 50


async def test_a_burst_becomes_one_digest_message(store, sender, platform, push):
    await subscribe(store, "reader")
    await push(*(f"Statement number {n}" for n in range(12)))
    await sender.drain()
    (message,) = platform.sent["reader"]
    assert message.startswith("12 new statements")
    assert all(f"Statement number {n}" in message for n in range(12))


async def test_a_few_statements_go_one_by_one(store, sender, platform, push):
    await subscribe(store, "reader")
    await push("First", "Second", "Third")
    await sender.drain()
    assert len(platform.sent["reader"]) == 3


async def test_retry_after_pauses_that_chat_only_and_the_message_arrives_later(
    store, sender, platform, push, clock
):
    await subscribe(store, "slow", "fast")
    platform.answer("slow", RetryAfter(30))
    await push("Statement")
    await sender.drain()
    assert "fast" in platform.sent and "slow" not in platform.sent
    clock.advance(31)
    await sender.drain()
    assert len(platform.sent["slow"]) == 1


async def test_a_transient_failure_is_retried_with_backoff_then_given_up(
    store, sender, platform, push, clock
):
    await subscribe(store, "flaky")
    platform.answer("flaky", Transient("HTTP 502"), Transient("HTTP 502"))
    await push("Statement")
    await sender.drain()
    clock.advance(5)
    await sender.drain()
    assert platform.attempts == ["flaky"]
    clock.advance(6)
    await sender.drain()
    assert platform.attempts == ["flaky", "flaky"]
    clock.advance(21)
    await sender.drain()
    assert len(platform.sent["flaky"]) == 1
    platform.answer("flaky", *[Transient("timeout")] * 50)
    await push("Another")
    for _ in range(20):
        clock.advance(600)
        await sender.drain()
    assert await states(store) == {"sent": 1, "dead": 1}
    (dead,) = await store.dead_deliveries()
    assert dead[1].startswith("gave up after") and dead[1].endswith("timeout")


async def test_a_chat_that_is_gone_is_deactivated_and_its_rows_dropped(
    store, sender, platform, push
):
    await subscribe(store, "blocked")
    platform.answer("blocked", *[Gone("bot was blocked by the user")] * 2)
    await push("One", "Two")
    await sender.drain()
    chat = await store.find_chat(ChatAddress("test", "blocked"))
    assert not chat.active
    assert await states(store) == {"dead": 2}
    await push("Three")
    assert await states(store) == {"dead": 2}


async def test_a_chat_that_moved_keeps_its_subscriptions_and_gets_the_message(
    store, sender, platform, push
):
    await subscribe(store, "-1", kind="group")
    platform.answer("-1", Moved("-1001"))
    await push("Statement")
    await sender.drain()
    assert len(platform.sent["-1001"]) == 1
    moved = await store.find_chat(ChatAddress("test", "-1001"))
    assert await store.subscriptions(moved.id) == [Subscription("all")]
    assert await store.find_chat(ChatAddress("test", "-1")) is None


async def test_rows_left_in_flight_by_a_dead_process_are_sent_after_a_restart(
    store, platform, push, clock
):
    await subscribe(store, "a", "b")
    await push("Statement")
    claimed = await store.claim("test", clock.now, limit=10, burst=5)
    assert len(claimed) == 2
    restarted = Sender(store, platform, RateLimiter(None, {}), Backoff(), now=clock)
    assert await store.reset_claims("test") == 2
    await restarted.drain()
    assert sorted(platform.sent) == ["a", "b"]


async def test_a_daily_digest_waits_for_its_hour(store, sender, platform, push, clock):
    await subscribe(store, "morning")
    chat = await store.find_chat(ChatAddress("test", "morning"))
    await store.set_settings(chat.id, {"digest_hour": "8", "timezone": "UTC"})
    await store.set_digest(chat.id, clock.now + timedelta(hours=8))
    await push("Statement")
    await store._db.execute(
        "UPDATE outbox SET due_at = ?", ((clock.now + timedelta(hours=8)).isoformat(),)
    )
    await sender.drain()
    assert platform.sent == {}
    clock.advance(8 * 3600)
    await sender.drain()
    assert len(platform.sent["morning"]) == 1
    assert (await store.find_chat(chat.address)) is not None
