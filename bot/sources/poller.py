"""Polling the configured sources: one task per source, each on its own interval.

A poll loads the source once (conditionally, from where a permanent redirect led),
stores what is new and, after the first load, pushes it and wakes the senders. The
first load is a backlog, stored but not pushed (unless the source says
`push_backlog`), as maubot/rss does on subscribe, so a new source does not flood
every chat with its archive.

A failing source backs off exponentially up to a ceiling; its state (validators,
redirect, health, next poll, backlog flag) lives in the database, so a restart
neither forgets a failure streak nor polls a failing server at once. A slow or
failing source never delays another: each runs in its own task, and nothing in a
poll but storing is shared (the store serialises writes in short transactions).
When a source has failed for `http.alert_after_hours`, operators are told once per
failure streak.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import httpx

from bot.config import HttpConfig
from bot.core import Core
from bot.ingest import recognise
from bot.near_duplicates import RecentStatements
from bot.push.retry import Backoff
from bot.source_queries import SourceHealth
from bot.sources.fetch import Fetcher, Validators
from bot.sources.load import Loaded, Source, SourceError, load_source, resolve_sources
from bot.times import utcnow

log = logging.getLogger(__name__)

CEILING = 3600.0
"""The longest a failing source waits between tries (or its interval, if longer)."""
BATCH = 500

AlertCallback = Callable[[str, str], Awaitable[None] | None]
"""`on_alert(source name, message)`: tell the operators a source has been failing."""


@dataclass(frozen=True, slots=True)
class PollReport:
    """What one poll did, for logs and tests."""

    source: str
    outcome: Literal["stored", "not_modified", "failed"]
    first_load: bool = False
    seen: int = 0
    stored: int = 0
    pushed: int = 0
    near_duplicates: int = 0
    error: str | None = None
    seconds: float = 0.0


def fetcher_for(client: httpx.AsyncClient, http: HttpConfig) -> Fetcher:
    """A fetcher with the config's limits; the deadline allows a slow but steady server twice
    the timeout in all."""
    return Fetcher(
        client,
        max_bytes=max_bytes(http),
        timeout=httpx.Timeout(http.timeout_seconds),
        deadline=2 * http.timeout_seconds,
    )


def max_bytes(http: HttpConfig) -> int:
    return int(http.max_body_megabytes * 1024 * 1024)


class Poller:
    """Polls every configured source until cancelled."""

    def __init__(
        self,
        core: Core,
        client: httpx.AsyncClient,
        *,
        wake: Callable[[], None] = lambda: None,
        on_alert: AlertCallback | None = None,
        sources: Sequence[Source] | None = None,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ceiling: float = CEILING,
    ) -> None:
        """`sources` defaults to the config's, checked now (a mistake raises ConfigError).

        `clock` and `sleep` are injected so tests can run many rounds in little time.
        """
        self._core = core
        self._http = core.config.http
        self._fetcher = fetcher_for(client, self._http)
        self._wake = wake
        self._on_alert = on_alert
        self.sources = tuple(
            sources if sources is not None else resolve_sources(core.config, core.directory)
        )
        self._clock = clock
        self._sleep = sleep
        self._ceiling = ceiling
        self._recent: RecentStatements | None = None

    async def start(self) -> None:
        """Record the configured sources in the store and load the near-duplicate index."""
        store = self._core.store
        await store.sync_sources({source.name: source.location for source in self.sources})
        if self._recent is None:
            began = time.perf_counter()
            self._recent = await RecentStatements.load(store, self._clock())
            log.debug(
                "near-duplicate index: %d recent statements loaded in %.3fs",
                len(self._recent),
                time.perf_counter() - began,
            )

    async def run(self) -> None:
        """Poll every source on its own interval, concurrently, until cancelled."""
        await self.start()
        if not self.sources:
            log.info("no sources configured; nothing to poll")
            return
        log.info("polling %d sources", len(self.sources))
        tasks = [
            asyncio.create_task(self._follow(source), name=f"source:{source.name}")
            for source in self.sources
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _follow(self, source: Source) -> None:
        while True:
            try:
                wait = await self._wait(source)
            except Exception:
                log.exception("%s: cannot read the source's state; trying again later", source.name)
                wait = source.interval
            if wait > 0:
                await self._sleep(wait)
            await self.poll(source)

    async def _wait(self, source: Source) -> float:
        """Seconds until the source's booked poll; none if it was never polled."""
        state = await self._core.store.source_state(source.name)
        if state is None or state.next_poll_at is None:
            return 0.0
        wait = (state.next_poll_at - self._clock()).total_seconds()
        return min(wait, max(source.interval, self._ceiling))

    async def poll(self, source: Source) -> PollReport:
        """Load and store one source once; never raises but for cancellation."""
        began = time.perf_counter()
        try:
            if self._recent is None:
                await self.start()
            report = await self._poll(source)
        except SourceError as error:
            report = await self._failed(source, error.reason)
        except Exception as error:
            log.exception("%s: poll failed unexpectedly", source.name)
            report = await self._failed(source, f"internal error: {type(error).__name__}: {error}")
        report = dataclasses.replace(report, seconds=time.perf_counter() - began)
        self._core.metrics.polled(source.name, ok=report.outcome != "failed")
        if report.stored:
            self._core.metrics.stored(source.name, report.stored)
        log.debug("%s: %s", source.name, report)
        return report

    async def _poll(self, source: Source) -> PollReport:
        store = self._core.store
        state = await store.source_state(source.name)
        if state is None:  # a source not among `self.sources`: add it without dropping those
            await store.sync_sources({s.name: s.location for s in (*self.sources, source)})
            state = await store.source_state(source.name)
            assert state is not None
        first = not state.first_load_done
        loaded = await load_source(
            self._fetcher,
            source,
            location=state.fetch_location,
            validators=Validators(state.etag, state.last_modified) if not first else None,
            first_load=first,
            max_bytes=max_bytes(self._http),
        )
        now = self._clock()
        moved_to = loaded.moved_to if loaded.moved_to != state.fetch_location else None
        if moved_to:
            log.info(
                "%s: moved permanently to %s; polling there from now on", source.name, moved_to
            )
        for problem in loaded.problems:
            log.warning("%s: %s", source.name, problem)
        push = not first or source.push_backlog
        stored = near = pushed = 0
        if not loaded.not_modified:
            stored, near, pushed = await self._store(loaded, now, push)
        await store.record_source_success(
            source.name,
            now,
            now + timedelta(seconds=source.interval),
            etag=loaded.validators.etag,
            last_modified=loaded.validators.last_modified,
            moved_to=moved_to,
            items_seen=None if loaded.not_modified else len(loaded.statements),
            items_stored=stored,
        )
        if state.failing:
            log.info(
                "%s: working again after %d failed polls", source.name, state.consecutive_failures
            )
        if pushed:
            self._wake()
        if stored:
            log.info(
                "%s: %d new statements%s",
                source.name,
                stored,
                "" if push else " (backlog, not pushed)",
            )
        return PollReport(
            source.name,
            "not_modified" if loaded.not_modified else "stored",
            first_load=first,
            seen=len(loaded.statements),
            stored=stored,
            pushed=pushed,
            near_duplicates=near,
        )

    async def _store(self, loaded: Loaded, now: datetime, push: bool) -> tuple[int, int, int]:
        core = self._core
        assert self._recent is not None
        audience = core.audience if push else None
        stored = near = 0
        statements = loaded.statements
        for start in range(0, len(statements), BATCH):
            batch = [recognise(core.recogniser, raw) for raw in statements[start : start + BATCH]]
            new, skipped = await self._recent.store(core.store, batch, now, audience)
            stored += len(new)
            near += skipped
        return stored, near, stored if push else 0

    async def _failed(self, source: Source, reason: str) -> PollReport:
        """Record a failure, book the retry with backoff, and alert once per streak."""
        store = self._core.store
        now = self._clock()
        try:
            state = await store.source_state(source.name)
            attempt = (state.consecutive_failures if state else 0) + 1
            wait = self.backoff(source).delay(attempt)
            state = await store.record_source_failure(
                source.name, now, reason, now + timedelta(seconds=wait)
            )
        except Exception:
            log.exception("%s: cannot record the failure (%s)", source.name, reason)
            return PollReport(source.name, "failed", error=reason)
        log.warning(
            "%s: %s (failure %d in a row; next try in %s)",
            source.name,
            reason,
            attempt,
            _duration(wait),
        )
        if state is not None:
            await self._maybe_alert(source, state, now)
        return PollReport(source.name, "failed", error=reason)

    def backoff(self, source: Source) -> Backoff:
        """Retry after the interval, then twice that, and so on up to the ceiling."""
        return Backoff(base=source.interval, ceiling=max(source.interval, self._ceiling))

    async def _maybe_alert(self, source: Source, state: SourceHealth, now: datetime) -> None:
        if state.failing_since is None or state.alerted_at is not None:
            return
        failing = now - state.failing_since
        if failing < timedelta(hours=self._http.alert_after_hours):
            return
        if not await self._core.store.mark_source_alerted(source.name, now):
            return
        message = (
            f"source {source.name} has been failing for {_duration(failing.total_seconds())}"
            f" ({state.consecutive_failures} polls in a row); last error: {state.last_error}"
        )
        log.warning("ALERT: %s", message)
        if self._on_alert is None:
            return
        try:
            result = self._on_alert(source.name, message)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("%s: could not deliver the alert", source.name)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
