"""Logging: one line per event on standard error, as text or JSON, with secrets redacted.

Secrets reach logs by paths nobody plans: a bot token inside a request URL in an
httpx error, an access token in an exception's text. So redaction happens on the
finished line, whatever produced it, for every secret the process knows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

REDACTED = "«redacted»"
_secrets: set[str] = set()


def add_secrets(values: Iterable[str | None]) -> None:
    """Never let these strings reach a log line (tokens, passwords, access tokens)."""
    _secrets.update(value for value in values if value and len(value) >= 6)


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps({key: redact(value) for key, value in event.items()}, ensure_ascii=False)


def configure_logging(level: str, style: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        _JsonFormatter()
        if style == "json"
        else _TextFormatter(
            "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiosqlite", "telegram", "nio", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
