"""`partywire run`'s own lifecycle with Telegram configured: the platform and its sender start
together, answer and push, and stop together."""

import dataclasses

from bot.app import running_bot
from bot.config import Config, DatabaseConfig, PushConfig, TelegramConfig
from bot.core import open_core
from bot.ingest import ingest
from bot.models import RawStatement

from .bot_harness import KKE, eventually


async def test_run_answers_commands_and_pushes_new_statements(fake_telegram, tmp_path):
    cast = fake_telegram.cast
    config = dataclasses.replace(
        Config(),
        telegram=TelegramConfig(
            token=fake_telegram.token,
            base_url=fake_telegram.base_url,
            base_file_url=fake_telegram.base_file_url,
        ),
        push=PushConfig(poll_seconds=0.05),
        database=DatabaseConfig(str(tmp_path / "partywire.sqlite3")),
    )
    async with running_bot(config), open_core(config) as other_process:
        fake_telegram.world.user_says(cast.private, cast.alice, "/subscribe KKE")
        await eventually(lambda: fake_telegram.sent(cast.private))
        raw = RawStatement("Pushed by a one-off ingest", "cli", parties=(KKE,))
        await ingest(
            other_process.store, other_process.recogniser, [raw], audience=other_process.audience
        )
        await eventually(lambda: len(fake_telegram.sent(cast.private)) == 2)
    assert fake_telegram.sent(cast.private)[1].visible_text.endswith("Pushed by a one-off ingest")
