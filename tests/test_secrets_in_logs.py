"""Running the bot with real secrets never writes them to the log, even when requests fail."""

from __future__ import annotations

import logging
import os
import socket

import httpx

from bot.cli import main
from bot.logs import REDACTED

TOKEN = "7777777:AAE-known-telegram-token-for-the-test"
PASSWORD = "known-matrix-password-for-the-test"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_bot_that_fails_to_reach_its_platforms_logs_no_secret(tmp_path, capfd):
    port = closed_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
database:
  path: db.sqlite3
logging:
  level: DEBUG
telegram:
  token: ${{TEST_TOKEN}}
  base_url: http://127.0.0.1:{port}/bot
  base_file_url: http://127.0.0.1:{port}/file/bot
matrix:
  homeserver: http://127.0.0.1:{port}
  user_id: "@partywire:localhost"
  password: ${{TEST_PASSWORD}}
""",
        encoding="utf-8",
    )
    os.environ["TEST_TOKEN"], os.environ["TEST_PASSWORD"] = TOKEN, PASSWORD
    try:
        assert main(["run", "--config", str(config)]) == 1
        try:
            httpx.get(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe?password={PASSWORD}")
        except httpx.HTTPError as error:
            logging.getLogger("partywire").exception("request to %s failed", error.request.url)
    finally:
        del os.environ["TEST_TOKEN"], os.environ["TEST_PASSWORD"]
        logging.getLogger().handlers.clear()
    out, err = capfd.readouterr()
    assert "the bot stopped on an error" in err
    assert f"/bot{REDACTED}/getMe?password={REDACTED} failed" in err
    assert TOKEN not in out + err
    assert PASSWORD not in out + err
