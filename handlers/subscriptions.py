"""Commands that change what a chat is sent: /subscribe, /unsubscribe, /subscriptions, /forget."""

from __future__ import annotations

from bot.models import Subscription
from bot.reply import Button, Items, Reply, line, reply
from bot.targets import EVERYTHING, parse_target
from handlers.browse import unknown_party
from handlers.context import Request, Services
from handlers.format import choices, party_label

SUBSCRIBE_USAGE = (
    "What should this chat follow? For example: /subscribe KKE, /subscribe Portugal, "
    '/subscribe imcwp, /subscribe all, or words in quotes: /subscribe "general strike"'
)


def describe(services: Services, subscription: Subscription) -> str:
    """A subscription as a user would say it."""
    if subscription.kind == "party":
        try:
            return party_label(services.directory.get(subscription.value))
        except KeyError:
            return f"a party no longer in the directory ({subscription.value})"
    if subscription.kind == "country":
        return f"every party in {subscription.value}"
    if subscription.kind == "imcwp":
        return "the International Meetings of Communist and Workers' Parties"
    if subscription.kind == "words":
        return f"statements mentioning “{subscription.value}”"
    return "every statement"


def resolve_target(services: Services, text: str, command: str) -> Subscription | Reply:
    """What the user named, as a subscription; or a reply asking them to say it better."""
    target = parse_target(services.directory, text)
    if isinstance(target, Subscription):
        return target
    if target.parties:
        items, buttons = choices(target.parties, command, services.directory)
        return reply(f"“{text.strip()}” could be any of these. Which one?", items, buttons=buttons)
    return unknown_party(services, text.strip(), target.suggestions, command)


async def subscribe(services: Services, request: Request) -> Reply:
    if not request.text.strip():
        return reply(SUBSCRIBE_USAGE)
    target = resolve_target(services, request.text, "/subscribe")
    if isinstance(target, Reply):
        return target
    chat = await services.store.chat(request.asker.address, request.asker.kind)
    what = describe(services, target)
    if not await services.store.subscribe(chat.id, target):
        return reply(f"This chat already follows {what}.")
    return reply(
        f"Subscribed. New statements about {what} will be sent here.",
        "/subscriptions lists what this chat follows; /unsubscribe stops one.",
    )


async def unsubscribe(services: Services, request: Request) -> Reply:
    text = request.text.strip()
    if not text:
        return reply(
            "What should this chat stop following? For example: /unsubscribe KKE, or /unsubscribe all"
        )
    chat = await services.store.find_chat(request.asker.address)
    if text.lower() in EVERYTHING:
        removed = await services.store.unsubscribe(chat.id, None) if chat else 0
        return reply(
            f"Removed all {removed} subscriptions." if removed else "This chat follows nothing."
        )
    target = resolve_target(services, text, "/unsubscribe")
    if isinstance(target, Reply):
        return target
    what = describe(services, target)
    if chat and await services.store.unsubscribe(chat.id, target):
        return reply(f"Unsubscribed from {what}.")
    return reply(f"This chat does not follow {what}. /subscriptions lists what it follows.")


async def subscriptions(services: Services, request: Request) -> Reply:
    chat = await services.store.find_chat(request.asker.address)
    followed = await services.store.subscriptions(chat.id) if chat else []
    if not followed:
        return reply("This chat follows nothing yet. Try /subscribe KKE or /subscribe all.")
    items = Items(tuple(line(describe(services, s)) for s in followed))
    return reply(
        "This chat follows:", items, "/unsubscribe <name> stops one; /unsubscribe all stops all."
    )


async def forget(services: Services, request: Request) -> Reply:
    if request.text.strip().lower() != "yes":
        return reply(
            "This deletes everything stored about this chat: its subscriptions and settings. "
            "Send /forget yes to go ahead.",
            buttons=((Button("Yes, forget this chat", "/forget yes"),),),
        )
    if await services.store.forget(request.asker.address):
        return reply("Done: nothing about this chat is stored any more.")
    return reply("Nothing was stored about this chat.")
