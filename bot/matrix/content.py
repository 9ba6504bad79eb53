"""Replies as Matrix message content: an `m.notice` with an HTML body and a plain fallback.

Matrix has no buttons, so a reply's buttons become a last paragraph listing the
commands that they would have run, spelt with the room's command prefix.
"""

from __future__ import annotations

import dataclasses
from html import escape
from typing import Any

from bot.render_html import matrix_html
from bot.render_plain import render_plain
from bot.reply import Button, Reply

HTML_FORMAT = "org.matrix.custom.html"


def with_prefix(reply: Reply, prefix: str) -> Reply:
    """The reply with each button's `/command` spelt as users type it here (`!command`)."""
    if not reply.buttons or prefix == "/":
        return reply
    return dataclasses.replace(
        reply,
        buttons=tuple(
            tuple(Button(b.label, _prefixed(b.command, prefix)) for b in row)
            for row in reply.buttons
        ),
    )


def _prefixed(command: str, prefix: str) -> str:
    return prefix + command[1:] if command.startswith("/") else command


def buttons_html(reply: Reply) -> str:
    if not reply.buttons:
        return ""
    rows = (
        " · ".join(
            f"{escape(button.label, quote=False)}: <code>{escape(button.command, quote=False)}</code>"
            for button in row
        )
        for row in reply.buttons
    )
    return "<p>" + "<br>".join(rows) + "</p>"


def notice(
    reply: Reply, prefix: str, *, in_reply_to: str | None = None, thread: str | None = None
) -> dict[str, Any]:
    """The content of an `m.notice` for `reply`, optionally answering an event (in a thread)."""
    reply = with_prefix(reply, prefix)
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": render_plain(reply),
        "format": HTML_FORMAT,
        "formatted_body": matrix_html(reply) + buttons_html(reply),
        # Nobody is pinged by the bot's messages.
        "m.mentions": {},
    }
    if in_reply_to is not None:
        relation: dict[str, Any] = {"m.in_reply_to": {"event_id": in_reply_to}}
        if thread is not None:
            relation |= {"rel_type": "m.thread", "event_id": thread, "is_falling_back": False}
        content["m.relates_to"] = relation
    return content
