"""Replies as Telegram messages: HTML, split to fit, buttons under the last part.

Used both for answers to commands and for pushed statements, so both look the same
and follow the chat's link-preview setting.
"""

from __future__ import annotations

import re

from telegram import Bot, LinkPreviewOptions, MaybeInaccessibleMessage, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.config import TelegramConfig
from bot.models import ChatAddress
from bot.reply import Reply
from bot.store import Store
from bot.telegram.keyboard import ButtonTokens, keyboard
from bot.telegram.render import message_texts

PLATFORM = "telegram"
_NUMERIC = re.compile(r"-?\d+")


def chat_ref(chat_id: str) -> int | str:
    """A stored chat id as the Bot API takes it: a number, or a channel's @username."""
    return int(chat_id) if _NUMERIC.fullmatch(chat_id) else chat_id


def address(chat_id: int, thread_id: int | None = None) -> ChatAddress:
    return ChatAddress(PLATFORM, str(chat_id), None if thread_id is None else str(thread_id))


class Outgoing:
    def __init__(
        self, bot: Bot, store: Store, config: TelegramConfig, tokens: ButtonTokens
    ) -> None:
        self._bot = bot
        self._store = store
        self._config = config
        self._tokens = tokens

    async def send(self, to: ChatAddress, reply: Reply, reply_to: int | None = None) -> None:
        """Send `reply` to a chat (and topic); raises the Bot API's error if a part fails."""
        await self._send_texts(to, message_texts(reply), reply, reply_to)

    async def replace(
        self, message: MaybeInaccessibleMessage, to: ChatAddress, reply: Reply
    ) -> None:
        """Show `reply` in place of one of the bot's messages (a page turned by a button).

        A reply longer than one message fills the old message with its first part and
        sends the rest after it. A message Telegram no longer lets us edit gets a new one.
        """
        if not isinstance(message, Message):
            await self.send(to, reply)
            return
        first, *rest = message_texts(reply)
        try:
            await self._bot.edit_message_text(
                first,
                chat_id=message.chat_id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                link_preview_options=await self.previews(to),
                reply_markup=None if rest else keyboard(reply.buttons, self._tokens),
            )
        except BadRequest as error:
            # A second tap on the same button while the first was answered.
            if "message is not modified" not in error.message.lower():
                raise
        await self._send_texts(to, rest, reply, None)

    async def _send_texts(
        self, to: ChatAddress, texts: list[str], reply: Reply, reply_to: int | None
    ) -> None:
        """Send parts of `reply` in order, its buttons under the last."""
        previews = await self.previews(to) if texts else None
        for position, text in enumerate(texts):
            last = position == len(texts) - 1
            await self._bot.send_message(
                chat_ref(to.chat_id),
                text,
                parse_mode=ParseMode.HTML,
                message_thread_id=int(to.thread_id) if to.thread_id else None,
                link_preview_options=previews,
                reply_markup=keyboard(reply.buttons, self._tokens) if last else None,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and position == 0
                else None,
            )

    async def previews(self, to: ChatAddress) -> LinkPreviewOptions:
        """Link previews as the chat's /settings say, else as the config says."""
        chat = await self._store.find_chat(to)
        setting = chat.settings.get("previews") if chat else None
        shown = setting == "on" if setting in ("on", "off") else self._config.link_previews
        return LinkPreviewOptions(is_disabled=not shown)
