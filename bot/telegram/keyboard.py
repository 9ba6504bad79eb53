"""A reply's buttons as an inline keyboard, and a pressed button's data back as its command.

Telegram carries at most 64 bytes of callback data. A button whose command fits is
given the command itself, so it works for as long as the message exists, across
restarts. A longer command (a search for many words, say) is given a random token
kept in memory: an LRU, because such buttons are rare and only recent ones get
pressed, and keeping them in the database would grow a table for every message sent.
After a restart, or once evicted, such a token is unknown and the presser is asked to
send the command again. Tokens are random rather than counted so that a token from
before a restart can never name a different command after it.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.reply import Button

CALLBACK_DATA_LIMIT = 64
"""Bytes of UTF-8, as Telegram counts."""
_TOKEN_PREFIX = "~"


class ButtonTokens:
    """Callback data for commands, with short tokens for commands longer than Telegram allows."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._commands: OrderedDict[str, str] = OrderedDict()
        """Token to command, least recently used first."""
        self._tokens: dict[str, str] = {}
        """Command to its token, so the same button keeps one token."""

    def data_for(self, command: str) -> str:
        """The callback data that brings `command` back when its button is pressed."""
        if len(command.encode()) <= CALLBACK_DATA_LIMIT:
            return command
        token = self._tokens.get(command)
        if token is None:
            token = _TOKEN_PREFIX + secrets.token_urlsafe(12)
            self._tokens[command] = token
        self._commands[token] = command
        self._commands.move_to_end(token)
        while len(self._commands) > self._size:
            _, evicted = self._commands.popitem(last=False)
            del self._tokens[evicted]
        return token

    def command_for(self, data: str) -> str | None:
        """The command a pressed button runs; None when its token has expired."""
        if data.startswith("/"):
            return data
        command = self._commands.get(data)
        if command is not None:
            self._commands.move_to_end(data)
        return command


def keyboard(
    rows: tuple[tuple[Button, ...], ...], tokens: ButtonTokens
) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a reply's button rows; None when it has none."""
    buttons = [
        [InlineKeyboardButton(b.label, callback_data=tokens.data_for(b.command)) for b in row]
        for row in rows
        if row
    ]
    return InlineKeyboardMarkup(buttons) if buttons else None
