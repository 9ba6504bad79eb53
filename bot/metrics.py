"""The bot's Prometheus metrics, defined once, on a registry each app builds for itself.

A fresh `Metrics` per app (not prometheus_client's global registry) lets tests and a
one-off command build their own without colliding over metric names. What the
database knows (statements stored, the outbox by state) is read at scrape time, so
it stays true when another process (`partywire ingest`) writes the same file; the
rest counts what this process did since it started.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.store import Store

log = logging.getLogger(__name__)

OUTBOX_STATES = ("pending", "sending", "sent", "dead")
"""Every state is reported for every platform, zero included, so a drained queue reads 0."""

SEND_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds; the last bucket is the sender's own timeout."""

STORE_TIMEOUT = 5.0
"""A scrape waits no longer than this for the database, so a stuck one cannot stall it."""


@dataclass(frozen=True, slots=True)
class _StoreSnapshot:
    statements: int
    outbox: Mapping[tuple[str, str], int]


class _StoreCollector(Collector):
    """Yields the figures the last `refresh` read from the store; nothing when it failed.

    prometheus_client collects synchronously, so the async read happens before the
    scrape and this only reports it.
    """

    def __init__(self) -> None:
        self.snapshot: _StoreSnapshot | None = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families(self.snapshot)

    @staticmethod
    def _families(snapshot: _StoreSnapshot | None = None) -> Iterator[GaugeMetricFamily]:
        statements = GaugeMetricFamily(
            "partywire_statements", "Statements in the database, from every source and process."
        )
        outbox = GaugeMetricFamily(
            "partywire_outbox_messages",
            "Outbox rows by platform and state (pending, sending, sent, dead).",
            labels=["platform", "state"],
        )
        if snapshot is not None:
            statements.add_metric([], snapshot.statements)
            for platform in sorted({platform for platform, _ in snapshot.outbox}):
                for state in OUTBOX_STATES:
                    outbox.add_metric([platform, state], snapshot.outbox.get((platform, state), 0))
        yield statements
        yield outbox


class Metrics:
    """The collectors, and one small method for each thing the bot reports."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._stored = Counter(
            "partywire_statements_stored",
            "New statements this process stored, by source.",
            ["source"],
            registry=self.registry,
        )
        self._send_seconds = Histogram(
            "partywire_send_seconds",
            "Time a platform took to accept a pushed message.",
            ["platform"],
            buckets=SEND_BUCKETS,
            registry=self.registry,
        )
        self._rate_limited = Counter(
            "partywire_rate_limited",
            "Times a platform told us to slow down (Telegram 429, Matrix M_LIMIT_EXCEEDED).",
            ["platform"],
            registry=self.registry,
        )
        self._polls = Counter(
            "partywire_source_polls", "Polls of each source.", ["source"], registry=self.registry
        )
        self._poll_failures = Counter(
            "partywire_source_poll_failures",
            "Polls of each source that failed.",
            ["source"],
            registry=self.registry,
        )
        self._commands = Counter(
            "partywire_commands_answered",
            "Commands answered, by command name.",
            ["command"],
            registry=self.registry,
        )
        self._store = _StoreCollector()
        self.registry.register(self._store)

    def stored(self, source: str, count: int) -> None:
        self._stored.labels(source).inc(count)

    def sent(self, platform: str, seconds: float) -> None:
        self._send_seconds.labels(platform).observe(seconds)

    def rate_limited(self, platform: str) -> None:
        self._rate_limited.labels(platform).inc()

    def polled(self, source: str, ok: bool) -> None:
        self._polls.labels(source).inc()
        if not ok:
            self._poll_failures.labels(source).inc()

    def command(self, name: str) -> None:
        """Count an answered command; pass only names from the command table, never user text,
        or every typo would become a time series."""
        self._commands.labels(name).inc()

    async def refresh(self, store: Store) -> None:
        """Read the store's figures for the next scrape; when it cannot be read, they are left
        out rather than reported stale (`/healthz` says why)."""
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                snapshot = _StoreSnapshot(
                    await store.count_statements(), await store.outbox_counts()
                )
        # aiosqlite raises ValueError once its connection is closed.
        except (sqlite3.Error, ValueError, TimeoutError) as error:
            log.warning("metrics: cannot read the database: %s", str(error) or "timed out")
            snapshot = None
        self._store.snapshot = snapshot

    def exposition(self) -> bytes:
        """Every metric in Prometheus's text format."""
        return generate_latest(self.registry)
