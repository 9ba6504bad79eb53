"""The Prometheus metrics: the methods other modules call, and `/metrics` over real HTTP
reading the real store as statements arrive and deliveries are sent."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Config
from bot.core import open_core
from bot.ingest import ingest
from bot.metrics import Metrics
from bot.models import ChatAddress, RawStatement, Subscription
from bot.outbox_queries import Done
from bot.times import utcnow
from tests.endpoint import endpoint_client


@pytest.fixture
def metrics():
    return Metrics()


@pytest.fixture
async def client(core, metrics):
    async with endpoint_client(core, metrics, lambda: {"telegram": True}) as http:
        yield http


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple], float]:
    """Every sample from `/metrics`, keyed by (name, sorted labels)."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def outbox(state: str) -> tuple[str, tuple]:
    return ("partywire_outbox_messages", (("platform", "telegram"), ("state", state)))


def telegram_outbox(samples: dict) -> list[float]:
    """Telegram's rows as [pending, sending, sent, dead]."""
    return [samples[outbox(state)] for state in ("pending", "sending", "sent", "dead")]


STATEMENTS = ("partywire_statements", ())


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_each_method_moves_its_own_metric(metrics):
    metrics.stored("kke", 3)
    metrics.stored("kke", 2)
    metrics.sent("telegram", 0.2)
    metrics.sent("telegram", 7.0)
    metrics.rate_limited("matrix")
    metrics.polled("kke", ok=True)
    metrics.polled("kke", ok=False)
    metrics.command("latest")

    assert value(metrics, "partywire_statements_stored_total", source="kke") == 5
    assert value(metrics, "partywire_send_seconds_count", platform="telegram") == 2
    assert value(metrics, "partywire_send_seconds_bucket", platform="telegram", le="0.25") == 1
    assert value(metrics, "partywire_send_seconds_sum", platform="telegram") == pytest.approx(7.2)
    assert value(metrics, "partywire_rate_limited_total", platform="matrix") == 1
    assert value(metrics, "partywire_source_polls_total", source="kke") == 2
    assert value(metrics, "partywire_source_poll_failures_total", source="kke") == 1
    assert value(metrics, "partywire_commands_answered_total", command="latest") == 1


def test_each_app_has_its_own_registry():
    """Two apps in one process (tests, a one-off command) must neither collide nor share counts."""
    first, second = Metrics(), Metrics()

    first.command("help")

    assert value(first, "partywire_commands_answered_total", command="help") == 1
    assert value(second, "partywire_commands_answered_total", command="help") is None


async def test_metrics_endpoint_names_every_metric(client, metrics):
    metrics.sent("telegram", 0.1)
    metrics.rate_limited("telegram")
    metrics.polled("kke", ok=False)
    metrics.stored("kke", 1)
    metrics.command("help")

    names = {name for name, _ in await scrape(client)}

    assert {
        "partywire_statements",
        "partywire_statements_stored_total",
        "partywire_send_seconds_bucket",
        "partywire_send_seconds_count",
        "partywire_rate_limited_total",
        "partywire_source_polls_total",
        "partywire_source_poll_failures_total",
        "partywire_commands_answered_total",
    } <= names


async def test_scrape_follows_the_store_as_statements_arrive_and_are_sent(core, client):
    store = core.store
    chat = await store.chat(ChatAddress("telegram", "42"), "private")
    await store.subscribe(chat.id, Subscription("all"))
    before = await scrape(client)

    await ingest(
        core.store,
        core.recogniser,
        [
            RawStatement("KKE on the general strike", "test", "https://example.org/1"),
            RawStatement("KKE salutes the dockers", "test", "https://example.org/2"),
        ],
        audience=core.audience,
    )
    stored = await scrape(client)
    first, _in_flight = await store.claim("telegram", utcnow(), limit=10, burst=5)
    await store.record([(first, Done())], utcnow())
    sent = await scrape(client)

    assert before[STATEMENTS] == 0
    assert outbox("pending") not in before  # no platform has rows yet
    assert stored[STATEMENTS] == 2
    assert telegram_outbox(stored) == [2, 0, 0, 0]
    assert sent[STATEMENTS] == 2
    # One delivered, the other claimed and still in flight.
    assert telegram_outbox(sent) == [0, 1, 1, 0]


async def test_a_closed_database_drops_the_store_figures_but_not_the_scrape(tmp_path):
    async with open_core(Config(), tmp_path / "db.sqlite3") as core:
        pass  # leaving the block closes the store the endpoint still holds
    metrics = Metrics()
    metrics.command("help")

    async with endpoint_client(core, metrics, lambda: {}) as http:
        samples = await scrape(http)

    assert STATEMENTS not in samples
    assert samples[("partywire_commands_answered_total", (("command", "help"),))] == 1
