"""Drains one platform's outbox at the platform's pace, recording what became of every message.

Whoever wrote the outbox rows (this process's sources, or a one-off
`partywire ingest`), the sender finds them: it polls the outbox and can also be
woken at once by `wake()`. At most `concurrency` messages are in flight, and a
message counts as in flight until its outcome is committed, so a crash repeats at
most that many.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.messages import push_message
from bot.metrics import Metrics
from bot.outbox_queries import Action, ChatGone, ChatMoved, Dead, Delivery, Done, Retry
from bot.push.digest import next_digest_time
from bot.push.protocol import Gone, Moved, Outcome, Platform, RetryAfter, Sent, Transient
from bot.push.ratelimit import RateLimiter
from bot.push.retry import Backoff
from bot.store import Store
from bot.times import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderSettings:
    concurrency: int = 16
    """Messages in flight at once: also the most a crash can repeat."""
    batch: int = 256
    """Chats claimed from the outbox at a time."""
    burst: int = 5
    """A chat with more due statements than this gets them as one digest message."""
    poll_seconds: float = 1.0
    """How often to look for rows that another process wrote."""
    send_timeout: float = 30.0
    max_hold: float = 5.0
    lateness: float = 0.01
    """How late after its slot a send may still start; keep it under the limiter's slack."""
    """A message whose turn is further off than this goes back to the outbox to wait."""


class Sender:
    def __init__(
        self,
        store: Store,
        platform: Platform,
        limiter: RateLimiter,
        backoff: Backoff,
        settings: SenderSettings = SenderSettings(),
        now: Callable[[], datetime] = utcnow,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self._platform = platform
        self._limiter = limiter
        self._backoff = backoff
        self._settings = settings
        self._now = now
        self._metrics = metrics or Metrics()
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task] = set()
        self._recorder = _Recorder(store, now)

    def wake(self) -> None:
        """New rows may be due: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Send until cancelled; on cancellation, let in-flight messages finish first."""
        name = self._platform.name
        if reset := await self._store.reset_claims(name):
            log.info(
                "%s: %d deliveries left in flight by an earlier run will be sent again", name, reset
            )
        try:
            while True:
                if deliveries := await self._claim():
                    await self._start(deliveries)
                else:
                    await self._idle()
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def drain(self) -> None:
        """Send everything due now, then return: for one-off runs, benchmarks and tests.

        Claims go on while earlier messages are in flight, as in `run`, so the pace
        never dips between batches; it returns once nothing is due or in flight.
        """
        while True:
            if deliveries := await self._claim():
                await self._start(deliveries)
            elif self._in_flight:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
            else:
                return

    async def _claim(self) -> list[Delivery]:
        settings = self._settings
        return await self._store.claim(
            self._platform.name, self._now(), settings.batch, settings.burst
        )

    async def _start(self, deliveries: list[Delivery]) -> None:
        """Start each delivery as soon as a slot in the in-flight window is free."""
        for delivery in deliveries:
            await self._slots.acquire()
            task = asyncio.create_task(self._deliver(delivery), name=f"{self._platform.name}-send")
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)
        self._wake.clear()

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            action = await self._attempt(delivery)
            await self._recorder.record(delivery, action)
            if isinstance(action, Done) and delivery.digest_at is not None:
                await self._schedule_next_digest(delivery)
        finally:
            self._slots.release()

    async def _attempt(self, delivery: Delivery) -> Action:
        """Send when the chat's turn comes, or hand the delivery back to wait in the outbox.

        A chat the platform paused is not booked a slot at all; one paused while we
        waited for our slot gives that slot up. So does a send woken too late (a busy
        event loop): the limiter's windows hold only if each send starts close to its
        slot, so a late one books a fresh slot rather than crowd the ones after it.
        """
        key = delivery.address.chat_id
        while True:
            if paused := self._paused(key):
                return paused
            wait = self._limiter.reserve(key, delivery.kind)
            if wait > self._settings.max_hold:
                return Retry(
                    self._now() + timedelta(seconds=wait), "waiting for the chat's rate limit"
                )
            slot = self._limiter.now() + wait
            await asyncio.sleep(wait)
            if paused := self._paused(key):
                return paused
            if self._limiter.now() - slot <= self._settings.lateness:
                break
        outcome = await self._send(delivery)
        return self._action(delivery, outcome)

    def _paused(self, key: str) -> Retry | None:
        left = self._limiter.pause_left(key)
        if left <= 0:
            return None
        return Retry(self._now() + timedelta(seconds=left), "the platform asked us to wait")

    async def _send(self, delivery: Delivery) -> Outcome:
        message = push_message(delivery.statements)
        began = time.perf_counter()
        try:
            async with asyncio.timeout(self._settings.send_timeout):
                outcome = await self._platform.send(delivery.address, message)
        except TimeoutError:
            return Transient(f"no answer within {self._settings.send_timeout:g}s")
        except Exception as error:
            log.exception("%s: sending to %s failed", self._platform.name, delivery.address)
            return Transient(f"{type(error).__name__}: {error}")
        if isinstance(outcome, Sent):
            self._metrics.sent(self._platform.name, time.perf_counter() - began)
        return outcome

    def _action(self, delivery: Delivery, outcome: Outcome) -> Action:
        now = self._now()
        match outcome:
            case Sent():
                return Done()
            case RetryAfter(seconds):
                self._limiter.pause(delivery.address.chat_id, seconds)
                self._metrics.rate_limited(self._platform.name)
                log.info(
                    "%s: %s asked us to wait %gs", self._platform.name, delivery.address, seconds
                )
                return Retry(now + timedelta(seconds=seconds), f"rate limited for {seconds:g}s")
            case Moved(chat_id):
                log.info("%s: %s moved to %s", self._platform.name, delivery.address, chat_id)
                return ChatMoved(chat_id)
            case Gone(reason):
                log.info(
                    "%s: %s is gone (%s); deactivated",
                    self._platform.name,
                    delivery.address,
                    reason,
                )
                return ChatGone(reason)
            case Transient(reason):
                age = (now - delivery.first_created).total_seconds()
                if self._backoff.gives_up(age):
                    log.warning(
                        "%s: giving up on %s: %s", self._platform.name, delivery.address, reason
                    )
                    return Dead(f"gave up after {delivery.attempts} attempts: {reason}")
                delay = self._backoff.delay(delivery.attempts)
                return Retry(now + timedelta(seconds=delay), reason)
        raise TypeError(f"not an outcome: {outcome!r}")

    async def _schedule_next_digest(self, delivery: Delivery) -> None:
        settings = (await self._store.find_chat(delivery.address)).settings
        hour, zone = int(settings.get("digest_hour", "8")), settings.get("timezone", "UTC")
        await self._store.set_digest(delivery.chat, next_digest_time(self._now(), hour, zone))


class _Recorder:
    """Commits outcomes in batches: whatever finished while the last commit ran goes in the next."""

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now
        self._waiting: list[tuple[Delivery, Action, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task | None = None

    async def record(self, delivery: Delivery, action: Action) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, action, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._store.record([(d, a) for d, a, _ in batch], self._now())
            except Exception:
                log.exception(
                    "could not record %d delivery outcomes; they will be retried after a restart",
                    len(batch),
                )
            for _, _, done in batch:
                done.set_result(None)
