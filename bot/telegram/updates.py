"""What the bot does with each kind of update; `register` wires them all into PTB.

Handlers are methods of one object because they share the core, the config and the
outgoing-message helper; each stays one small `async def` that turns an update into
a `dispatch` call (or a store call) and the answer into messages.
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import TelegramConfig
from bot.core import Core
from bot.telegram import inline
from bot.telegram.askers import address_of, asker_for
from bot.telegram.channels import channel_named, for_channel
from bot.telegram.keyboard import ButtonTokens
from bot.telegram.outgoing import Outgoing, address
from handlers.commands import BY_NAME, SORRY, Parsed, dispatch, parse_command
from handlers.context import Services

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
    Update.MY_CHAT_MEMBER,
]
PRESENT = {
    ChatMemberStatus.OWNER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.MEMBER,
}
EXPIRED = "This button has expired. Please send the command again."
_PAGED = re.compile(r" page \d+$")
"""How `handlers.format.page_buttons` ends a command that turns a page."""

Context = ContextTypes.DEFAULT_TYPE


class UpdateHandlers:
    def __init__(
        self, core: Core, config: TelegramConfig, outgoing: Outgoing, tokens: ButtonTokens
    ) -> None:
        self._core = core
        self._services = Services.for_core(core)
        self._config = config
        self._outgoing = outgoing
        self._tokens = tokens

    def register(self, app: Application) -> None:
        message = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(message & filters.StatusUpdate.MIGRATE, self.on_migration))
        app.add_handler(MessageHandler(message & filters.COMMAND, self.on_command))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(InlineQueryHandler(self.on_inline_query))
        app.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self.on_error)

    async def on_command(self, update: Update, context: Context) -> None:
        """Run a command typed in a chat and answer in the same chat and topic."""
        message = update.message
        parsed = parse_command(message.text or "")
        if parsed is None or not _is_ours(parsed, message.chat, context.bot.username):
            return
        where = address_of(message)
        asker = asker_for(
            context.bot, self._config, where, message.chat, message.from_user, message.sender_chat
        )
        private = message.chat.type == ChatType.PRIVATE
        named = channel_named(parsed) if private else None
        if named:
            answer = await for_channel(context.bot, self._services, asker, parsed.name, *named)
        else:
            answer = await dispatch(self._services, asker, message.text)
        if answer is not None:
            await self._outgoing.send(where, answer, None if private else message.message_id)

    async def on_button(self, update: Update, context: Context) -> None:
        """Run a pressed button's command as if the presser typed it; turn pages in place."""
        query = update.callback_query
        command = self._tokens.command_for(query.data or "")
        message = query.message
        if command is None or message is None:
            await query.answer(EXPIRED, show_alert=True)
            return
        await query.answer()
        where = address_of(message)
        asker = asker_for(context.bot, self._config, where, message.chat, query.from_user)
        answer = await dispatch(self._services, asker, command)
        if answer is None:
            return
        if _PAGED.search(command):
            await self._outgoing.replace(message, where, answer)
        else:
            await self._outgoing.send(where, answer)

    async def on_inline_query(self, update: Update, context: Context) -> None:
        """Offer a party's latest statements for posting in any chat."""
        query = update.inline_query
        found = await inline.results(
            self._services, context.bot.username, query.query, self._config.link_previews
        )
        await query.answer(found, cache_time=60)

    async def on_membership(self, update: Update, context: Context) -> None:
        """Stop pushing to a chat that removed or blocked the bot; resume when it is back."""
        change = update.my_chat_member
        member = change.new_chat_member
        present = member.status in PRESENT or (
            member.status == ChatMemberStatus.RESTRICTED and getattr(member, "is_member", False)
        )
        await self._core.store.set_chat_active(address(change.chat.id), present)
        log.info("telegram: %s is %s", change.chat.id, "active" if present else "inactive")

    async def on_migration(self, update: Update, context: Context) -> None:
        """A group became a supergroup: its subscriptions follow it to the new id."""
        message = update.message
        if message.migrate_to_chat_id:
            old, new = message.chat_id, message.migrate_to_chat_id
        else:
            old, new = message.migrate_from_chat_id, message.chat_id
        await self._core.store.move_chat(address(old), str(new))
        log.info("telegram: group %s migrated to %s", old, new)

    async def on_error(self, update: object, context: Context) -> None:
        """Log what no handler caught, with its traceback; tell the user in one sentence."""
        log.error("telegram: handling %r failed", update, exc_info=context.error)
        if isinstance(context.error, TelegramError) or not isinstance(update, Update):
            return
        message = update.effective_message
        if message is not None and message.chat.type != ChatType.CHANNEL:
            thread = address_of(message).thread_id
            with suppress(TelegramError):
                await context.bot.send_message(
                    message.chat.id, SORRY, message_thread_id=int(thread) if thread else None
                )


def _is_ours(parsed: Parsed, chat: Chat, bot_username: str) -> bool:
    """Commands for another bot are not ours; in groups, neither are unknown unaddressed ones."""
    if parsed.addressee is not None:
        return parsed.addressee.lower() == bot_username.lower()
    return chat.type == ChatType.PRIVATE or parsed.name in BY_NAME
