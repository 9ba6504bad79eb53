"""Inline mode: `@bot KKE` in any chat offers that party's latest statements to post there.

Each result carries a "Subscribe" button that opens the bot through a deep link
(`/start sub_<party>`), so readers in the chat where it was posted can follow the
party in one tap.
"""

from __future__ import annotations

import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode

from bot.directory import Party
from bot.messages import statement_line
from bot.models import Statement
from bot.reply import bold, line, reply
from bot.telegram.render import message_texts
from handlers.context import Services
from handlers.format import party_label, party_ref

RESULTS = 10
_SNIPPET = 120
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What Telegram allows after `?start=`."""


def subscribe_payload(services: Services, party: Party) -> str:
    """The deep-link payload that subscribes to `party`: its short name if allowed, else its id."""
    payload = f"sub_{party_ref(services.directory, party)}"
    return payload if _PAYLOAD.fullmatch(payload) else f"sub_{party.id}"


async def results(
    services: Services, bot_username: str, query: str, previews: bool
) -> list[InlineQueryResultArticle]:
    """The latest statements of the one party `query` names; the latest of all when empty."""
    if not query.strip():
        return [_article(s, None, None, previews) for s in await services.store.latest(RESULTS)]
    found = services.directory.find(query).parties
    if len(found) != 1:
        return []
    (party,) = found
    link = f"https://t.me/{bot_username}?start={subscribe_payload(services, party)}"
    subscribe = InlineKeyboardMarkup([[InlineKeyboardButton(f"Follow {party.short}", url=link)]])
    statements = await services.store.by_party(party.id, RESULTS)
    return [_article(s, party, subscribe, previews) for s in statements]


def _article(
    statement: Statement,
    party: Party | None,
    markup: InlineKeyboardMarkup | None,
    previews: bool,
) -> InlineQueryResultArticle:
    heading = line(bold(party_label(party))) if party else line(bold("Statement"))
    (text, *_) = message_texts(reply(heading, statement_line(statement)))
    day = statement.when.strftime("%Y-%m-%d")
    return InlineQueryResultArticle(
        id=str(statement.id),
        title=f"{party.short if party else statement.source} · {day}",
        description=statement.text[:_SNIPPET],
        input_message_content=InputTextMessageContent(
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=not previews),
        ),
        reply_markup=markup,
    )
