"""Secrets never reach a log line, whichever way they travel, in text or JSON."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from bot.logs import REDACTED, add_secrets, configure_logging

TOKEN = "123456789:AAHsecretTelegramTokenPart"
PASSWORD = "matrix-password-42"


@pytest.fixture
def captured(capsys):
    def lines(style: str) -> list[str]:
        configure_logging("DEBUG", style)
        add_secrets([TOKEN, PASSWORD, None, ""])
        log = logging.getLogger("partywire.test")
        log.info("logging in as @bot with %s", PASSWORD)
        try:
            httpx.get(f"http://127.0.0.1:1/bot{TOKEN}/getMe", timeout=0.5)
        except httpx.HTTPError:
            log.exception("request to https://api.telegram.org/bot%s/getMe failed", TOKEN)
        return capsys.readouterr().err.splitlines()

    yield lines
    logging.getLogger().handlers.clear()


def test_text_logs_redact_tokens_in_messages_urls_and_tracebacks(captured):
    output = "\n".join(captured("text"))
    assert TOKEN not in output and PASSWORD not in output
    assert f"https://api.telegram.org/bot{REDACTED}/getMe" in output
    assert "Traceback" in output


def test_json_logs_are_one_object_per_line_and_redacted(captured):
    lines = captured("json")
    events = [json.loads(line) for line in lines]
    assert [event["level"] for event in events] == ["INFO", "ERROR"]
    assert "exception" in events[1]
    assert TOKEN not in "\n".join(lines) and PASSWORD not in "\n".join(lines)
