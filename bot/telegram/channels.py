"""`/subscribe @channel KKE` in a private chat: operators manage channels from their own chat.

Nobody can send commands in a channel, so an operator names it instead. The bot
checks that it is an administrator there that may post, then runs the command for
the channel's address. The channel is stored by its numeric id, which survives a
change of its @username.
"""

from __future__ import annotations

import re

from telegram import Bot
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden

from bot.reply import Button, Reply, line, reply
from bot.telegram.outgoing import address, chat_ref
from handlers.commands import Parsed, dispatch
from handlers.context import Asker, Services

CHANNEL_COMMANDS = frozenset({"subscribe", "unsubscribe", "subscriptions"})
_CHANNEL = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d+")


def channel_named(parsed: Parsed) -> tuple[str, str] | None:
    """(channel, rest of the arguments) when a channel command names a channel first."""
    if parsed.name not in CHANNEL_COMMANDS:
        return None
    first, _, rest = parsed.text.partition(" ")
    return (first, rest.strip()) if _CHANNEL.fullmatch(first) else None


async def for_channel(
    bot: Bot, services: Services, asker: Asker, command: str, channel: str, rest: str
) -> Reply | None:
    """Run `/command rest` for `channel` on an operator's behalf, once the bot may post there."""
    if not asker.is_operator:
        return reply("Only the bot's operators can manage channels.")
    try:
        chat = await bot.get_chat(chat_ref(channel))
    except (BadRequest, Forbidden):
        return reply(f"I can't find the channel {channel}. Add me to it as an administrator first.")
    if chat.type != ChatType.CHANNEL:
        return reply(f"{channel} is not a channel.")
    me = await bot.get_chat_member(chat.id, bot.id)
    if me.status != ChatMemberStatus.ADMINISTRATOR or not getattr(me, "can_post_messages", False):
        return reply(
            f"I can't post in {chat.title}: make me an administrator who may post messages, "
            "then try again."
        )
    channel_asker = Asker(
        address=address(chat.id), kind="channel", user_id=asker.user_id, is_operator=True
    )
    answer = await dispatch(services, channel_asker, f"/{command} {rest}")
    if answer is None:
        return None
    return Reply(
        (line(f"Channel {chat.title}:"), *answer.blocks),
        tuple(tuple(_aimed(button, channel) for button in row) for row in answer.buttons),
    )


def _aimed(button: Button, channel: str) -> Button:
    """A button that still acts on the channel when pressed in the operator's chat."""
    name, _, rest = button.command.partition(" ")
    if name.removeprefix("/") not in CHANNEL_COMMANDS:
        return button
    return Button(button.label, f"{name} {channel} {rest}".rstrip())
