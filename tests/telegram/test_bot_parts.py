"""The adapter's small parts on their own: error outcomes, button tokens, rates, the menu."""

import datetime as dtm
import logging

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.push import protocol
from bot.reply import Button
from bot.telegram.keyboard import ButtonTokens, keyboard
from bot.telegram.menu import bot_commands
from bot.telegram.outcomes import outcome_of
from bot.telegram.platform import _rate
from handlers.commands import COMMANDS


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (RetryAfter(7), protocol.RetryAfter(7.0)),
        (RetryAfter(dtm.timedelta(seconds=3)), protocol.RetryAfter(3.0)),
        (ChatMigrated(-100123), protocol.Moved("-100123")),
        (Forbidden("Forbidden: bot was blocked by the user"), protocol.Gone),
        (BadRequest("Bad Request: chat not found"), protocol.Gone),
        (BadRequest("Bad Request: TOPIC_CLOSED"), protocol.Gone),
        (BadRequest("Bad Request: TOPIC_DELETED"), protocol.Gone),
        (BadRequest("Bad Request: have no rights to send a message"), protocol.Gone),
        (TimedOut(), protocol.Transient),
        (NetworkError("Bad Gateway"), protocol.Transient),
        (Conflict("Conflict: terminated by other getUpdates request"), protocol.Transient),
    ],
)
def test_errors_become_outcomes(error, outcome):
    found = outcome_of(error)
    assert found == outcome if not isinstance(outcome, type) else isinstance(found, outcome)


def test_a_malformed_message_is_transient_and_logged_as_an_error(caplog):
    with caplog.at_level(logging.ERROR):
        found = outcome_of(BadRequest("Bad Request: can't parse entities: unclosed tag"))
    assert isinstance(found, protocol.Transient)
    assert "Can't parse entities" in found.reason
    assert "Can't parse entities" in caplog.text


def test_short_commands_are_their_own_callback_data():
    assert ButtonTokens().data_for("/party KKE page 2") == "/party KKE page 2"


def test_long_commands_get_a_token_that_brings_them_back():
    tokens = ButtonTokens()
    command = "/search " + "ΚΚΕ " * 20
    data = tokens.data_for(command)
    assert len(data.encode()) <= 64
    assert tokens.data_for(command) == data
    assert tokens.command_for(data) == command


def test_least_recently_used_token_is_forgotten_first():
    tokens = ButtonTokens(size=2)
    first, second = (tokens.data_for(f"/search {n} " + "x" * 70) for n in (1, 2))
    tokens.command_for(first)
    tokens.data_for("/search 3 " + "x" * 70)
    assert tokens.command_for(second) is None
    assert tokens.command_for(first) is not None
    assert tokens.command_for("~unknown") is None


def test_keyboard_keeps_rows_and_is_none_without_buttons():
    tokens = ButtonTokens()
    markup = keyboard(((Button("◀", "/latest page 1"), Button("▶", "/latest page 3")),), tokens)
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["◀", "▶"]]
    assert keyboard((), tokens) is None


@pytest.mark.parametrize(
    ("count", "per", "sends_per_second"), [(30, 1, 30), (1, 1, 1), (20, 60, 1 / 3), (0.5, 1, 0.5)]
)
def test_rates_keep_the_configured_pace(count, per, sends_per_second):
    rate = _rate(count, per)
    assert rate.count >= 1
    assert rate.count / rate.per_seconds == pytest.approx(sends_per_second)


def test_menu_lists_every_command_but_the_operators_within_telegram_limits():
    commands = bot_commands()
    assert [c.command for c in commands] == [c.name for c in COMMANDS if not c.operators_only]
    assert all(1 <= len(c.description) <= 256 and c.description[0].isupper() for c in commands)
