"""The command menu Telegram shows beside the message box, built from `COMMANDS`.

Set once per start for private chats and for groups, each its own scope, so the
two lists can diverge later without either losing its menu.
"""

from __future__ import annotations

import re

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from handlers.commands import COMMANDS

_NAME = re.compile(r"[a-z0-9_]{1,32}")
_DESCRIPTION_LIMIT = 256


def bot_commands() -> list[BotCommand]:
    """Every command Telegram can show; a name it would refuse is left out of the menu."""
    return [
        BotCommand(command.name, _description(command.summary))
        for command in COMMANDS
        if _NAME.fullmatch(command.name) and not command.operators_only
    ]


def _description(summary: str) -> str:
    text = (summary[:1].upper() + summary[1:]) or "No description"
    return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"


async def set_menus(bot: Bot) -> None:
    commands = bot_commands()
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands(commands, scope=BotCommandScopeAllGroupChats())
