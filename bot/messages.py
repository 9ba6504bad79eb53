"""How a statement reads in any message: in a command's answer, a push, or a digest."""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Statement
from bot.reply import Items, Line, Link, Reply, Text, bold, line, reply


def statement_line(statement: Statement) -> Line:
    parts: list[Text | Link] = []
    if statement.published_at:
        parts.append(Text(statement.published_at.strftime("%Y-%m-%d") + " · "))
    parts.append(Text(statement.text))
    if statement.url:
        parts += [Text(" "), Link("link", statement.url)]
    return Line(tuple(parts))


def statement_items(statements: Sequence[Statement]) -> Items:
    return Items(tuple(statement_line(s) for s in statements))


def push_message(statements: Sequence[Statement]) -> Reply:
    """One new statement as itself; several as one digest, so a burst never floods a chat."""
    if len(statements) == 1:
        return reply(line(bold("New statement")), statement_line(statements[0]))
    return reply(line(bold(f"{len(statements)} new statements")), statement_items(statements))
