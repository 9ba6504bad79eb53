"""Which room messages are commands for the bot, and whose invitations it accepts.

Pure functions over message text and config, so every rule is tested without a server.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from bot.config import MatrixConfig
from handlers.commands import BY_NAME, parse_command

# A mention pill at the start of the HTML body: <a href="https://matrix.to/#/@bot:server">Name</a>
_PILL = re.compile(
    r'^\s*<a\s[^>]*href="https://matrix\.to/#/([^"?]+)[^"]*"[^>]*>(.*?)</a>', re.I | re.S
)
_TAG = re.compile(r"<[^>]+>")
_AFTER_NAME = re.compile(r"^[:,]|^\s|^$")


def find_command(
    body: str,
    formatted_body: str | None,
    *,
    user_id: str,
    display_name: str | None,
    prefix: str,
) -> str | None:
    """The command in a message, if it is one for the bot, spelt as the dispatcher reads it.

    `!party KKE` (the configured prefix, or `/`) is a command when it names a known one,
    so other bots' commands in a shared room are left alone. A message that starts by
    naming the bot (`partywire: party KKE`, or a mention pill) is always for it.
    """
    text = body.strip()
    for start in dict.fromkeys((prefix, "/")):
        if start and text.startswith(start):
            command = "/" + text[len(start) :]
            parsed = parse_command(command)
            if parsed is not None and parsed.name in BY_NAME:
                return command
            return None
    rest = _after_mention(text, formatted_body, user_id, display_name)
    if rest is None:
        return None
    for start in dict.fromkeys((prefix, "/")):
        if start and rest.startswith(start):
            rest = rest[len(start) :]
            break
    return "/" + (rest.strip() or "help")


def _after_mention(
    text: str, formatted_body: str | None, user_id: str, display_name: str | None
) -> str | None:
    """What follows the bot's name at the start of `text`; None if it does not start so."""
    localpart = user_id[1:].split(":", 1)[0] if user_id.startswith("@") else user_id
    names = {user_id, localpart}
    if display_name:
        names.add(display_name)
    pill = _PILL.match(formatted_body) if formatted_body else None
    if pill and unquote(pill.group(1)) == user_id:
        names.add(html.unescape(_TAG.sub("", pill.group(2))).strip())
    folded = text.lower()
    for name in sorted(filter(None, names), key=len, reverse=True):
        if folded.startswith(name.lower()):
            rest = text[len(name) :]
            if _AFTER_NAME.match(rest):
                return rest.lstrip(":,").strip()
    return None


def invite_accepted(config: MatrixConfig, inviter: str) -> bool:
    """Whether the invite policy lets `inviter` bring the bot into a room."""
    if config.invite_policy == "anyone":
        return True
    server = inviter.split(":", 1)[1] if ":" in inviter else ""
    return inviter in config.invite_users or server in config.invite_servers
