"""/settings: how a chat receives its statements."""

from __future__ import annotations

from bot.push.digest import next_digest_time, valid_timezone
from bot.reply import Items, Reply, bold, line, reply
from bot.times import utcnow
from handlers.context import Request, Services

USAGE = (
    "Change with: /settings immediate, /settings daily 8 Europe/Athens (a daily digest at 08:00 "
    "in that time zone), /settings previews on or /settings previews off."
)


def _delivery(settings: dict[str, str]) -> str:
    if "digest_hour" not in settings:
        return "each statement as it arrives"
    return f"a daily digest at {int(settings['digest_hour']):02d}:00 ({settings.get('timezone', 'UTC')})"


async def settings(services: Services, request: Request) -> Reply:
    args = request.args
    if not args:
        chat = await services.store.find_chat(request.asker.address)
        current = chat.settings if chat else {}
        previews = {"on": "shown", "off": "hidden"}.get(
            current.get("previews", ""), "as the bot's default"
        )
        return reply(
            line(bold("Settings of this chat")),
            Items((line("Delivery: ", _delivery(current)), line("Link previews: ", previews))),
            USAGE,
        )
    if not await request.asker.may_manage():
        return reply("Only this chat's admins can change its settings.")
    chat = await services.store.chat(request.asker.address, request.asker.kind)
    choice = args[0].lower()
    if choice == "immediate":
        await services.store.set_settings(chat.id, {"digest_hour": None, "timezone": None})
        await services.store.set_digest(chat.id, None)
        return reply("Done: statements will be sent here as they arrive.")
    if choice == "daily":
        return await _daily(services, chat.id, args[1:])
    if choice == "previews" and len(args) == 2 and args[1].lower() in ("on", "off"):
        await services.store.set_settings(chat.id, {"previews": args[1].lower()})
        return reply(f"Done: link previews are {args[1].lower()} in this chat.")
    return reply(f"I don't understand “{request.text}”. {USAGE}")


async def _daily(services: Services, chat: int, args: tuple[str, ...]) -> Reply:
    hour_text = args[0].removesuffix(":00") if args else "8"
    zone = args[1] if len(args) > 1 else "UTC"
    if not hour_text.isdecimal() or not 0 <= int(hour_text) <= 23:
        return reply(f"The hour must be a whole number from 0 to 23, not “{hour_text}”. {USAGE}")
    if not valid_timezone(zone):
        return reply(
            f"I don't know the time zone “{zone}”. Use a name like Europe/Athens or America/Havana."
        )
    hour = int(hour_text)
    await services.store.set_settings(chat, {"digest_hour": str(hour), "timezone": zone})
    next_at = next_digest_time(utcnow(), hour, zone)
    await services.store.set_digest(chat, next_at)
    return reply(
        f"Done: a daily digest at {hour:02d}:00 ({zone}); the next one is due {next_at:%Y-%m-%d %H:%M} UTC."
    )
