"""Who asks, and where: a Telegram chat and user as the handlers' `Asker`.

Whether the asker may manage the chat is found out only when a command needs it, with
one getChatMember call, since most commands (/party, /latest) never ask.
"""

from __future__ import annotations

import logging

from telegram import Bot, Chat, MaybeInaccessibleMessage, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.config import TelegramConfig
from bot.models import ChatAddress
from bot.telegram.outgoing import address
from handlers.context import Asker

log = logging.getLogger(__name__)

_KINDS = {
    ChatType.PRIVATE: "private",
    ChatType.GROUP: "group",
    ChatType.SUPERGROUP: "group",
    ChatType.CHANNEL: "channel",
}
MANAGERS = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


def kind_of(chat: Chat) -> str:
    """The kind the store and the rate limiter know: private, group or channel."""
    return _KINDS.get(chat.type, "group")


def address_of(message: MaybeInaccessibleMessage) -> ChatAddress:
    """The chat a message is in and, in a forum, its topic: replies and pushes go there.

    A message too old for the bot to read (a button pressed long after) has no topic;
    its answer goes to the chat.
    """
    topic = getattr(message, "is_topic_message", False)
    return address(message.chat.id, message.message_thread_id if topic else None)


def asker_for(
    bot: Bot,
    config: TelegramConfig,
    where: ChatAddress,
    chat: Chat,
    user: User | None,
    sender_chat: Chat | None = None,
) -> Asker:
    """The asker of a message or button press by `user` (or by `sender_chat`) in `chat`."""

    async def may_manage() -> bool:
        if chat.type == ChatType.PRIVATE:
            return True
        if sender_chat is not None:
            # The group itself: one of its admins posting anonymously.
            return sender_chat.id == chat.id
        if user is None:
            return False
        try:
            member = await bot.get_chat_member(chat.id, user.id)
        except TelegramError as error:
            log.warning("telegram: could not check %s's rights in %s: %s", user.id, chat.id, error)
            return False
        return member.status in MANAGERS

    return Asker(
        address=where,
        kind=kind_of(chat),
        user_id=str(user.id) if user else "",
        may_manage=may_manage,
        is_operator=user is not None and user.id in config.operators,
    )
