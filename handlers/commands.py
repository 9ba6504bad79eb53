"""The one table of commands, read by every platform adapter, and the dispatcher.

Adapters build their menus and help from `COMMANDS`, and send every command through
`dispatch`, so permission checks and error replies are the same on every platform.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.flood import Verdict
from bot.reply import Items, Reply, bold, code, line, reply
from handlers import browse, operators, settings, subscriptions
from handlers.context import Asker, Request, Services

log = logging.getLogger(__name__)

Handler = Callable[[Services, Request], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    run: Handler
    summary: str
    example: str
    manages: bool = False
    """Changes the chat: in groups and rooms only its admins may use it."""
    operators_only: bool = False
    """For the bot's operators (named in the config) only; not in menus or /help for others."""


async def start(services: Services, request: Request) -> Reply:
    """Greets, or subscribes at once when opened through a `sub_<party>` deep link."""
    if request.text.startswith("sub_"):
        return await dispatch(services, request.asker, f"/subscribe {request.text[4:]}")
    return reply(
        line(
            bold("Partywire"),
            " sends you new statements of the world's communist and workers' parties.",
        ),
        "Try /party KKE, /latest, /meeting or /search strike. "
        "Follow a party with /subscribe KKE. /help lists every command.",
    )


async def help_command(services: Services, request: Request) -> Reply:
    return reply(
        line(bold("Commands")),
        Items(
            tuple(
                line(code(f"/{c.name}"), f" {c.summary}. Example: ", code(c.example))
                for c in COMMANDS
                if request.asker.is_operator or not c.operators_only
            )
        ),
        "In a group or room, only its admins can change what it follows.",
    )


COMMANDS: tuple[Command, ...] = (
    Command("start", start, "introduces the bot", "/start"),
    Command("help", help_command, "lists every command", "/help"),
    Command("party", browse.party, "a party's latest statements", "/party KKE"),
    Command("parties", browse.parties, "the parties I know, by country", "/parties Greece"),
    Command("latest", browse.latest, "the newest statements", "/latest 10"),
    Command("meeting", browse.meeting, "an IMCWP meeting and its statements", "/meeting 21"),
    Command("search", browse.search, "statements with these words", "/search general strike"),
    Command(
        "subscribe",
        subscriptions.subscribe,
        'follow a party, a country, imcwp, all or "words"',
        "/subscribe KKE",
        manages=True,
    ),
    Command(
        "unsubscribe",
        subscriptions.unsubscribe,
        "stop following one, or all",
        "/unsubscribe KKE",
        manages=True,
    ),
    Command(
        "subscriptions", subscriptions.subscriptions, "what this chat follows", "/subscriptions"
    ),
    Command(
        "settings",
        settings.settings,
        "how this chat receives statements",
        "/settings daily 8 Europe/Athens",
    ),
    Command(
        "status",
        operators.status,
        "uptime, queues and failing sources (operators)",
        "/status",
        operators_only=True,
    ),
    Command(
        "sources",
        operators.sources,
        "each source's health (operators)",
        "/sources",
        operators_only=True,
    ),
    Command(
        "forget",
        subscriptions.forget,
        "delete everything stored about this chat",
        "/forget",
        manages=True,
    ),
)

BY_NAME = {command.name: command for command in COMMANDS}

SORRY = "Sorry, something went wrong on my side. It has been logged; please try again later."

_COMMAND = re.compile(r"^[/!](\w+)(?:@(\w+))?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Parsed:
    name: str
    text: str
    addressee: str | None
    """The bot named in `/cmd@bot`, if any: commands for other bots are not ours."""


def parse_command(text: str) -> Parsed | None:
    """Split `/name@bot arguments`; None when the text is not a command at all."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    name, addressee, rest = match.groups()
    return Parsed(name.lower(), (rest or "").strip(), addressee)


async def dispatch(services: Services, asker: Asker, text: str) -> Reply | None:
    """Run the command in `text` for `asker`; every outcome is a reply a user can read.

    None means: say nothing (a chat that floods the bot is ignored for a while).
    """
    if services.flood is not None:
        verdict = services.flood.check(asker.address)
        if verdict is Verdict.IGNORE:
            return None
        if verdict is Verdict.WARN:
            log.info("%s is sending commands too fast; ignoring it for a while", asker.address)
            return reply(
                "You are sending commands faster than I can answer; I'll listen again in a few minutes."
            )
    parsed = parse_command(text)
    command = BY_NAME.get(parsed.name) if parsed else None
    if command is None:
        shown = text.split()[0] if text.split() else text
        return reply(f"I don't know {shown}. /help lists the commands I know.")
    if command.operators_only and not asker.is_operator:
        return reply(f"/{command.name} is for the bot's operators.")
    if command.manages and not await asker.may_manage():
        return reply(f"Only this chat's admins can use /{command.name} here.")
    if services.metrics is not None:
        services.metrics.command(command.name)
    try:
        return await command.run(services, Request(asker, parsed.text))
    except Exception:
        log.exception("/%s failed for %s", command.name, asker.address)
        return reply(
            "Sorry, something went wrong on my side. It has been logged; please try again later."
        )
