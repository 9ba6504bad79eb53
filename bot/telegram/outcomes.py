"""Telegram's errors as the push engine's few outcomes.

The engine retries, pauses, moves and deactivates; this module only decides which.
A Bad Request that names no chat state is a fault in our own message: it is
retried as transient (and logged as an error) so that it ends as a dead row whose
reason says what Telegram refused, instead of silently deactivating a healthy chat.
"""

from __future__ import annotations

import datetime as dtm
import logging
import warnings

from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.error import RetryAfter as FloodWait
from telegram.warnings import PTBDeprecationWarning

from bot.push.protocol import Gone, Moved, Outcome, RetryAfter, Transient

log = logging.getLogger(__name__)

GONE_BAD_REQUESTS = (
    "chat not found",
    "topic_closed",
    "topic_deleted",
    "message thread not found",
    "have no rights to send a message",
    "need administrator rights",
    "not enough rights to send",
    "chat_write_forbidden",
    "bot was kicked",
    "user is deactivated",
)
"""Bad Request descriptions (lower case) that say the chat cannot take our messages."""


def outcome_of(error: TelegramError) -> Outcome:
    """What a failed send means for the chat."""
    if isinstance(error, FloodWait):
        return RetryAfter(retry_seconds(error))
    if isinstance(error, ChatMigrated):
        return Moved(str(error.new_chat_id))
    if isinstance(error, Forbidden):
        return Gone(error.message)
    if isinstance(error, BadRequest):
        if any(reason in error.message.lower() for reason in GONE_BAD_REQUESTS):
            return Gone(error.message)
        log.error("telegram refused a message as malformed: %s", error.message)
        return Transient(f"Telegram refused the message: {error.message}")
    return Transient(f"{type(error).__name__}: {error.message}")


def retry_seconds(error: FloodWait) -> float:
    """The wait Telegram asked for; PTB gives it as int or timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, dtm.timedelta) else float(wait)
