"""End-to-end encrypted rooms, when matrix-nio[e2e] is installed (skipped otherwise)."""

from __future__ import annotations

import secrets

import pytest
from nio import AsyncClient, AsyncClientConfig, MegolmEvent
from nio.crypto import ENCRYPTION_ENABLED

from tests.matrix.helpers import Watcher, bot_account, bot_config, running_bot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ENCRYPTION_ENABLED, reason="needs matrix-nio[e2e] (vodozemac)"),
]

ENCRYPTED = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


async def test_bot_answers_in_an_encrypted_room(synapse, tmp_path) -> None:
    account = await bot_account(synapse)
    user_id, token, device_id = await synapse.register(f"secret-{secrets.token_hex(4)}")
    (tmp_path / "user-store").mkdir()
    client = AsyncClient(
        synapse.base_url,
        user_id,
        device_id=device_id,
        store_path=str(tmp_path / "user-store"),
        config=AsyncClientConfig(
            max_limit_exceeded=0, max_timeouts=0, request_timeout=30, encryption_enabled=True
        ),
    )
    client.restore_login(user_id, device_id, token)
    try:
        await client.keys_upload()
        user = Watcher(client)
        config = bot_config(
            account,
            tmp_path / "bot.sqlite3",
            encryption=True,
            store_path=str(tmp_path / "bot-store"),
        )
        async with running_bot(config, sender=False):
            room_id = await user.room_with(account.user_id, initial_state=[ENCRYPTED])
            await user.sync()  # the bot's device keys, before encrypting for it

            sent = await client.room_send(
                room_id,
                "m.room.message",
                {"msgtype": "m.text", "body": "!party KKE"},
                ignore_unverified_devices=True,
            )
            answer = await user.reply_to(room_id, sent.event_id)
    finally:
        await client.close()

    assert not isinstance(answer.event, MegolmEvent), "the reply could not be decrypted"
    assert answer.event.source.get("type") == "m.room.message"
    assert "Communist Party of Greece" in answer.content["body"]
    assert answer.event.decrypted
