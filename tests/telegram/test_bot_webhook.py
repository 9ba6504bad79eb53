"""Webhook mode: the platform registers its URL, takes updates by POST, and stops cleanly."""

import socket

import httpx

from bot.config import WebhookConfig

from .bot_harness import running_bot


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_webhook_registers_answers_posted_updates_and_stops(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    port = _free_port()
    hook = WebhookConfig(
        url="https://bot.example.org/telegram/hook", port=port, secret_token="s3cret"
    )
    local = f"http://127.0.0.1:{port}/telegram/hook"
    async with running_bot(fake_telegram, tmp_path, webhook=hook) as bot:
        (registered,) = fake_telegram.calls("setWebhook")
        fake_telegram.world.user_says(cast.private, cast.alice, "/help")
        (update,) = fake_telegram.world.updates.ready(1)
        async with httpx.AsyncClient() as client:
            forged = await client.post(local, json=update)
            posted = await client.post(
                local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            )
        (answer,) = await bot.replies(cast.private)
    assert (registered["url"], registered["secret_token"]) == (hook.url, "s3cret")
    assert (forged.status_code, posted.status_code) == (403, 200)
    assert answer.visible_text.startswith("Commands")
    assert fake_telegram.calls("getUpdates") == []
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))
